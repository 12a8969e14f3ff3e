//! No BCL surface remains (issue 7): what the runtime once served itself in Rust (`Math`,
//! `String.Empty`, `BitConverter.IsLittleEndian`, `Environment`, `Console`) runs from
//! mscorlib's image, its icalls, or the instructions the compiler emits where mono's JIT
//! does. Under `--jit never` with `NGEN_LOG=binding` the program behaves exactly as under
//! mono, every assembly is served from its image, and no method is JIT-compiled or named as
//! anything but an image's or an icall.

use ngen_tests::{compile_fixture_exe, framework_images, mono, ngen_build, ngen_compile};

#[test]
fn every_managed_method_comes_from_an_image_and_behaves_like_mono() {
    let (dir, exe) = compile_fixture_exe("corlib", "ServedFromImages.cs");
    let images = dir.path().join("images");
    ngen_compile(&exe, &images);
    let expected = mono(&exe, &["a"]);
    let out = ngen_build()
        .env("NGEN_LOG", "binding")
        .arg("run")
        .arg("--images")
        .arg(&images)
        .arg("--images")
        .arg(framework_images())
        .args(["--jit", "never"])
        .arg(&exe)
        .arg("a")
        .output()
        .expect("run ngen-build");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&expected.stdout),
        "stdout differs from mono's; binding log:\n{stderr}"
    );
    assert_eq!(out.status.code(), expected.status.code(), "{stderr}");
    assert_eq!(expected.status.code(), Some(6));
    let log: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("ngen[binding]: "))
        .collect();
    for assembly in ["mscorlib", "ServedFromImages"] {
        assert!(
            log.iter()
                .any(|l| l.contains(&format!("{assembly}: using image"))),
            "{assembly} not served from its image:\n{stderr}"
        );
    }
    let suspicious: Vec<&&str> = log
        .iter()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("surface") || l.contains("jit-compiled") || l.contains("from il")
        })
        .collect();
    assert!(
        suspicious.is_empty(),
        "methods not served from an image or an icall: {suspicious:#?}"
    );
}
