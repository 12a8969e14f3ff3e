//! Shared helpers for the end-to-end and differential tests.
//!
//! Fixtures are C# sources compiled with `mcs` at test time; `mono` is the oracle for
//! behaviour and `monodis` for metadata. Tests find the `ngen-build` binary next to the
//! test executable (`cargo build --workspace --bins` runs first in `scripts/test.sh`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod debian_apps;
mod fetch_steps;
pub mod framework_images;
pub mod mono_sources;

pub use framework_images::{debug_framework_images, framework_images, profile_framework_images};

/// Reports that `test` cannot run here and why, straight to stderr (not through the test
/// harness's capture, so it shows in every log), as a `SKIPPED:` line that `tests/run.sh`
/// counts in its summary. The caller then returns: a skipped test must never look like a pass.
pub fn skip_loudly(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {why}");
}

/// The workspace root (the directory holding the workspace `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Path of the `ngen-build` binary built in the same target directory as this test.
pub fn ngen_build_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/<test-binary>  ->  target/<profile>/ngen-build
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary lives in target/<profile>/deps");
    let bin = profile_dir.join("ngen-build");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --workspace --bins` before the tests (scripts/test.sh does)",
        bin.display()
    );
    bin
}

/// A `Command` for `ngen-build` with logging variables cleared, so tests see only what they ask for.
/// `install /queue` does not start the native image service in the background here (a test
/// that wants it removes `NGEN_SERVICE_AUTOSTART`), so queued items stay queued and no test
/// leaves a service behind.
///
/// `NGEN_IMAGE_PATH` names the shared framework images ([`framework_images`], built once per
/// test run): mscorlib is compiled code like any assembly, so a program run under `--jit never`
/// needs its image, which the programs' own caches do not hold (`compile-framework = false`).
pub fn ngen_build() -> Command {
    let mut cmd = ngen_build_without_framework_images();
    cmd.env("NGEN_IMAGE_PATH", framework_images());
    cmd
}

/// [`ngen_build`] without `NGEN_IMAGE_PATH` (what builds the framework images themselves).
pub fn ngen_build_without_framework_images() -> Command {
    let mut cmd = Command::new(ngen_build_bin());
    cmd.env_remove("NGEN_LOG")
        .env_remove("NGEN_CACHE")
        .env_remove("NGEN_IMAGE_PATH")
        .env("NGEN_SERVICE_AUTOSTART", "0");
    cmd
}

/// Mono's framework directory.
pub const FRAMEWORK_DIR: &str = "/usr/lib/mono/4.5";

/// Compiles C# `sources` with `mcs` into `out` (`.exe` or `.dll`, chosen by `out`'s extension).
/// `extra` is passed through (`-r:Lib.dll`, `-keyfile:k.snk`, `-unsafe`, ...).
/// Panics with mcs's output when compilation fails: a fixture that does not compile is a test bug.
pub fn mcs(sources: &[&Path], out: &Path, extra: &[&str]) {
    let target = match out.extension().and_then(|e| e.to_str()) {
        Some("dll") => "-target:library",
        _ => "-target:exe",
    };
    let mut cmd = Command::new("mcs");
    cmd.arg("-nologo")
        .arg("-deterministic")
        .arg("-debug-")
        .arg(target)
        .arg(format!("-out:{}", out.display()))
        .args(extra)
        .args(sources);
    let output = cmd
        .output()
        .expect("mcs is installed (scripts/test.sh installs mono-mcs)");
    assert!(
        output.status.success(),
        "mcs failed for {}:\n{}{}",
        out.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Assembles an IL fixture with `ilasm` into `out` (`.exe` or `.dll`, by extension), for
/// instruction sequences C# compilers do not emit. Panics with ilasm's output on failure.
pub fn ilasm(source: &Path, out: &Path) {
    let mut cmd = Command::new("ilasm");
    if out.extension().and_then(|e| e.to_str()) == Some("dll") {
        cmd.arg("-dll");
    }
    let output = cmd
        .arg(source)
        .arg(format!("-output:{}", out.display()))
        .output()
        .expect("ilasm is installed (mono-devel)");
    assert!(
        output.status.success() && out.is_file(),
        "ilasm {} failed:\n{}",
        source.display(),
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Runs `mono exe args...` and returns its output.
pub fn mono(exe: &Path, args: &[&str]) -> Output {
    Command::new("mono")
        .arg(exe)
        .args(args)
        .output()
        .expect("mono is installed (scripts/test.sh installs mono-runtime)")
}

/// Stdout, the first line of stderr, and the exit code: what differential tests compare.
#[derive(Debug, PartialEq, Eq)]
pub struct Observed {
    pub stdout: String,
    pub stderr_first_line: String,
    pub exit_code: Option<i32>,
}

impl From<&Output> for Observed {
    fn from(out: &Output) -> Self {
        Observed {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr_first_line: String::from_utf8_lossy(&out.stderr)
                .lines()
                .next()
                .unwrap_or("")
                .to_string(),
            exit_code: out.status.code(),
        }
    }
}

/// A fresh temporary directory that is removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("ngen-test-")
        .tempdir()
        .expect("temp dir")
}

/// Compiles the C# fixture `tests/fixtures/<area>/<file>` with [`mcs`] into `<Stem>.exe` in a
/// fresh temporary directory. Keep the returned directory alive while the exe is used.
pub fn compile_fixture_exe(area: &str, file: &str) -> (tempfile::TempDir, PathBuf) {
    compile_fixture_exe_with(area, file, &[])
}

/// [`compile_fixture_exe`] with `mcs_flags` passed to [`mcs`] (`-unsafe`, ...).
pub fn compile_fixture_exe_with(
    area: &str,
    file: &str,
    mcs_flags: &[&str],
) -> (tempfile::TempDir, PathBuf) {
    let dir = temp_dir();
    let source = workspace_root()
        .join("tests/fixtures")
        .join(area)
        .join(file);
    let stem = Path::new(file)
        .file_stem()
        .expect("fixture file has a name")
        .to_string_lossy();
    let exe = dir.path().join(format!("{stem}.exe"));
    mcs(&[&source], &exe, mcs_flags);
    (dir, exe)
}

/// The stdout of a process that must have succeeded, as UTF-8. Panics with its stderr when it
/// failed: the oracle failing is a test bug.
pub fn successful_stdout(out: Output) -> String {
    assert!(
        out.status.success(),
        "mono failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("fixture prints UTF-8")
}

/// Compiles the fixture `tests/fixtures/<area>/<file>`, runs it under [`mono`] with `args`, and
/// returns its stdout (it must succeed).
pub fn mono_fixture_stdout(area: &str, file: &str, args: &[&str]) -> String {
    let (_dir, exe) = compile_fixture_exe(area, file);
    successful_stdout(mono(&exe, args))
}

/// Runs `ngen-build deps <args>` with `MONO_GAC_PREFIX` cleared, so only the GACs a test names
/// count.
pub fn ngen_deps<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    ngen_build()
        .env_remove("MONO_GAC_PREFIX")
        .arg("deps")
        .args(args)
        .output()
        .expect("run ngen-build deps")
}

/// The closure `ngen-build deps <args> --json` prints (it must succeed).
pub fn ngen_deps_json<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> serde_json::Value {
    let mut all: Vec<&std::ffi::OsStr> = args.iter().map(AsRef::as_ref).collect();
    all.push("--json".as_ref());
    let out = ngen_deps(&all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("deps --json prints JSON")
}

/// The entry for the assembly whose simple name is `simple` in a `deps --json` closure.
pub fn deps_assembly<'a>(json: &'a serde_json::Value, simple: &str) -> &'a serde_json::Value {
    json["assemblies"]
        .as_array()
        .expect("deps --json has an assemblies array")
        .iter()
        .find(|a| {
            a["name"]
                .as_str()
                .expect("each assembly has a name")
                .starts_with(&format!("{simple},"))
        })
        .unwrap_or_else(|| panic!("{simple} not in the closure: {json:#}"))
}

/// Every file of a `deps --json` closure (the root and each assembly), canonicalised.
pub fn deps_closure_files(json: &serde_json::Value) -> std::collections::BTreeSet<PathBuf> {
    std::iter::once(&json["root"])
        .chain(
            json["assemblies"]
                .as_array()
                .expect("deps --json has an assemblies array"),
        )
        .map(|a| std::fs::canonicalize(a["path"].as_str().expect("path")).expect("file exists"))
        .collect()
}

/// The files Mono's loader log (`MONO_LOG_LEVEL=info MONO_LOG_MASK=asm`) says it loaded, with
/// relative paths taken from `base` (mono's working directory), canonicalised.
pub fn mono_loaded_files(log: &str, base: &Path) -> std::collections::BTreeSet<PathBuf> {
    let marker = "Assembly Loader loaded assembly from location: '";
    log.lines()
        .filter_map(|l| l.split_once(marker).map(|(_, rest)| rest))
        .filter_map(|rest| rest.strip_suffix("'."))
        .map(|p| std::fs::canonicalize(base.join(p)).expect("loaded file exists"))
        .collect()
}

/// The end of a differential run: asserts that more than `minimum` results were compared (so a
/// fixture that prints nothing cannot pass) and that none differed, showing the first `shown`
/// mismatches.
pub fn assert_no_mismatches(checked: usize, minimum: usize, mismatches: &[String], shown: usize) {
    assert!(checked > minimum, "only {checked} results checked");
    assert!(
        mismatches.is_empty(),
        "{} of {checked} results differ, first: {:#?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(shown)]
    );
}

/// Makes `command` run under exactly the locale `LANG=lang` (`None`: no locale at all), whatever
/// the test runner's environment says.
pub fn with_locale<'a>(command: &'a mut Command, lang: Option<&str>) -> &'a mut Command {
    command
        .env_remove("LC_ALL")
        .env_remove("LC_CTYPE")
        .env_remove("LANG");
    if let Some(lang) = lang {
        command.env("LANG", lang);
    }
    command
}

/// A command re-running this test binary for the single test `test` with its output shown: the
/// way differential tests run our side in a process of its own (the test checks a variable the
/// caller sets, and does nothing without it).
pub fn rerun_test_as_child(test: &str) -> Command {
    let this_binary = std::env::current_exe().expect("test binary path");
    let mut command = Command::new(this_binary);
    command.args(["--exact", test, "--nocapture", "--test-threads=1"]);
    command
}

/// The bytes from the first `BEGIN` marker to the end of the last `END` marker: a child test
/// process's own output without the lines libtest prints around it.
pub fn between_markers(stdout: &[u8]) -> Vec<u8> {
    let start = stdout
        .windows(5)
        .position(|w| w == b"BEGIN")
        .expect("BEGIN marker");
    let end = stdout
        .windows(3)
        .rposition(|w| w == b"END")
        .expect("END marker");
    stdout[start..end + 3].to_vec()
}

/// Runs `command`, which must succeed (a tool a test depends on: `sn`, `al`, a build script,
/// `ngen-build build`); panics with its output otherwise. Returns the output.
pub fn run_ok(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({:?}):\n{}{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Every file below `dir`, recursively, not descending into (or listing) entries named in
/// `skip` (such as `.local`, the cache's machine-local state).
pub fn files_under(dir: &Path, skip: &[&str]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("readable directory")
        .flatten()
    {
        let path = entry.path();
        if skip.iter().any(|name| path.ends_with(name)) {
            continue;
        }
        if path.is_dir() {
            files.extend(files_under(&path, skip));
        } else {
            files.push(path);
        }
    }
    files
}

/// Compiles the fixture `tests/fixtures/<area>/<file>` with [`mcs`] (`mcs_flags` passed
/// through) into `<Stem>.exe` in a fresh temporary directory, and its native image for
/// `scenario` (`default`, `profile`, ...) into `images/` there. Returns (directory, exe,
/// images); keep the directory alive while they are used.
pub fn fixture_with_images(
    area: &str,
    file: &str,
    mcs_flags: &[&str],
    scenario: &str,
) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (dir, exe) = compile_fixture_exe_with(area, file, mcs_flags);
    let images = dir.path().join("images");
    run_ok(
        ngen_build()
            .arg("compile")
            .arg(&exe)
            .args(["--scenario", scenario, "--out"])
            .arg(&images),
    );
    (dir, exe, images)
}

/// Runs `ngen-build compile <assembly> --out <out>`, which must succeed ([`run_ok`]). Returns
/// its output.
pub fn ngen_compile(assembly: &Path, out: &Path) -> Output {
    run_ok(
        ngen_build()
            .arg("compile")
            .arg(assembly)
            .arg("--out")
            .arg(out),
    )
}

/// Runs `ngen-build run --images <images> --images <framework images> [--jit <mode>] <exe>
/// <args>` (`mode` "default" passes no `--jit`), whatever its exit status. The framework's
/// images ([`framework_images`], built once per test run) are always searched too, so calls
/// into Mono's class libraries run from their images under `--jit never`.
pub fn ngen_run_from_images(exe: &Path, images: &Path, mode: &str, args: &[&str]) -> Output {
    let mut cmd = ngen_build();
    cmd.arg("run")
        .arg("--images")
        .arg(images)
        .arg("--images")
        .arg(framework_images());
    if mode != "default" {
        cmd.arg("--jit").arg(mode);
    }
    cmd.arg(exe)
        .args(args)
        .output()
        .expect("run ngen-build run")
}

/// The first three stderr lines: for an unhandled exception mono prints an empty line,
/// `Unhandled Exception:` and `System.XxxException: message` (then frames we do not have).
pub fn stderr_head(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .take(3)
        .map(str::to_string)
        .collect()
}

/// Asserts `exe args` behaves as under mono (stdout, exit code, first three stderr lines)
/// when run from `images` under `--jit never`, `--jit always` and the default.
pub fn assert_like_mono_in_every_mode(exe: &Path, images: &Path, args: &[&str]) {
    assert_like_mono_in_modes(exe, images, args, &["never", "always", "default"]);
}

/// [`assert_like_mono_in_every_mode`] for only `modes` ("never", "always", "default").
pub fn assert_like_mono_in_modes(exe: &Path, images: &Path, args: &[&str], modes: &[&str]) {
    let program = exe.file_name().unwrap_or_default().to_string_lossy();
    let mono_out = mono(exe, args);
    let expected = Observed::from(&mono_out);
    for mode in modes {
        let out = ngen_run_from_images(exe, images, mode, args);
        assert_eq!(
            Observed::from(&out),
            expected,
            "{program} {args:?} under --jit {mode} differs from mono"
        );
        assert_eq!(
            stderr_head(&out),
            stderr_head(&mono_out),
            "{program} {args:?} under --jit {mode}: stderr differs from mono"
        );
    }
}

/// Asserts `exe args` prints exactly what mono prints on stdout and stderr (the unhandled
/// report's stack frames included), with mono's exit code, when run from `images` under
/// each of `modes` ("never", "always", "default").
pub fn assert_exactly_like_mono(exe: &Path, images: &Path, args: &[&str], modes: &[&str]) {
    let program = exe.file_name().unwrap_or_default().to_string_lossy();
    let expected = mono(exe, args);
    let show = |o: &Output| {
        format!(
            "stdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    for mode in modes {
        let out = ngen_run_from_images(exe, images, mode, args);
        assert_eq!(
            show(&out),
            show(&expected),
            "{program} {args:?} under --jit {mode} differs from mono"
        );
        assert_eq!(
            out.status.code(),
            expected.status.code(),
            "{program} {args:?} under --jit {mode}: exit code"
        );
    }
}

/// C# programs of one fixture area (`tests/fixtures/<area>/<name>.cs`), compiled with mcs
/// (`-unsafe`, so fixtures may use `sizeof` and pointers) into `bin/` and by `ngen-build
/// compile` into `images/` of a temporary directory.
pub struct CompiledPrograms {
    _dir: tempfile::TempDir,
    pub bin: PathBuf,
    pub images: PathBuf,
}

impl CompiledPrograms {
    /// Compiles `programs` of fixture `area` (they run next to the shared
    /// [`framework_images`]).
    pub fn new(area: &str, programs: &[&str]) -> CompiledPrograms {
        CompiledPrograms::with_references(area, programs, &[])
    }

    /// As [`CompiledPrograms::new`], the programs also referencing the framework assemblies
    /// `references` (file names, as `System.Xml.Linq.dll`, which mcs does not reference by
    /// default).
    pub fn with_references(area: &str, programs: &[&str], references: &[&str]) -> CompiledPrograms {
        let mut flags = vec!["-unsafe".to_string()];
        flags.extend(references.iter().map(|r| format!("-r:{r}")));
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let dir = temp_dir();
        let bin = dir.path().join("bin");
        let images = dir.path().join("images");
        std::fs::create_dir_all(&bin).unwrap();
        for name in programs {
            let source = workspace_root()
                .join("tests/fixtures")
                .join(area)
                .join(format!("{name}.cs"));
            let exe = bin.join(format!("{name}.exe"));
            mcs(&[&source], &exe, &flags);
            ngen_compile(&exe, &images);
        }
        CompiledPrograms {
            _dir: dir,
            bin,
            images,
        }
    }

    /// Asserts `program args` behaves as under mono in every mode
    /// ([`assert_like_mono_in_every_mode`]).
    pub fn assert_like_mono(&self, program: &str, args: &[&str]) {
        let exe = self.bin.join(format!("{program}.exe"));
        assert_like_mono_in_every_mode(&exe, &self.images, args);
    }

    /// Asserts `program`'s image holds every method with an IL body (only methods without
    /// one, such as runtime-implemented delegate methods and abstract methods, are excluded).
    pub fn assert_compiled_whole(&self, program: &str) {
        for entry in self.excluded(program) {
            let reason = entry["reason"].as_str().unwrap_or_default();
            assert!(
                reason.starts_with("no IL body"),
                "{program}: {} excluded: {reason}",
                entry["name"]
            );
        }
    }

    /// The `excluded` entries of `program`'s image report.
    pub fn excluded(&self, program: &str) -> Vec<serde_json::Value> {
        let report = self.images.join(format!("{program}.ni.report.json"));
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
        report["excluded"].as_array().cloned().unwrap_or_default()
    }
}
