//! The command line as a newcomer meets it: the usual mistakes (a missing file, a text or ELF
//! file, a directory, a malformed display name, a typo, a file as the cache) must each say
//! what happened and what to do, with exit code 1 (failure) or 2 (usage or manifest error),
//! and Ngen's own syntax must work in the forms installer scripts use.
//!
//! The hello-app sample is built once per test binary (mcs only, no mscorlib); each test
//! works in its own temporary cache.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use ngen_tests::{ngen_build, temp_dir, workspace_root};

/// The sample's output directory (App.exe, Greeter.dll, bin/MathLib.dll, gac/...), plus a text
/// file, an ELF file and a directory to pass by mistake.
fn sample() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("ngen-cli-ux-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = Command::new(workspace_root().join("samples/hello-app/build.sh"))
            .arg(&dir)
            .output()
            .expect("run samples/hello-app/build.sh");
        assert!(
            out.status.success(),
            "build.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(dir.join("notes.txt"), "not an assembly\n").expect("write notes.txt");
        std::fs::copy("/bin/true", dir.join("native.dll")).expect("copy an ELF file");
        std::fs::create_dir_all(dir.join("publish")).expect("mkdir publish");
        dir
    })
}

/// `ngen-build args...` run in the sample directory, with Checksum's GAC visible and `cache`
/// as the Ngen actions' cache.
fn ngen(cache: &Path, args: &[&str]) -> Output {
    let dir = sample();
    ngen_build()
        .current_dir(dir)
        .env("MONO_GAC_PREFIX", dir.join("gac"))
        .env("NGEN_CACHE", cache)
        .args(args)
        .output()
        .expect("run ngen-build")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts the exit code and that stderr contains every `needles` entry.
#[track_caller]
fn assert_fails(out: &Output, code: i32, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "stderr:\n{err}");
    assert_stderr_has(out, needles);
    assert!(!err.contains("panicked"), "panic:\n{err}");
}

/// Asserts exit code 0 and that stderr contains every `needles` entry.
#[track_caller]
fn assert_succeeds(out: &Output, needles: &[&str]) {
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(out));
    assert_stderr_has(out, needles);
}

/// Asserts that stderr contains every `needles` entry.
#[track_caller]
fn assert_stderr_has(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}:\n{err}");
    }
}

/// Asserts that stdout contains every `needles` entry.
#[track_caller]
fn assert_stdout_has(out: &Output, needles: &[&str]) {
    let text = stdout(out);
    for n in needles {
        assert!(text.contains(n), "stdout lacks {n:?}:\n{text}");
    }
}

/// Writes `dir/ngen.toml` with the single root `root`; returns the manifest's path.
fn one_root_manifest(dir: &Path, root: &Path) -> String {
    let manifest = dir.join("ngen.toml");
    std::fs::write(
        &manifest,
        format!(
            "[[root]]\npath = {:?}\n",
            root.to_str().expect("utf-8 path")
        ),
    )
    .expect("write ngen.toml");
    manifest.to_str().expect("utf-8 path").to_owned()
}

#[test]
fn queued_install_of_a_missing_file_is_refused_and_nothing_is_queued() {
    let cache = temp_dir();
    let out = ngen(cache.path(), &["install", "Missing.exe", "/queue"]);
    assert_fails(&out, 1, &["Missing.exe does not exist", "help:"]);
    let name = ngen(cache.path(), &["install", "System.Nope", "/queue"]);
    assert_fails(
        &name,
        1,
        &["no assembly matching 'System.Nope'", "by its path"],
    );
    let status = ngen(cache.path(), &["queue", "status"]);
    assert_stdout_has(&status, &["Pending items: 0"]);
}

#[test]
fn a_text_file_an_elf_file_or_a_directory_is_not_an_assembly() {
    let cache = temp_dir();
    for cmd in ["install", "deps", "compile", "run"] {
        let text = ngen(cache.path(), &[cmd, "notes.txt"]);
        assert_fails(&text, 1, &["notes.txt is not a .NET assembly", "help:"]);
        let elf = ngen(cache.path(), &[cmd, "native.dll"]);
        assert_fails(&elf, 1, &["native.dll is not a .NET assembly", "ELF file"]);
        let dir = ngen(cache.path(), &[cmd, "publish"]);
        assert_fails(&dir, 1, &["publish is a directory", "ngen-build init"]);
    }
    let json = ngen(cache.path(), &["deps", "notes.txt", "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("deps --json error");
    assert!(
        value["error"]
            .as_str()
            .is_some_and(|e| e.contains("not a .NET assembly")),
        "{value}"
    );
}

#[test]
fn a_malformed_display_name_is_a_usage_error_everywhere() {
    let cache = temp_dir();
    let manifest = sample().join("ngen.toml");
    std::fs::write(&manifest, "[[root]]\npath = \"App.exe\"\n").expect("write ngen.toml");
    let bad = "Bad, Version=x";
    for args in [
        vec!["install", bad],
        vec!["uninstall", bad],
        vec!["display", bad],
        vec!["deps", bad],
        vec!["explain", bad],
        vec!["inspect", bad],
    ] {
        let out = ngen(cache.path(), &args);
        assert_fails(
            &out,
            2,
            &["is neither a file nor a valid", "invalid version", "help:"],
        );
    }
    let star = ngen(cache.path(), &["install", "*"]);
    assert_fails(&star, 2, &["`*` names no assembly to install"]);
}

#[test]
fn display_of_an_unknown_assembly_fails_and_an_empty_cache_says_how_to_fill_it() {
    let cache = temp_dir();
    let unknown = ngen(cache.path(), &["display", "Nope"]);
    assert_fails(&unknown, 1, &["Nope is not in the native image cache"]);
    let empty = ngen(cache.path(), &["display"]);
    assert_eq!(empty.status.code(), Some(0), "{}", stderr(&empty));
    // Which cache, then Ngen's format.
    assert!(
        stdout(&empty).starts_with("Native image cache: ")
            && stdout(&empty).contains(" ($NGEN_CACHE)\n\nNGEN Roots:"),
        "{}",
        stdout(&empty)
    );
    assert_stderr_has(&empty, &["has no roots yet"]);
}

#[test]
fn uninstall_in_the_wrong_scenario_names_the_installed_one() {
    let cache = temp_dir();
    let install = ngen(cache.path(), &["install", "App.exe", "/nologo", "/silent"]);
    assert_succeeds(&install, &[]);
    let wrong = ngen(cache.path(), &["Uninstall", "App", "/Debug"]);
    assert_fails(
        &wrong,
        1,
        &[
            "App is not installed as a root in scenario debug",
            "installed in scenario default",
        ],
    );
    let never = ngen(cache.path(), &["uninstall", "Nope"]);
    assert_fails(&never, 1, &["installed roots:", "App.exe"]);
    let right = ngen(cache.path(), &["uninstall", "App"]);
    assert_succeeds(&right, &[" Uninstalled ", "     Removed MathLib"]);
}

#[test]
fn ngen_syntax_switches_first_any_case_and_update_priority() {
    let cache = temp_dir();
    let queued = ngen(cache.path(), &["/nologo", "install", "App.exe", "/queue:2"]);
    assert_succeeds(&queued, &["at priority 2"]);
    let update = ngen(cache.path(), &["update", "/queue:2"]);
    assert_succeeds(&update, &["always queued at priority 3"]);
    for (word, expected) in [("Pause", "Paused"), ("CONTINUE", "Continued")] {
        let out = ngen(cache.path(), &["queue", word]);
        assert_succeeds(&out, &[expected]);
    }
    let status = ngen(cache.path(), &["queue", "Status"]);
    assert_stdout_has(&status, &["priority 2: install", "priority 3: update"]);
}

#[test]
fn executing_an_empty_queue_or_updating_an_empty_cache_says_so() {
    let cache = temp_dir();
    let update = ngen(cache.path(), &["update"]);
    assert_succeeds(&update, &["Nothing to update: the cache"]);
    let all = ngen(cache.path(), &["executeQueuedItems"]);
    assert_succeeds(&all, &["Nothing queued"]);
    let one = ngen(cache.path(), &["eqi", "1"]);
    assert_stderr_has(&one, &["Nothing queued at priority 1"]);
}

#[test]
fn a_file_as_the_cache_directory_is_reported_with_its_source() {
    let cache = temp_dir();
    let file = sample().join("notes.txt");
    let file = file.to_str().expect("utf-8 path");
    let flag = ngen(cache.path(), &["display", "--cache-dir", file]);
    assert_fails(
        &flag,
        1,
        &["is a file, not a directory", "from --cache-dir"],
    );
    let env = ngen(Path::new(file), &["queue", "status"]);
    assert_fails(&env, 1, &["from $NGEN_CACHE"]);
}

#[test]
fn manifest_commands_without_a_manifest_exit_2() {
    let cache = temp_dir();
    let empty = temp_dir();
    for args in [
        vec!["build"],
        vec!["explain", "App"],
        vec!["package", "--out", "x.tar"],
    ] {
        let out = ngen_build()
            .current_dir(empty.path())
            .env("NGEN_CACHE", cache.path())
            .args(&args)
            .output()
            .expect("run ngen-build");
        assert_fails(&out, 2, &["no ngen.toml in", "ngen-build init"]);
    }
}

#[test]
fn explain_suggests_the_assembly_meant() {
    let dir = temp_dir();
    let manifest = one_root_manifest(dir.path(), &sample().join("App.exe"));
    let manifest = manifest.as_str();
    let typo = ngen(
        dir.path(),
        &["explain", "Greter", "--manifest-path", manifest],
    );
    assert_fails(
        &typo,
        1,
        &[
            "Greter is not an assembly of any root",
            "did you mean `Greeter`?",
        ],
    );
    let other = ngen(dir.path(), &["explain", "Zzz", "--manifest-path", manifest]);
    assert_fails(
        &other,
        1,
        &["the images of this manifest are: App, Checksum, Greeter, MathLib"],
    );
}

#[test]
fn package_and_init_name_the_missing_directory() {
    let cache = temp_dir();
    let index = cache.path().join("index.json");
    std::fs::write(&index, "{}").expect("write index.json");
    let cache_dir = cache.path().to_str().expect("utf-8 path");
    let out = ngen(
        cache.path(),
        &[
            "package",
            "--out",
            "/nonexistent-dir/x.tar",
            "--cache-dir",
            cache_dir,
        ],
    );
    assert_fails(
        &out,
        1,
        &["the directory /nonexistent-dir does not exist", "mkdir -p"],
    );
    assert!(!stderr(&out).contains(".package-"), "{}", stderr(&out));
    let init = ngen(cache.path(), &["init", "/nonexistent-dir"]);
    // A folder that is not there is a usage error (exit 2), as the README says.
    assert_fails(
        &init,
        2,
        &["/nonexistent-dir does not exist", "publish folder"],
    );
    let init_file = ngen(cache.path(), &["init", "notes.txt"]);
    assert_fails(&init_file, 2, &["notes.txt is not a directory"]);
}

#[test]
fn help_names_defaults_and_framework_flag_is_spelt_both_ways() {
    let cache = temp_dir();
    let install = ngen(cache.path(), &["install", "--help"]);
    let text = stdout(&install);
    for needle in [
        "default: one per CPU",
        "default: /usr/lib/mono/4.5",
        "--framework",
    ] {
        assert!(
            text.contains(needle),
            "install --help lacks {needle:?}:\n{text}"
        );
    }
    let build = stdout(&ngen(cache.path(), &["build", "--help"]));
    assert!(build.contains("--message-format <FORMAT>"), "{build}");
    assert!(build.contains("Default: every scenario"), "{build}");
    let service = stdout(&ngen(cache.path(), &["service", "--help"]));
    assert!(service.contains("--poll-ms <MS>"), "{service}");
    // deps and install accept both spellings of the framework directory flag.
    let deps = ngen(
        cache.path(),
        &["deps", "App.exe", "--framework-dir", "/usr/lib/mono/4.5"],
    );
    assert_succeeds(&deps, &[]);
}

#[test]
fn init_in_a_folder_without_an_exe_warns_that_the_root_is_a_placeholder() {
    let dir = temp_dir();
    let dir_arg = dir.path().to_str().expect("utf-8 path");
    let out = ngen(dir.path(), &["init", dir_arg]);
    assert_succeeds(&out, &["Created", "no .exe in", "placeholder"]);
}

#[test]
fn build_json_ends_with_build_finished_even_on_a_manifest_error() {
    let dir = temp_dir();
    let manifest = dir.path().join("ngen.toml");
    std::fs::write(&manifest, "[[root]\n").expect("write ngen.toml");
    let manifest = manifest.to_str().expect("utf-8 path");
    let out = ngen(
        dir.path(),
        &[
            "build",
            "--manifest-path",
            manifest,
            "--message-format",
            "json",
        ],
    );
    // The manifest error is a JSON message in the stream (stdout), not text on stderr.
    assert_fails(&out, 2, &[]);
    assert!(
        stdout(&out).contains(r#""code":"ngen::manifest::syntax""#),
        "{}",
        stdout(&out)
    );
    let last: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().last().expect("a JSON line on stdout"))
            .expect("JSON");
    assert_eq!(last["reason"], "build-finished");
    assert_eq!(last["success"], false);
}

#[test]
fn an_unresolved_root_points_at_deps() {
    let dir = temp_dir();
    let manifest = one_root_manifest(dir.path(), &sample().join("notes.txt"));
    let manifest = manifest.as_str();
    let out = ngen(dir.path(), &["build", "--manifest-path", manifest]);
    assert_fails(
        &out,
        1,
        &[
            "not a valid PE file",
            "help: `ngen-build deps ",
            "1 root unresolved",
        ],
    );
}

#[test]
fn a_closed_stdout_ends_output_without_a_panic() {
    let cache = temp_dir();
    for _ in 0..3 {
        let out = ngen(cache.path(), &["install", "App.exe", "/queue:3", "/silent"]);
        assert_succeeds(&out, &[]);
    }
    for args in [&["queue", "status"][..], &["display"], &["schema"]] {
        let dir = sample();
        let mut child = ngen_build()
            .current_dir(dir)
            .env("NGEN_CACHE", cache.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn ngen-build");
        // Close the reading end before the child writes: like `| head -0`.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait for ngen-build");
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
        // Either it noticed and exited 0, or SIGPIPE ended it as it ends `yes | head`.
        use std::os::unix::process::ExitStatusExt;
        let quiet = out.status.code() == Some(0) || out.status.signal() == Some(SIGPIPE);
        assert!(quiet, "{args:?} ended with {:?}:\n{err}", out.status);
    }
}

#[test]
fn zero_jobs_is_a_usage_error() {
    let cache = temp_dir();
    for cmd in ["build", "update"] {
        let out = ngen(cache.path(), &[cmd, "-j", "0"]);
        assert_fails(&out, 2, &["must be at least 1"]);
    }
}

#[test]
fn a_scenario_no_root_is_built_for_is_a_usage_error() {
    let dir = temp_dir();
    let manifest = one_root_manifest(dir.path(), &sample().join("App.exe"));
    let manifest = manifest.as_str();
    for cmd in ["build", "explain"] {
        let mut args = vec![cmd];
        if cmd == "explain" {
            args.push("App");
        }
        args.extend(["--manifest-path", manifest, "--scenario", "debug"]);
        let out = ngen(dir.path(), &args);
        assert_fails(
            &out,
            2,
            &["is built for scenario debug", "built for: default"],
        );
    }
}

#[test]
fn a_missing_program_is_reported_once_not_once_per_cause() {
    let cache = temp_dir();
    for cmd in ["compile", "run"] {
        let out = ngen(cache.path(), &[cmd, "Missing.exe"]);
        assert_fails(&out, 1, &["Missing.exe does not exist"]);
        let text = stderr(&out);
        assert_eq!(text.matches("Missing.exe").count(), 1, "{cmd}: {text}");
    }
}

/// SIGPIPE's number on Linux.
const SIGPIPE: i32 = 13;
