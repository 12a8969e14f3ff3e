//! Native image properties: rejected images when a dependency changed, exclusions (not crashes)
//! for malformed IL, and byte-identical images from identical inputs.

use std::path::{Path, PathBuf};
use std::process::Output;

use ngen_tests::{Observed, mcs, mono, ngen_build, temp_dir, workspace_root};

fn fixture_source(name: &str) -> PathBuf {
    workspace_root()
        .join("tests/fixtures/codegen")
        .join(format!("{name}.cs"))
}

fn compile(assembly: &Path, out: &Path) -> Output {
    let output = ngen_build()
        .arg("compile")
        .arg(assembly)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run ngen-build compile");
    assert!(
        output.status.success(),
        "compile {} failed:\n{}",
        assembly.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn image_of_an_app_whose_dependency_was_rebuilt_is_rejected_and_the_app_still_runs() {
    let dir = temp_dir();
    let bin = dir.path().join("bin");
    let images = dir.path().join("images");
    std::fs::create_dir_all(&bin).unwrap();
    let lib = bin.join("MathLib.dll");
    mcs(&[&fixture_source("mathlib")], &lib, &[]);
    let exe = bin.join("crossasm.exe");
    mcs(
        &[&fixture_source("crossasm")],
        &exe,
        &[&format!("-r:{}", lib.display())],
    );
    compile(&lib, &images);
    compile(&exe, &images);

    // Rebuild the dependency from a changed source: same API, new MVID.
    let changed = dir.path().join("mathlib_v2.cs");
    let source = std::fs::read_to_string(fixture_source("mathlib")).unwrap();
    std::fs::write(
        &changed,
        format!("{source}\n// rebuilt\nclass Rebuilt {{}}\n"),
    )
    .unwrap();
    mcs(&[&changed], &lib, &[]);

    let out = ngen_build()
        .env("NGEN_LOG", "binding")
        .arg("run")
        .arg("--images")
        .arg(&images)
        .arg(&exe)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("crossasm: rejected image")
            && stderr.contains("dependency MathLib changed"),
        "the app's image must be rejected because MathLib changed:\n{stderr}"
    );
    assert!(
        stderr.contains("MathLib: rejected image") && stderr.contains("MathLib changed"),
        "MathLib's own image must be rejected:\n{stderr}"
    );
    let expected = Observed::from(&mono(&exe, &[]));
    let mut actual = Observed::from(&out);
    // The log lines come first on stderr; compare the program's own stderr.
    actual.stderr_first_line = stderr
        .lines()
        .find(|l| !l.starts_with("ngen[binding]"))
        .unwrap_or("")
        .to_string();
    assert_eq!(actual, expected);

    // With images only, the run fails and names a method.
    let never = ngen_build()
        .arg("run")
        .arg("--images")
        .arg(&images)
        .arg("--jit")
        .arg("never")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(!never.status.success());
    assert!(String::from_utf8_lossy(&never.stderr).contains("App::Main"));
}

/// Replaces the only occurrence of `pattern` in `bytes`.
fn patch(bytes: &mut [u8], pattern: &[u8], replacement: &[u8]) {
    assert_eq!(pattern.len(), replacement.len());
    let positions: Vec<usize> = bytes
        .windows(pattern.len())
        .enumerate()
        .filter(|(_, w)| *w == pattern)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(positions.len(), 1, "pattern {pattern:02x?} must occur once");
    bytes[positions[0]..positions[0] + pattern.len()].copy_from_slice(replacement);
}

#[test]
fn malformed_il_is_excluded_with_a_reason_not_a_crash() {
    let dir = temp_dir();
    let src = dir.path().join("malformed.cs");
    std::fs::write(
        &src,
        r#"
static class Malformed
{
    static int Underflow() { return 0x12345678; }
    static long MidBranch() { return 0x1122334455667788; }
    static int BadToken() { return 0x7EADBEEF; }
    static int Main() { System.Console.WriteLine(7); return 0; }
}
"#,
    )
    .unwrap();
    let exe = dir.path().join("malformed.exe");
    mcs(&[&src], &exe, &[]);
    let mut bytes = std::fs::read(&exe).unwrap();
    // ldc.i4 0x12345678; ret  ->  add; nop x4; ret (stack underflow at IL_0000)
    patch(
        &mut bytes,
        &[0x20, 0x78, 0x56, 0x34, 0x12, 0x2A],
        &[0x58, 0x00, 0x00, 0x00, 0x00, 0x2A],
    );
    // ldc.i8 ...; ret  ->  br.s +1 (into the ldc.i4 operand); ldc.i4 0; ret; ret; ret
    patch(
        &mut bytes,
        &[0x21, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x2A],
        &[0x2B, 0x01, 0x20, 0x00, 0x00, 0x00, 0x00, 0x2A, 0x2A, 0x2A],
    );
    // ldc.i4 0x7EADBEEF; ret  ->  call 0x0600FFFF (no such method); ret
    patch(
        &mut bytes,
        &[0x20, 0xEF, 0xBE, 0xAD, 0x7E, 0x2A],
        &[0x28, 0xFF, 0xFF, 0x00, 0x06, 0x2A],
    );
    let patched = dir.path().join("patched").join("malformed.exe");
    std::fs::create_dir_all(patched.parent().unwrap()).unwrap();
    std::fs::write(&patched, &bytes).unwrap();

    let images = dir.path().join("images");
    compile(&patched, &images);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(images.join("malformed.ni.report.json")).unwrap())
            .unwrap();
    let reason = |name: &str| -> String {
        report["excluded"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{name} not excluded: {report}"))["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(reason("Malformed::Underflow"), "stack underflow at IL_0000");
    assert_eq!(
        reason("Malformed::MidBranch"),
        "branch into the middle of an instruction (IL_0003) at IL_0000"
    );
    assert_eq!(
        reason("Malformed::BadToken"),
        "bad token 0x0600ffff at IL_0000"
    );
    let compiled: Vec<&str> = report["compiled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(compiled.contains(&"Malformed::Main"), "{report}");

    // The healthy part still runs from the image.
    let out = ngen_build()
        .arg("run")
        .arg("--images")
        .arg(&images)
        .arg("--jit")
        .arg("never")
        .arg(&patched)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "7\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn compiling_twice_in_different_directories_gives_identical_images() {
    let dir = temp_dir();
    let mut images = Vec::new();
    // Different directories and different thread counts: output order is fixed by token.
    for (run, threads) in [("first", "1"), ("second/nested", "0")] {
        let bin = dir.path().join(run).join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let exe = bin.join("control.exe");
        mcs(&[&fixture_source("control")], &exe, &[]);
        let out = dir.path().join(run).join("images");
        let status = ngen_build()
            .arg("compile")
            .arg(&exe)
            .arg("--out")
            .arg(&out)
            .arg("--threads")
            .arg(threads)
            .status()
            .unwrap();
        assert!(status.success());
        images.push((
            std::fs::read(out.join("control.ni.so")).unwrap(),
            std::fs::read(out.join("control.ni.report.json")).unwrap(),
        ));
    }
    assert!(images[0].0 == images[1].0, "images differ");
    assert_eq!(images[0].1, images[1].1, "reports differ");
    // No build path leaks into the image.
    let text = String::from_utf8_lossy(&images[0].0);
    assert!(!text.contains(dir.path().to_str().unwrap()));
    assert!(!text.contains("/tmp"));
}
