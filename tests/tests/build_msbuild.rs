//! msbuild-task/NgenBuild.targets through xbuild: publish generates ngen.toml and builds the
//! images, a republish is all fresh, a bad manifest fails the build with its diagnostic.
//! Needs `xbuild` (Debian: mono-xbuild, installed by tests/setup.sh).

#[test]
fn ngen_build_targets_run_after_publish() {
    if std::process::Command::new("xbuild")
        .arg("/version")
        .output()
        .is_err()
    {
        eprintln!(
            "xbuild is not installed (apt-get install mono-xbuild): skipping the MSBuild test"
        );
        return;
    }
    let script = ngen_tests::workspace_root().join("msbuild-task/test/run.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(ngen_tests::ngen_build_bin())
        .output()
        .expect("run msbuild-task/test/run.sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("msbuild-task: OK"), "{text}");
}
