//! Runtime faults without managed catch: a null dereference in managed code (a SIGSEGV in
//! image or JIT code) is reported as mono reports an unhandled `NullReferenceException`: the
//! same stdout, the same stderr without mono's stack-frame lines, and the same exit code (1),
//! from native images and from the JIT.

use ngen_tests::{mcs, mono, ngen_build, ngen_compile, temp_dir, workspace_root};

/// stderr without mono's `  at Type.Method () [0x…] in <mvid>:0` frame lines.
fn without_frames(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| !l.starts_with("  at "))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn null_dereference_is_monos_unhandled_null_reference_exception() {
    let dir = temp_dir();
    let exe = dir.path().join("NullDeref.exe");
    mcs(
        &[&workspace_root().join("tests/fixtures/faults/NullDeref.cs")],
        &exe,
        &["-unsafe"],
    );
    let images = dir.path().join("images");
    ngen_compile(&exe, &images);
    let expected = mono(&exe, &[]);
    assert_eq!(expected.status.code(), Some(1));
    assert!(
        without_frames(&expected.stderr).contains("System.NullReferenceException"),
        "{}",
        String::from_utf8_lossy(&expected.stderr)
    );
    for jit in ["never", "always", "fallback"] {
        let out = ngen_build()
            .arg("run")
            .arg("--images")
            .arg(&images)
            .args(["--jit", jit])
            .arg(&exe)
            .output()
            .unwrap();
        assert_eq!(out.stdout, expected.stdout, "--jit {jit}");
        assert_eq!(
            without_frames(&out.stderr),
            without_frames(&expected.stderr),
            "--jit {jit}"
        );
        assert_eq!(out.status.code(), expected.status.code(), "--jit {jit}");
    }
}
