//! The product path end to end on samples/hello-app: `build` from its ngen.toml, `package`,
//! extract the archive somewhere else, and `run` from the extracted images: same output as
//! mono, and the runtime reports using every application image from the package.

use std::process::Command;

use ngen_tests::run_ok;

#[test]
fn sample_builds_packages_and_runs_from_the_extracted_images() {
    let sample = ngen_tests::workspace_root().join("samples/hello-app");
    let work = ngen_tests::temp_dir();
    let app = work.path().join("hello-app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::copy(sample.join("ngen.toml"), app.join("ngen.toml")).unwrap();
    let out = app.join("out");
    run_ok(Command::new("bash").arg(sample.join("build.sh")).arg(&out));
    let gac = out.join("gac");

    run_ok(
        ngen_tests::ngen_build()
            .current_dir(&app)
            .env("MONO_GAC_PREFIX", &gac)
            .arg("build"),
    );
    let tar = work.path().join("images.tar");
    run_ok(
        ngen_tests::ngen_build()
            .current_dir(&app)
            .args(["package", "--out"])
            .arg(&tar),
    );
    let installed = work.path().join("installed");
    std::fs::create_dir_all(&installed).unwrap();
    assert!(
        Command::new("tar")
            .arg("-xf")
            .arg(&tar)
            .arg("-C")
            .arg(&installed)
            .status()
            .unwrap()
            .success()
    );
    std::fs::remove_dir_all(app.join("target")).unwrap();

    let expected = Command::new("mono")
        .env("MONO_GAC_PREFIX", &gac)
        .arg(out.join("App.exe"))
        .arg("7")
        .output()
        .unwrap();
    let run = ngen_tests::ngen_build()
        .env("MONO_GAC_PREFIX", &gac)
        .env("NGEN_LOG", "binding")
        .arg("run")
        .arg("--images")
        .arg(installed.join("default"))
        .arg(out.join("App.exe"))
        .arg("7")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&expected.stdout),
        "{log}"
    );
    assert_eq!(run.status.code(), expected.status.code());
    // The manifest's `compile-framework = true`: mscorlib runs from its packaged image too.
    for name in ["App", "Greeter", "MathLib", "Checksum", "mscorlib"] {
        let used = format!(
            "{name}: using image {}",
            installed.join("default").join(name).display()
        );
        assert!(log.contains(&used), "expected `{used}` in:\n{log}");
    }
}
