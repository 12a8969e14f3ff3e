//! What running real applications under `ngen-build run` found missing, each reduced to a
//! fixture and checked against mono in the modes it runs in:
//!
//! - NUnit's console runner JIT-compiles a method of one GAC library (`nunit-console-runner`)
//!   with a local of a type from another (`nunit.core`) that nothing has loaded yet: the type
//!   system must read the file the loader would bind, so the runtime records where every
//!   reference of a loaded assembly binds;
//! - de4dot's startup enumerates the environment (`Environment.GetEnvironmentVariables`, the
//!   `GetEnvironmentVariableNames` icall);
//! - NUnit's settings open the configuration system, which asks where `machine.config` is
//!   (`RuntimeEnvironment.SystemConfigurationFile`, the `GetMachineConfigPath` icall);
//! - Coco/R's parser initialises a `bool[21, 43]` from a data field mcs padded to 904 bytes:
//!   the array's 903 are copied, as mono's `InitializeArray` does, not an ArgumentException;
//! - dnlib's assembly resolver reads `typeof(object).Module.FullyQualifiedName` (module
//!   objects: `RuntimeTypeHandle.GetModule`, `RuntimeModule`'s icalls);
//! - de4dot's plugin directory is `AppDomain.BaseDirectory` and NUnit's configuration the
//!   domain's `ConfigurationFile` (`AppDomain.getSetup`, as mono fills it at startup);
//! - de4dot resolves its arguments with `Path.GetFullPath` (`MonoIO.GetCurrentDirectory`);
//! - NUnit's runner calls `IList.Contains` on a `string[]` (an array's non-generic interfaces
//!   are `System.Array`'s explicit implementations), reads its test assembly's name from the
//!   file and its references, the Mono version (`Mono.Runtime.GetDisplayName`) and the
//!   `Stopwatch`;
//! - System.Configuration's attributes name their own types without an assembly
//!   (`[ConfigurationCollection(typeof(KeyValueConfigurationElement))]`): looked up in the
//!   attribute's assembly, not the program's;
//! - System.dll's `TraceUtils` (NUnit's tracing) calls `Type.GetType` with its own type's name:
//!   it is looked up in the calling assembly (mono's `StackCrawlMark`), not the program's.

use std::process::{Command, Output};

use ngen_tests::{mcs, run_ok, temp_dir, workspace_root};

fn fixture(name: &str) -> std::path::PathBuf {
    workspace_root().join("tests/fixtures/real_apps").join(name)
}

/// `out`'s stdout, stderr and exit code, for comparing with mono's.
fn shown(out: &Output) -> (String, String, Option<i32>) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

/// `ngen-build run --images <images> --images <framework images> --jit <mode> <exe>`, with
/// `environment` applied to the command.
fn run_from_images(
    exe: &std::path::Path,
    images: &std::path::Path,
    mode: &str,
    environment: &dyn Fn(&mut Command),
) -> Output {
    let mut command = ngen_tests::ngen_build();
    environment(&mut command);
    command
        .arg("run")
        .arg("--images")
        .arg(images)
        .arg("--images")
        .arg(ngen_tests::framework_images())
        .args(["--jit", mode])
        .arg(exe)
        .output()
        .expect("run ngen-build run")
}

#[test]
fn a_gac_library_using_another_gac_library_runs_as_under_mono() {
    let dir = temp_dir();
    let d = dir.path();
    run_ok(
        Command::new("sn")
            .arg("-q")
            .arg("-k")
            .arg(d.join("key.snk")),
    );
    let key = format!("-keyfile:{}", d.join("key.snk").display());
    mcs(&[&fixture("Lib2.cs")], &d.join("Lib2.dll"), &[&key]);
    let lib2 = format!("-r:{}", d.join("Lib2.dll").display());
    mcs(&[&fixture("Lib1.cs")], &d.join("Lib1.dll"), &[&key, &lib2]);
    let app = d.join("app");
    std::fs::create_dir_all(&app).unwrap();
    let lib1 = format!("-r:{}", d.join("Lib1.dll").display());
    mcs(
        &[&fixture("UsesGac.cs")],
        &app.join("UsesGac.exe"),
        &[&lib1],
    );
    // A private GAC (Mono's layout under MONO_GAC_PREFIX), so neither library is beside the app.
    let prefix = d.join("prefix");
    for lib in ["Lib2.dll", "Lib1.dll"] {
        run_ok(
            Command::new("gacutil")
                .arg("-i")
                .arg(d.join(lib))
                .arg("-root")
                .arg(prefix.join("lib")),
        );
    }
    let exe = app.join("UsesGac.exe");
    let expected = Command::new("mono")
        .env("MONO_GAC_PREFIX", &prefix)
        .arg(&exe)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&expected.stdout),
        "Lib1 sees thing from Lib2\n"
    );
    for mode in ["default", "always"] {
        let ours = ngen_tests::ngen_build()
            .env("MONO_GAC_PREFIX", &prefix)
            .arg("run")
            .args(["--jit", if mode == "default" { "fallback" } else { mode }])
            .arg(&exe)
            .output()
            .unwrap();
        assert_eq!(shown(&ours), shown(&expected), "--jit {mode}");
    }
}

#[test]
fn environment_variable_names_are_mono_s() {
    let (_dir, exe) = ngen_tests::compile_fixture_exe("real_apps", "EnvNames.cs");
    let with_variables = |command: &mut Command| {
        command
            .env("APPS_EMPTY", "")
            .env("APPS_PLAIN", "1")
            .env("APPS_EQUALS", "a=b");
    };
    let mut mono = Command::new("mono");
    with_variables(&mut mono);
    let expected = mono.arg(&exe).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&expected.stdout),
        "APPS_EMPTY=\nAPPS_EQUALS=a=b\nAPPS_PLAIN=1\nPATH is there\n"
    );
    let images = temp_dir();
    ngen_tests::ngen_compile(&exe, images.path());
    for mode in ["never", "always", "fallback"] {
        let ours = run_from_images(&exe, images.path(), mode, &with_variables);
        assert_eq!(shown(&ours), shown(&expected), "--jit {mode}");
    }
}

#[test]
fn the_machine_configuration_path_is_mono_s() {
    let (_dir, exe) = ngen_tests::compile_fixture_exe("real_apps", "ConfigPath.cs");
    let images = temp_dir();
    ngen_tests::ngen_compile(&exe, images.path());
    for config_dir in [None, Some("/opt/mono-config/")] {
        let with_dir = |command: &mut Command| {
            match config_dir {
                Some(dir) => command.env("MONO_CFG_DIR", dir),
                None => command.env_remove("MONO_CFG_DIR"),
            };
        };
        let mut mono = Command::new("mono");
        with_dir(&mut mono);
        let expected = mono.arg(&exe).output().unwrap();
        assert!(
            String::from_utf8_lossy(&expected.stdout).ends_with("/mono/4.5/machine.config\n"),
            "{expected:?}"
        );
        for mode in ["never", "always"] {
            let ours = run_from_images(&exe, images.path(), mode, &with_dir);
            assert_eq!(
                shown(&ours),
                shown(&expected),
                "--jit {mode}, {config_dir:?}"
            );
        }
    }
}

/// Compiles fixture `program` (`tests/fixtures/real_apps/<program>.cs`) and its image, and
/// asserts it runs as under mono in every mode.
fn fixture_like_mono(program: &str) {
    let programs = ngen_tests::CompiledPrograms::new("real_apps", &[program]);
    programs.assert_like_mono(program, &[]);
}

#[test]
fn multi_dimensional_initialisers_with_padded_data_are_mono_s() {
    fixture_like_mono("MdInit");
}

#[test]
fn module_objects_are_mono_s() {
    fixture_like_mono("Modules");
}

#[test]
fn the_domain_setup_is_mono_s() {
    fixture_like_mono("DomainSetup");
}

#[test]
fn the_current_directory_is_mono_s() {
    fixture_like_mono("CurrentDirectory");
}

#[test]
fn what_the_nunit_runner_asks_first_is_mono_s() {
    fixture_like_mono("RunnerNeeds");
}

#[test]
fn attribute_type_arguments_resolve_in_the_attribute_s_assembly() {
    let (_dir, exe) = ngen_tests::compile_fixture_exe_with(
        "real_apps",
        "AttributeScope.cs",
        &["-r:System.Configuration"],
    );
    let images = temp_dir();
    ngen_tests::ngen_compile(&exe, images.path());
    // System.Configuration has no shared framework image, so not `--jit never`.
    ngen_tests::assert_like_mono_in_modes(&exe, images.path(), &[], &["always", "default"]);
}

#[test]
fn type_get_type_looks_in_the_calling_assembly() {
    let dir = temp_dir();
    let d = dir.path();
    mcs(&[&fixture("GetTypeLib.cs")], &d.join("GetTypeLib.dll"), &[]);
    let lib = format!("-r:{}", d.join("GetTypeLib.dll").display());
    let exe = d.join("GetTypeCaller.exe");
    mcs(&[&fixture("GetTypeCaller.cs")], &exe, &[&lib]);
    let images = temp_dir();
    for assembly in ["GetTypeLib.dll", "GetTypeCaller.exe"] {
        ngen_tests::ngen_compile(&d.join(assembly), images.path());
    }
    ngen_tests::assert_like_mono_in_every_mode(&exe, images.path(), &[]);
}
