//! `install` then `run` (issue 10, item 2): a program runs from the images Ngen's `install`
//! wrote, with no manifest and no `--images`; `display` names the cache it shows and why.
//! The root default (`/var/cache/ngen-build`) is covered by `ngen_cache::location`'s unit
//! tests: these tests never write to the real machine-wide cache (as root, the per-user
//! default is tested as `nobody`).

mod build_common;

use std::path::Path;

use build_common::*;

/// A two-assembly program the runtime runs from images alone (`--jit never`): App.exe calls
/// Lib.dll and prints `App: 42`, exit code 3.
fn program() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let lib = src(
        "Lib.cs",
        "public static class Lib { public static int Twice(int x) { return 2 * x; } }",
    );
    let app = src(
        "App.cs",
        "public static class App { public static int Main() { \
         System.Console.WriteLine(\"App: \" + Lib.Twice(21).ToString()); return 3; } }",
    );
    ngen_tests::mcs(&[&lib], &dir.path().join("Lib.dll"), &[]);
    let reference = format!("-r:{}", dir.path().join("Lib.dll").display());
    ngen_tests::mcs(&[&app], &dir.path().join("App.exe"), &[&reference]);
    dir
}

/// `ngen-build run --jit never App.exe` in `dir` with `NGEN_LOG=binding` and `cache`.
fn run_app(dir: &Path, cache: &Path) -> std::process::Output {
    ngen_tests::ngen_build()
        .current_dir(dir)
        .env("NGEN_LOG", "binding")
        .env("NGEN_CACHE", cache)
        .args(["run", "--jit", "never", "App.exe"])
        .output()
        .unwrap()
}

#[test]
fn run_uses_the_images_install_wrote() {
    let dir = program();
    let cache = dir.path().join("machine-cache");
    // Nothing installed yet: no image to run from.
    let before = run_app(dir.path(), &cache);
    assert!(!before.status.success(), "{}", stderr(&before));
    assert!(
        stderr(&before).contains("App: no native image found"),
        "{}",
        stderr(&before)
    );
    ok_with_cache(dir.path(), &cache, &["install", "App.exe", "/nologo"]);
    let after = run_app(dir.path(), &cache);
    assert_eq!(after.status.code(), Some(3), "{}", stderr(&after));
    assert_eq!(stdout(&after), "App: 42\n");
    let image = cache.join("default/App");
    assert!(
        stderr(&after).contains(&format!("App: using image {}", image.display())),
        "{}",
        stderr(&after)
    );
}

#[test]
fn run_uses_the_per_user_default_cache_that_install_wrote() {
    let dir = program();
    let xdg = dir.path().join("xdg");
    // Root's default is /var/cache/ngen-build, which tests must not write: as root, the
    // commands run as `nobody` (setpriv), whose default is the per-user cache.
    let as_root = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(dir.path()).unwrap().uid() == 0
    };
    let user_command = || {
        let mut cmd = if as_root {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .arg(ngen_tests::ngen_build_bin());
            c
        } else {
            std::process::Command::new(ngen_tests::ngen_build_bin())
        };
        cmd.current_dir(dir.path())
            .env_remove("NGEN_CACHE")
            .env_remove("NGEN_LOG")
            .env("HOME", dir.path())
            .env("XDG_CACHE_HOME", &xdg)
            .env("NGEN_IMAGE_PATH", ngen_tests::framework_images());
        cmd
    };
    if as_root {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        if user_command().arg("--version").output().is_err() {
            ngen_tests::skip_loudly(
                "run_uses_the_per_user_default_cache_that_install_wrote",
                "running as root without setpriv (util-linux) to run as another user",
            );
            return;
        }
    }
    let out = user_command()
        .args(["install", "App.exe"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let ran = user_command()
        .env("NGEN_LOG", "binding")
        .args(["run", "--jit", "never", "App.exe"])
        .output()
        .unwrap();
    assert_eq!(ran.status.code(), Some(3), "{}", stderr(&ran));
    assert_eq!(stdout(&ran), "App: 42\n");
    let image = xdg.join("ngen-build/default/App");
    assert!(
        stderr(&ran).contains(&format!("App: using image {}", image.display())),
        "{}",
        stderr(&ran)
    );
    let shown = stdout(&user_command().arg("display").output().unwrap());
    assert!(
        shown.starts_with(&format!(
            "Native image cache: {} (per-user, the default for non-root users)\n",
            xdg.join("ngen-build").display()
        )),
        "{shown}"
    );
}

#[test]
fn display_names_the_cache_it_shows_and_where_it_came_from() {
    let dir = app();
    let cache = dir.path().join("c");
    ok_with_cache(dir.path(), &cache, &["install", "Leaf.dll"]);
    let shown = stdout(&ok_with_cache(dir.path(), &cache, &["display"]));
    assert!(
        shown.starts_with(&format!(
            "Native image cache: {} ($NGEN_CACHE)\n\nNGEN Roots:",
            cache.display()
        )),
        "{shown}"
    );
    let flag = dir.path().join("other");
    let out = ngen_tests::ngen_build()
        .current_dir(dir.path())
        .args(["display", "--cache-dir", flag.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        stdout(&out).starts_with(&format!(
            "Native image cache: {} (--cache-dir)\n",
            flag.display()
        )),
        "{}",
        stdout(&out)
    );
}
