//! samples/deb-package: a Debian package of the hello-app sample with its native images,
//! built twice (byte-identical), installed into a scratch root with `dpkg --root`, run
//! through its launcher from the installed images (mono's output and exit code), its queued
//! `install` run, removed cleanly; and removed before the queue ran (the install is
//! cancelled). Needs root (dpkg --root), dpkg-deb, mono and mcs.

#[test]
fn debian_package_installs_runs_from_its_images_and_removes_cleanly() {
    let as_root = tempfile::tempdir().is_ok_and(|d| {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(d.path()).is_ok_and(|m| m.uid() == 0)
    });
    if !as_root {
        ngen_tests::skip_loudly(
            "debian_package_installs_runs_from_its_images_and_removes_cleanly",
            "dpkg --root needs root",
        );
        return;
    }
    let script = ngen_tests::workspace_root().join("samples/deb-package/test.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(ngen_tests::ngen_build_bin())
        .env_remove("NGEN_CACHE")
        .env_remove("NGEN_LOG")
        .output()
        .expect("run samples/deb-package/test.sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("deb-package: OK"), "{text}");
}
