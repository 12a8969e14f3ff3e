//! Shared by the type system's integration tests: finding Mono's tools, compiling C# fixtures
//! with `mcs` into a temporary directory, and a context over Mono's framework plus that
//! directory. Tests skip loudly (eprintln + return) when Mono is not installed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ngen_typesystem::{DirectoryResolver, TypeSystem};

/// Mono's framework directory (Debian's mono packages).
pub const FRAMEWORK: &str = "/usr/lib/mono/4.5";

/// True when `tool` runs; otherwise prints why the test is skipped.
pub fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        // Straight to stderr, past the harness's capture, so the skip shows in every log
        // (tests/run.sh counts `SKIPPED:` lines as skipped, not passed).
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: `{tool}` is not installed (tests/setup.sh installs mono-devel)"
        );
    }
    found && Path::new(FRAMEWORK).join("mscorlib.dll").is_file()
}

/// The path of a fixture source in `tests/fixtures/`.
/// Runs a C# oracle program under mono with the framework assemblies `framework` (file names
/// in [`FRAMEWORK`]) and then `extra` as arguments, and returns what it printed (it must succeed).
pub fn run_oracle(oracle: &Path, framework: &[&str], extra: &[&Path]) -> String {
    let fw = Path::new(FRAMEWORK);
    let out = Command::new("mono")
        .arg(oracle)
        .args(framework.iter().map(|name| fw.join(name)))
        .args(extra)
        .output()
        .expect("mono runs");
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the oracle prints UTF-8")
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Compiles `sources` with `mcs` into `dir/out`; `extra` are more mcs arguments.
pub fn mcs(dir: &Path, out: &str, sources: &[&str], extra: &[&str]) -> PathBuf {
    let out_path = dir.join(out);
    let mut cmd = Command::new("mcs");
    cmd.arg("-nologo")
        .arg(format!("-out:{}", out_path.display()));
    if out.ends_with(".dll") {
        cmd.arg("-target:library");
    }
    cmd.args(extra);
    for s in sources {
        cmd.arg(fixture(s));
    }
    let o = cmd.output().expect("mcs runs");
    assert!(
        o.status.success(),
        "mcs failed for {sources:?}:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    out_path
}

/// A context over Mono's framework and `dir`.
pub fn context(dir: &Path) -> TypeSystem {
    let resolver = DirectoryResolver::new([
        dir.to_path_buf(),
        PathBuf::from(FRAMEWORK),
        Path::new(FRAMEWORK).join("Facades"),
    ]);
    TypeSystem::new(Box::new(resolver), "mscorlib").expect("mscorlib loads")
}

/// Assembles `source` (in `tests/fixtures/`) with `ilasm` into `dir/out`.
pub fn ilasm(dir: &Path, out: &str, source: &str) -> PathBuf {
    let out_path = dir.join(out);
    let o = Command::new("ilasm")
        .arg("-dll")
        .arg("-quiet")
        .arg(format!("-output:{}", out_path.display()))
        .arg(fixture(source))
        .output()
        .expect("ilasm runs");
    assert!(
        o.status.success(),
        "ilasm failed for {source}: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    out_path
}

/// A fixture context: `source` compiled into `dir`, then loaded. Returns the context and
/// the fixture's module.
pub fn fixture_context(dir: &Path, source: &str) -> (TypeSystem, ngen_typesystem::ModuleId) {
    let name = Path::new(source)
        .file_stem()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    if source.ends_with(".il") {
        ilasm(dir, &format!("{name}.dll"), source);
    } else {
        mcs(dir, &format!("{name}.dll"), &[source], &[]);
    }
    let mut ts = context(dir);
    let module = ts.load_module(&name).expect("fixture loads");
    (ts, module)
}

/// A top-level type by `Namespace.Name`.
pub fn ty(
    ts: &mut TypeSystem,
    module: ngen_typesystem::ModuleId,
    full: &str,
) -> ngen_typesystem::TypeHandle {
    let (ns, name) = full.rsplit_once('.').unwrap_or(("", full));
    ts.find_type(module, ns, name)
        .unwrap()
        .unwrap_or_else(|| panic!("{full} not found"))
}

/// The first method of `ty` named `name`.
pub fn method(
    ts: &mut TypeSystem,
    ty: ngen_typesystem::TypeHandle,
    name: &str,
) -> ngen_typesystem::MethodHandle {
    let methods = ts.methods(ty).unwrap();
    methods
        .iter()
        .copied()
        .find(|&m| ts.method(m).name == name)
        .unwrap_or_else(|| panic!("{} has no method {name}", ts.type_name(ty)))
}

/// A field of `ty` by name.
pub fn field(
    ts: &mut TypeSystem,
    ty: ngen_typesystem::TypeHandle,
    name: &str,
) -> ngen_typesystem::FieldHandle {
    let fields = ts.fields(ty).unwrap();
    fields
        .iter()
        .copied()
        .find(|&f| ts.field(f).name == name)
        .unwrap_or_else(|| panic!("{} has no field {name}", ts.type_name(ty)))
}
