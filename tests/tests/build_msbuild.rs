//! msbuild-task/NgenBuild.targets through xbuild: on a project with its own Publish target
//! (`test/run.sh`) and on an ordinary old-style .csproj built by a plain `xbuild`
//! (`test/oldstyle.sh`): images built from a manifest generated under obj/, a rebuild is all
//! fresh, the program runs from its images, a bad manifest fails the build with a canonical
//! MSBuild error. Needs `xbuild` (Debian: mono-xbuild, installed by tests/setup.sh).

#[test]
fn ngen_build_targets_run_after_publish() {
    run_script("run.sh", "msbuild-task: OK");
}

#[test]
fn ngen_build_targets_run_after_build_of_an_old_style_csproj() {
    run_script("oldstyle.sh", "msbuild-task oldstyle: OK");
}

/// Runs `msbuild-task/test/<name>` with the ngen-build under test; it must print `ok_line`.
fn run_script(name: &str, ok_line: &str) {
    if std::process::Command::new("xbuild")
        .arg("/version")
        .output()
        .is_err()
    {
        ngen_tests::skip_loudly(
            name,
            "xbuild is not installed (apt-get install mono-xbuild)",
        );
        return;
    }
    let script = ngen_tests::workspace_root()
        .join("msbuild-task/test")
        .join(name);
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(ngen_tests::ngen_build_bin())
        .env("NGEN_IMAGE_PATH", ngen_tests::framework_images())
        .output()
        .expect("run msbuild-task/test/run.sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains(ok_line), "{text}");
}
