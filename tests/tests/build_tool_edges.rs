//! The smaller rough edges of issue 10, item 7, each reproduced: a command waiting on the
//! cache lock says so; a version in the display name of an assembly without a strong name
//! counts; an app-local assembly the GAC shadows is warned about and explained; `gac-dirs` in
//! the manifest names private GACs; a root `path` may be a glob (plugin folders); the MVID is
//! printed one way; `-q` and `--color`; each image's line gives its wall and CPU time;
//! `explain` names the methods an image left to the JIT, and why.

mod build_common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use build_common::*;

#[test]
fn a_command_waiting_on_the_cache_lock_says_so() {
    let dir = app();
    let cache = dir.path().join("cache");
    let quiet = ok_with_cache(dir.path(), &cache, &["install", "Leaf.dll"]);
    assert!(!stderr(&quiet).contains("Blocking"), "{}", stderr(&quiet));
    // Another process holds the lock for a moment (flock(1) takes the same advisory lock).
    let lock = cache.join(".local/lock");
    let mut holder = std::process::Command::new("flock")
        .arg(&lock)
        .args(["-c", "echo held; sleep 1"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("flock(1) from util-linux");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line, "held\n");
    let start = Instant::now();
    let waited = ok_with_cache(dir.path(), &cache, &["install", "Lib.dll"]);
    assert!(start.elapsed() > Duration::from_millis(300));
    holder.wait().unwrap();
    assert!(
        stderr(&waited).contains(&format!(
            "Blocking waiting for the lock on the cache {} (another ngen-build is using it)",
            cache.display()
        )),
        "{}",
        stderr(&waited)
    );
}

#[test]
fn a_version_counts_in_the_display_name_of_an_unsigned_assembly() {
    let dir = app();
    let cache = dir.path().join("cache");
    ok_with_cache(dir.path(), &cache, &["install", "Tool.exe"]);
    // Tool has no strong name; the loader would ignore the version, uninstall must not.
    let wrong = run_with_cache(dir.path(), &cache, &["uninstall", "Tool, Version=9.9.9.9"]);
    assert_eq!(wrong.status.code(), Some(1), "{}", stderr(&wrong));
    let shown = stdout(&ok_with_cache(dir.path(), &cache, &["display", "Tool"]));
    assert!(shown.contains("Tool.exe"), "{shown}");
    let display = run_with_cache(dir.path(), &cache, &["display", "Tool, Version=9.9.9.9"]);
    assert_eq!(display.status.code(), Some(1), "{}", stderr(&display));
    ok_with_cache(dir.path(), &cache, &["uninstall", "Tool, Version=1.0.0.0"]);
    let shown = stdout(&ok_with_cache(dir.path(), &cache, &["display"]));
    assert!(!shown.contains("Tool"), "{shown}");
}

#[test]
fn an_app_local_copy_the_gac_shadows_is_warned_about_and_explained() {
    // The hello-app sample: Checksum.dll (strong-named) lives in a GAC-like folder found
    // through MONO_GAC_PREFIX. Shipping a copy next to App.exe changes nothing for the loader.
    let (dir, out) = hello_app();
    let gac = out.join("gac");
    std::fs::copy(
        gac.join("lib/mono/gac/Checksum/1.0.0.0__f181aad948abdde8/Checksum.dll"),
        out.join("Checksum.dll"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ngen.toml"),
        "[[root]]\npath = \"out/App.exe\"\n",
    )
    .unwrap();
    let ngen = |args: &[&str]| {
        ngen_tests::ngen_build()
            .current_dir(dir.path())
            .env("MONO_GAC_PREFIX", &gac)
            .args(args)
            .output()
            .unwrap()
    };
    let local = out.join("Checksum.dll");
    let warning = format!(
        "{} is shadowed by the GAC: Checksum, Version=1.0.0.0, Culture=neutral, \
         PublicKeyToken=f181aad948abdde8 binds to {}",
        local.display(),
        gac.join("lib/mono/gac/Checksum/1.0.0.0__f181aad948abdde8/Checksum.dll")
            .display()
    );
    let build = ngen(&["build"]);
    assert!(build.status.success(), "{}", stderr(&build));
    assert!(
        stderr(&build).contains(&format!("warning: {warning}")),
        "{}",
        stderr(&build)
    );
    let msbuild = ngen(&["build", "--message-format", "msbuild"]);
    assert!(
        stderr(&msbuild).contains(&format!("{}: warning NGEN3001: {warning}", local.display())),
        "{}",
        stderr(&msbuild)
    );
    let explained = ngen(&["explain", "out/Checksum.dll"]);
    assert!(explained.status.success(), "{}", stderr(&explained));
    assert!(
        stdout(&explained).contains(&format!("Shadowed {warning}")),
        "{}",
        stdout(&explained)
    );
    // Without the app-local copy there is nothing to say.
    std::fs::remove_file(&local).unwrap();
    let quiet = ngen(&["build"]);
    assert!(!stderr(&quiet).contains("shadowed"), "{}", stderr(&quiet));
}

/// The hello-app sample built into a temporary directory: (the directory, its `out/`).
fn hello_app() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = ngen_tests::temp_dir();
    let out = dir.path().join("out");
    let built = std::process::Command::new("bash")
        .arg(ngen_tests::workspace_root().join("samples/hello-app/build.sh"))
        .arg(&out)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    (dir, out)
}

#[test]
fn gac_dirs_in_the_manifest_bind_without_mono_gac_prefix() {
    let (dir, _out) = hello_app();
    let build = |manifest: &str| {
        std::fs::write(dir.path().join("ngen.toml"), manifest).unwrap();
        ngen_tests::ngen_build()
            .current_dir(dir.path())
            .env_remove("MONO_GAC_PREFIX")
            .args(["build", "-v"])
            .output()
            .unwrap()
    };
    let root = "[[root]]\npath = \"out/App.exe\"\n";
    // Checksum lives only in the sample's private GAC: without it the root does not resolve.
    let without = build(root);
    assert_eq!(without.status.code(), Some(1), "{}", stderr(&without));
    assert!(
        stderr(&without).contains("Checksum"),
        "{}",
        stderr(&without)
    );
    let with = build(&format!("gac-dirs = [\"out/gac/lib/mono/gac\"]\n{root}"));
    assert!(with.status.success(), "{}", stderr(&with));
    assert!(
        stderr(&with).contains("Compiled Checksum v1.0.0.0 (default)"),
        "{}",
        stderr(&with)
    );
    let missing = build(&format!("gac-dirs = [\"no/such/gac\"]\n{root}"));
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("gac-dirs entry `no/such/gac` is not a directory"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn a_root_path_with_wildcards_makes_every_matching_file_a_root() {
    let dir = app();
    std::fs::create_dir(dir.path().join("plugins")).unwrap();
    for f in ["Leaf.dll", "Lib.dll"] {
        std::fs::rename(dir.path().join(f), dir.path().join("plugins").join(f)).unwrap();
    }
    std::fs::write(
        dir.path().join("ngen.toml"),
        "[[root]]\npath = \"plugins/*.dll\"\n",
    )
    .unwrap();
    let built = ok_in(dir.path(), &["build"]);
    assert!(
        stderr(&built).contains("Compiled 2 images"),
        "{}",
        stderr(&built)
    );
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("target/ngen/index.json")).unwrap())
            .unwrap();
    let roots: Vec<&str> = index["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["root"].as_str().unwrap())
        .collect();
    assert_eq!(roots, ["plugins/Leaf.dll", "plugins/Lib.dll"]);
    std::fs::write(
        dir.path().join("ngen.toml"),
        "[[root]]\npath = \"addins/*.dll\"\n",
    )
    .unwrap();
    let none = run_in(dir.path(), &["build"]);
    assert_eq!(none.status.code(), Some(2), "{}", stderr(&none));
    assert!(
        stderr(&none).contains("root pattern `addins/*.dll` matches no file"),
        "{}",
        stderr(&none)
    );
}

#[test]
fn the_mvid_is_printed_one_way_in_every_file() {
    let dir = app();
    ok_in(dir.path(), &["build"]);
    let mut checked = 0;
    for inputs in walk_files(&dir.path().join("target/ngen"), "inputs.json") {
        let read = |p: &std::path::Path| -> serde_json::Value {
            serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
        };
        let inputs_json = read(&inputs);
        let name = inputs_json["assembly"]["name"].as_str().unwrap();
        let report = read(&inputs.with_file_name(format!("{name}.ni.report.json")));
        let mvid = inputs_json["assembly"]["mvid"].as_str().unwrap();
        assert_eq!(report["mvid"].as_str(), Some(mvid), "{}", inputs.display());
        assert_eq!(mvid.len(), 36, "registry format: {mvid}");
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} images");
}

/// Every file named `name` under `dir`.
fn walk_files(dir: &std::path::Path, name: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == name) {
                found.push(p);
            }
        }
    }
    found
}

#[test]
fn quiet_drops_success_lines_and_color_is_chosen_by_flag() {
    let dir = app();
    let build = ok_in(dir.path(), &["build", "-q"]);
    assert_eq!(stderr(&build), "", "-q: nothing on success");
    let again = ok_in(dir.path(), &["-q", "build"]);
    assert_eq!(stderr(&again), "", "-q also before the command");
    let package = ok_in(dir.path(), &["package", "--out", "images.tar", "--quiet"]);
    assert_eq!(stderr(&package), "");
    // Ngen's actions: -q is /silent.
    let cache = dir.path().join("cache");
    let install = ok_with_cache(dir.path(), &cache, &["install", "Leaf.dll", "-q"]);
    assert_eq!(stderr(&install), "");
    // Errors stay, coloured only when asked.
    std::fs::write(dir.path().join("ngen.toml"), "rots = 1\n").unwrap();
    let plain = run_in(dir.path(), &["build", "-q", "--color", "never"]);
    assert_eq!(plain.status.code(), Some(2));
    assert!(
        stderr(&plain).starts_with("error: unknown key"),
        "{}",
        stderr(&plain)
    );
    assert!(!stderr(&plain).contains('\u{1b}'), "{}", stderr(&plain));
    let colored = run_in(dir.path(), &["--color=always", "build"]);
    assert!(stderr(&colored).contains('\u{1b}'), "{}", stderr(&colored));
    // `run`: before the program they are ngen-build's (--color takes its value), after it
    // the program's.
    let (_fixture, exe) = ngen_tests::compile_fixture_exe("cli", "EchoArgs.cs");
    let out = ngen_tests::ngen_build()
        .args(["run", "--color", "never", "-q", "--jit", "always"])
        .arg(&exe)
        .args(["-q", "--color"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "[-q]\n[--color]\n", "{}", stderr(&out));
}

/// `x.yy` followed by `s`: the seconds of a timing figure, or None.
fn seconds_before_s(text: &str) -> Option<f64> {
    let number = text.strip_suffix('s')?;
    (number.split_once('.')?.1.len() == 2).then_some(())?;
    number.parse().ok()
}

#[test]
fn each_image_line_gives_its_wall_and_cpu_time_and_the_summary_the_build_cpu() {
    let dir = app();
    let built = ok_in(dir.path(), &["build", "-j", "2"]);
    let text = stderr(&built);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("    Compiled "))
        .collect();
    assert!(lines.len() >= 2, "{text}");
    for line in lines {
        // `    Compiled Lib v1.0.0.0 (default): 3/3 methods in 0.05s, CPU 0.01s`
        let (_, times) = line.split_once(" methods in ").expect(line);
        let (wall, cpu) = times.split_once(", CPU ").expect(line);
        let (wall, cpu) = (seconds_before_s(wall), seconds_before_s(cpu));
        assert!(wall.is_some() && cpu.is_some(), "{line}");
    }
    let summary = text
        .lines()
        .find(|l| l.starts_with("Compiled ") && l.contains(" images"))
        .expect(&text);
    let cpu = summary
        .strip_suffix(')')
        .and_then(|s| s.rsplit_once("(CPU "))
        .and_then(|(_, cpu)| seconds_before_s(cpu));
    assert!(cpu.is_some(), "{summary}");
    let json = ok_in(dir.path(), &["build", "--message-format", "json"]);
    let finished: serde_json::Value = String::from_utf8_lossy(&json.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["reason"] == "build-finished")
        .expect("a build-finished message");
    assert!(finished["cpu_seconds"].is_number(), "{finished}");
}

#[test]
fn explain_names_each_method_left_to_the_jit_and_why() {
    let dir = ngen_tests::temp_dir();
    let source = dir.path().join("X.cs");
    std::fs::write(
        &source,
        "class X {\n\
         static int Va(__arglist) { return new System.ArgIterator(__arglist).GetRemainingCount(); }\n\
         static int Tr() { int v = 3; System.TypedReference r = __makeref(v); return __refvalue(r, int); }\n\
         static int Boxed() { object o = 2; return (int)o; }\n\
         static int Main() { return Va(__arglist(1, 2)) + Tr() + Boxed(); }\n}\n",
    )
    .unwrap();
    ngen_tests::mcs(&[&source], &dir.path().join("X.exe"), &[]);
    std::fs::write(dir.path().join("ngen.toml"), "[[root]]\npath = \"X.exe\"\n").unwrap();
    let built = ok_in(dir.path(), &["build"]);
    // Boxed, Tr (typed references) and the constructor compile; Va and Main (which calls Va)
    // do not.
    assert!(
        stderr(&built).contains("Compiled X v0.0.0.0 (default): 3/5 methods in "),
        "{}",
        stderr(&built)
    );
    let explained = stdout(&ok_in(dir.path(), &["explain", "X"]));
    for line in [
        "  2 of 5 methods left to the JIT",
        "    X::Va: vararg method\n",
        "    X::Main: callee: vararg method at IL_0002\n",
    ] {
        assert!(explained.contains(line), "{line:?} in {explained}");
    }
    assert!(!explained.contains("X::Boxed"), "{explained}");
    assert!(!explained.contains("X::Tr"), "{explained}");
    let json: serde_json::Value =
        serde_json::from_str(stdout(&ok_in(dir.path(), &["explain", "X", "--json"])).trim())
            .unwrap();
    let left: Vec<&str> = json["left_to_jit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["method"].as_str().unwrap())
        .collect();
    assert_eq!(left, ["X::Va", "X::Main"]);
}
