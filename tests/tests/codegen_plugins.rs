//! Differential tests of plugins (issue 9): the plugin host benchmark's program
//! (`tests/bench/programs/pluginhost/`, timed by `tests/bench/bench-plugins.sh` with 50
//! plugins) with five plugins in two assemblies outside its closure, and `Assembly.Load` by
//! display name. The host `LoadFrom`s the plugins, finds their types by reflection
//! (`GetTypes`, `IsAssignableFrom`, custom attributes), creates them with `Activator` and
//! invokes them through the interface and `MethodInfo.Invoke`; its stdout, exit code and first
//! stderr lines must be mono's, with the plugins' images and without them (the JIT compiles
//! them). The sources are written by the benchmark's own generator (`generate.cs`, run with
//! mono).

use std::path::{Path, PathBuf};

/// The host, its contract and the generated plugins in a temporary directory: `bin/host.exe`
/// and `bin/PluginContract.dll` (the host's closure, with images in `images/`), the plugins
/// in `plugins/PluginsN.dll` (their images in `images/` too when `plugin_images`). Returns
/// (directory, host, images, host arguments).
fn plugin_host(plugin_images: bool) -> (tempfile::TempDir, PathBuf, PathBuf, Vec<String>) {
    const PLUGINS: usize = 5;
    const ASSEMBLIES: usize = 2;
    let dir = ngen_tests::temp_dir();
    let program = ngen_tests::workspace_root().join("tests/bench/programs/pluginhost");
    let at = |p: &str| dir.path().join(p);
    for sub in ["bin", "plugins", "src"] {
        std::fs::create_dir_all(at(sub)).unwrap();
    }
    let generator = at("generate.exe");
    ngen_tests::mcs(&[&program.join("generate.cs")], &generator, &[]);
    ngen_tests::run_ok(
        std::process::Command::new("mono")
            .arg(&generator)
            .arg(at("src"))
            .arg(PLUGINS.to_string())
            .arg(ASSEMBLIES.to_string()),
    );
    let contract = at("bin/PluginContract.dll");
    let reference = format!("-r:{}", contract.display());
    ngen_tests::mcs(&[&program.join("contract.cs")], &contract, &[]);
    let host = at("bin/host.exe");
    ngen_tests::mcs(&[&program.join("host.cs")], &host, &[&reference]);
    let images = at("images");
    ngen_tests::ngen_compile(&contract, &images);
    ngen_tests::ngen_compile(&host, &images);
    let mut args = vec!["200".to_string()];
    for a in 0..ASSEMBLIES {
        let plugin = at(&format!("plugins/Plugins{a}.dll"));
        let source = at(&format!("src/Plugins{a}.cs"));
        ngen_tests::mcs(&[&source], &plugin, &[&reference]);
        if plugin_images {
            // The plugin's reference to the contract binds in the host's AppBase.
            ngen_tests::run_ok(
                ngen_tests::ngen_build()
                    .arg("compile")
                    .arg(&plugin)
                    .arg("--app-base")
                    .arg(at("bin"))
                    .arg("--out")
                    .arg(&images),
            );
        }
        args.push(plugin.to_string_lossy().into_owned());
    }
    (dir, host, images, args)
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[test]
fn a_plugin_host_loading_plugins_with_images_matches_mono_in_every_mode() {
    let (_dir, host, images, args) = plugin_host(true);
    let out = ngen_tests::mono(&host, &strs(&args));
    // The generator and host agree: five plugins found (not the helper or disabled types).
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("2 assemblies, 15 types, 5 plugins\n"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    ngen_tests::assert_like_mono_in_every_mode(&host, &images, &strs(&args));
}

/// Without the plugins' images the JIT compiles them (the default mode).
#[test]
fn a_plugin_host_loading_plugins_without_images_jit_compiles_them_like_mono() {
    let (_dir, host, images, args) = plugin_host(false);
    ngen_tests::assert_like_mono_in_modes(&host, &images, &strs(&args), &["default", "always"]);
}

/// `Assembly.Load(name)` (and `LoadWithPartialName`): the program in `bin/` with its config,
/// `bin/AppBaseGreeter.dll` in the AppBase and `bin/plugins/Greeter.dll` in the config's
/// privatePath, neither referenced by the program; an assembly-qualified `Type.GetType`
/// loads the first and `MethodBase.Invoke` runs its methods.
#[test]
fn assembly_load_by_display_name_probes_appbase_private_path_and_gac_like_mono() {
    let dir = ngen_tests::temp_dir();
    let fixtures = ngen_tests::workspace_root().join("tests/fixtures/reflection");
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(bin.join("plugins")).unwrap();
    let greeter = fixtures.join("plugin/Greeter.cs");
    ngen_tests::mcs(&[&greeter], &bin.join("plugins/Greeter.dll"), &[]);
    ngen_tests::mcs(&[&greeter], &bin.join("AppBaseGreeter.dll"), &[]);
    let exe = bin.join("load_by_name.exe");
    ngen_tests::mcs(&[&fixtures.join("load_by_name.cs")], &exe, &[]);
    copy(&fixtures.join("load_by_name.exe.config"), &bin);
    let images = dir.path().join("images");
    ngen_tests::ngen_compile(&exe, &images);
    ngen_tests::ngen_compile(&bin.join("plugins/Greeter.dll"), &images);
    // `Type.GetType("Greetings.Greeter, AppBaseGreeter")` runs its methods by reflection.
    ngen_tests::ngen_compile(&bin.join("AppBaseGreeter.dll"), &images);
    ngen_tests::assert_like_mono_in_every_mode(&exe, &images, &[]);
}

fn copy(file: &Path, into: &Path) {
    std::fs::copy(file, into.join(file.file_name().unwrap())).unwrap();
}
