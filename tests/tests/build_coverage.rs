//! `build` prints the methods it compiled out of the total (issue 8): one `Coverage` line
//! summing the images built in the run, whose numbers are those of the image reports
//! (`<Name>.ni.report.json`) counted in `mono --aot`'s unit (MethodDefs with an IL body, a
//! generic one compiled when the image holds an instance or its shared code; the total is
//! mono's `Compiled: N/M` total, checked against mono itself), which change when a method is
//! excluded, which names the image to `explain`, and which `-q` and a no-op build leave out;
//! `--message-format json` carries the same sums in `build-finished`; `compile` prints the
//! same counts as its report; the report lists the generic instances an image holds and flags
//! the generic MethodDefs they instantiate.

mod build_common;

use std::path::{Path, PathBuf};

use build_common::*;

/// (compiled, left to the JIT) of one image report in `mono --aot`'s unit, computed here from
/// the JSON on its own: MethodDefs with an IL body count (not `no_body` ones, not P/Invoke
/// stubs); a generic one excluded as open code counts as compiled when the report holds a
/// compiled instance of it (of this assembly) or its compiled shared code.
fn mono_unit(report: &serde_json::Value) -> (usize, usize) {
    let flag =
        |m: &serde_json::Value, key: &str| m.get(key).and_then(|v| v.as_bool()) == Some(true);
    let list = |key: &str| report[key].as_array().cloned().unwrap_or_default();
    let assembly = report["assembly"].as_str().unwrap();
    let mut served = std::collections::BTreeSet::new();
    for i in list("instances") {
        if i["assembly"] == assembly && i.get("code_size").is_some() {
            served.insert(i["token"].as_str().unwrap().to_string());
        }
    }
    for s in list("shared") {
        if s.get("code_size").is_some() {
            served.insert(s["token"].as_str().unwrap().to_string());
        }
    }
    let compiled = list("compiled")
        .iter()
        .filter(|m| !flag(m, "pinvoke"))
        .count();
    let (mut by_generic, mut left) = (0, 0);
    for m in list("excluded").iter().filter(|m| !flag(m, "no_body")) {
        if flag(m, "generic") && served.contains(m["token"].as_str().unwrap()) {
            by_generic += 1;
        } else {
            left += 1;
        }
    }
    (compiled + by_generic, left)
}

/// (compiled, left to the JIT) summed over every image report under `cache` in
/// [`mono_unit`], and how many reports.
fn report_sums(cache: &Path) -> (usize, usize, usize) {
    let reports: Vec<PathBuf> = ngen_tests::files_under(cache, &[])
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".ni.report.json"))
        .collect();
    let (mut compiled, mut excluded) = (0, 0);
    for path in &reports {
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let (c, e) = mono_unit(&report);
        compiled += c;
        excluded += e;
    }
    (compiled, excluded, reports.len())
}

/// The `    Coverage ...` line of a build's stderr, if any.
fn coverage_line(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix("    Coverage "))
        .map(str::to_string)
}

/// `compiled A of B methods (P%) in N image(s)...` → (A, B, N).
fn coverage_numbers(line: &str) -> (usize, usize, usize) {
    let number = |s: &str| s.replace(',', "").parse::<usize>().expect(line);
    let rest = line.strip_prefix("compiled ").expect(line);
    let (compiled, rest) = rest.split_once(" of ").expect(line);
    let (total, rest) = rest.split_once(" methods (").expect(line);
    let (_, rest) = rest.split_once(") in ").expect(line);
    let (images, _) = rest.split_once(" image").expect(line);
    (number(compiled), number(total), number(images))
}

#[test]
fn build_prints_the_methods_compiled_out_of_the_total_as_the_reports_count_them() {
    let dir = app();
    let built = ok_in(dir.path(), &["build"]);
    let text = stderr(&built);
    let line = coverage_line(&text).expect(&text);
    let (compiled, total, images) = coverage_numbers(&line);
    let (r_compiled, r_excluded, reports) = report_sums(&dir.path().join("target/ngen"));
    assert_eq!(
        (compiled, total, images),
        (r_compiled, r_compiled + r_excluded, reports),
        "{text}"
    );
    // The summary stays last (`tail -1`), the coverage line just before it.
    let last_two: Vec<&str> = text.lines().rev().take(2).collect();
    assert!(last_two[0].starts_with("Compiled "), "{text}");
    assert!(last_two[1].starts_with("    Coverage "), "{text}");
    let per_image: usize = text
        .lines()
        .filter(|l| l.starts_with("    Compiled "))
        .count();
    assert_eq!(per_image, images, "{text}");

    // Nothing built: no coverage line.
    let again = stderr(&ok_in(dir.path(), &["build"]));
    assert_eq!(coverage_line(&again), None, "{again}");
}

#[test]
fn the_json_summary_carries_the_same_sums() {
    let dir = app();
    let json = json_build(dir.path(), &[]);
    let (compiled, excluded, _) = report_sums(&dir.path().join("target/ngen"));
    assert_eq!(
        json.finished["methods_compiled"], compiled,
        "{}",
        json.finished
    );
    assert_eq!(
        json.finished["methods_excluded"], excluded,
        "{}",
        json.finished
    );
    assert!(compiled > 0);
}

#[test]
fn quiet_builds_print_no_coverage_line() {
    let dir = app();
    let built = ok_in(dir.path(), &["-q", "build"]);
    assert_eq!(coverage_line(&stderr(&built)), None, "{}", stderr(&built));
}

/// A vararg method, which images leave to the JIT.
const VARARG: &str =
    " static int Va(__arglist) { return new System.ArgIterator(__arglist).GetRemainingCount(); }";

/// Writes and compiles `dir/X.exe`: class X with `Boxed`, `Main` and `body` as more members.
fn write_x(dir: &Path, body: &str) -> PathBuf {
    let source = dir.join("X.cs");
    std::fs::write(
        &source,
        format!(
            "class X {{\n static int Boxed() {{ object o = 2; return (int)o; }}\n{body}\n\
             static int Main() {{ return Boxed(); }}\n}}\n"
        ),
    )
    .unwrap();
    let exe = dir.join("X.exe");
    ngen_tests::mcs(&[&source], &exe, &[]);
    exe
}

/// [`write_x`], then `build`: its stderr.
fn build_x(dir: &Path, body: &str) -> String {
    write_x(dir, body);
    stderr(&ok_in(dir, &["build"]))
}

#[test]
fn an_excluded_method_changes_the_counts_and_the_line_names_the_image_to_explain() {
    let dir = ngen_tests::temp_dir();
    std::fs::write(dir.path().join("ngen.toml"), "[[root]]\npath = \"X.exe\"\n").unwrap();
    // Boxed, Main and the constructor: everything compiles.
    let whole = build_x(dir.path(), "");
    assert_eq!(
        coverage_line(&whole).as_deref(),
        Some("compiled 3 of 3 methods (100.0%) in 1 image"),
        "{whole}"
    );
    // A vararg method is left to the JIT.
    let partial = build_x(dir.path(), VARARG);
    assert_eq!(
        coverage_line(&partial).as_deref(),
        Some(
            "compiled 3 of 4 methods (75.0%) in 1 image; 1 excluded: \
             `ngen-build explain X` lists why"
        ),
        "{partial}"
    );
    let (compiled, excluded, _) = report_sums(&dir.path().join("target/ngen"));
    assert_eq!((compiled, excluded), (3, 1));
    let explained = stdout(&ok_in(dir.path(), &["explain", "X"]));
    assert!(
        explained.contains("    X::Va: vararg method\n"),
        "{explained}"
    );
}

#[test]
fn compile_prints_the_counts_of_its_report() {
    let dir = ngen_tests::temp_dir();
    let exe = write_x(dir.path(), VARARG);
    let out = dir.path().join("out");
    let printed = stdout(&ngen_tests::ngen_compile(&exe, &out));
    assert!(
        printed.starts_with(
            "X: compiled 3 of 4 methods (75.0%), 1 excluded (reasons in X.ni.report.json) -> "
        ),
        "{printed}"
    );
    assert_eq!(report_sums(&out), (3, 1, 1));
}

#[test]
fn install_names_the_report_file_as_it_has_no_manifest_to_explain() {
    let dir = ngen_tests::temp_dir();
    write_x(dir.path(), VARARG);
    let cache = dir.path().join("cache");
    let installed = stderr(&ok_with_cache(dir.path(), &cache, &["install", "X.exe"]));
    assert_eq!(
        coverage_line(&installed).as_deref(),
        Some("compiled 3 of 4 methods (75.0%) in 1 image; 1 excluded: X.ni.report.json lists why"),
        "{installed}"
    );
}

/// Writes and compiles `dir/G.exe`: generic `G<T>` (with `Unused`, which nothing
/// instantiates) and `P::Main` using `G<int>`.
fn write_g(dir: &Path) -> PathBuf {
    let source = dir.join("G.cs");
    std::fs::write(
        &source,
        "class G<T> { T v; public G(T x) { v = x; } public T Get() { return v; }\n\
         public T Unused() { return v; } }\n\
         class P { static int Main() { return new G<int>(7).Get() - 7; } }\n",
    )
    .unwrap();
    let exe = dir.join("G.exe");
    ngen_tests::mcs(&[&source], &exe, &[]);
    exe
}

#[test]
fn the_report_lists_generic_instances_and_flags_the_generic_methods_they_instantiate() {
    let dir = ngen_tests::temp_dir();
    let exe = write_g(dir.path());
    let out = dir.path().join("out");
    ngen_tests::ngen_compile(&exe, &out);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("G.ni.report.json")).unwrap()).unwrap();
    // The open `G<T>::Get` is not code: excluded, flagged generic; `P::Main` is not generic.
    let excluded = report["excluded"].as_array().unwrap();
    let get = excluded.iter().find(|e| e["name"] == "G`1::Get");
    assert_eq!(
        get.map(|e| &e["generic"]),
        Some(&serde_json::json!(true)),
        "{report}"
    );
    let compiled = report["compiled"].as_array().unwrap();
    let main = compiled
        .iter()
        .find(|m| m["name"] == "P::Main")
        .expect("P::Main");
    assert!(
        main.get("generic").is_none() && main.get("pinvoke").is_none(),
        "{main}"
    );
    // `G<int>::Get` and `G<int>::.ctor` are compiled instances of the image's own MethodDefs.
    let instances = report["instances"].as_array().unwrap();
    for name in ["G`1::Get", "G`1::.ctor"] {
        let instance = instances
            .iter()
            .find(|i| i["name"] == name)
            .unwrap_or_else(|| panic!("no instance of {name}: {report}"));
        assert_eq!(instance["assembly"], "G", "{instance}");
        assert!(instance["code_size"].as_u64().unwrap() > 0, "{instance}");
        assert!(instance.get("reason").is_none(), "{instance}");
    }
}

#[test]
fn a_generic_method_an_instance_or_shared_code_serves_is_not_left_to_the_jit() {
    let dir = ngen_tests::temp_dir();
    write_g(dir.path());
    std::fs::write(dir.path().join("ngen.toml"), "[[root]]\npath = \"G.exe\"\n").unwrap();
    let built = stderr(&ok_in(dir.path(), &["build"]));
    // G<T>'s three methods (`Get` and the constructor by their G<int> instances, `Unused`
    // by its shared code), P::Main and P's constructor.
    assert_eq!(
        coverage_line(&built).as_deref(),
        Some("compiled 5 of 5 methods (100.0%) in 1 image"),
        "{built}"
    );
    let explained = stdout(&ok_in(dir.path(), &["explain", "G"]));
    assert!(!explained.contains("left to the JIT"), "{explained}");
    assert!(!explained.contains("G`1::"), "{explained}");
}

/// A program with every kind of MethodDef the unit treats apart: abstract (no IL body), a
/// generic class used over `int` and `string`, a generic method nothing instantiates, a
/// P/Invoke, and a vararg method, which images leave to the JIT.
const KINDS: &str = "using System;\nusing System.Runtime.InteropServices;\n\
    abstract class A { public abstract int F(); public virtual int G() { return 1; } }\n\
    class B : A { public override int F() { return 2; } }\n\
    class Box<T> { public T V; public T Get() { return V; } public static int Count() { return 3; } }\n\
    class X {\n\
     [DllImport(\"libc\")] static extern int getpid();\n\
     static T Id<T>(T x) { return x; }\n\
     static T Unused<T>(T x) { return x; }\n\
     static int Va(__arglist) { return new ArgIterator(__arglist).GetRemainingCount(); }\n\
     static int Main() { var b = new Box<string>(); b.V = \"a\"; var c = new Box<int>();\n\
      return Id(1) + new B().F() + c.Get() + b.Get().Length + (getpid() > 0 ? 0 : 1); }\n}\n";

/// `mono --aot=stats`'s `Compiled: N/M` for `exe`, compiled into `dir` (never next to the
/// assembly), or None (with a loud skip) when mono cannot be run.
fn mono_aot_counts(exe: &Path, dir: &Path) -> Option<(usize, usize)> {
    let out = std::process::Command::new("mono")
        .arg(format!(
            "--aot=stats,outfile={},temp-path={}",
            dir.join("aot.so").display(),
            dir.display()
        ))
        .arg(exe)
        .current_dir(dir)
        .output()
        .ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let line = text.lines().find_map(|l| l.strip_prefix("Compiled: "))?;
    let (n, rest) = line.split_once('/')?;
    let m = rest.split_whitespace().next()?;
    Some((n.parse().ok()?, m.parse().ok()?))
}

#[test]
fn the_total_is_the_one_mono_aot_counts() {
    let dir = ngen_tests::temp_dir();
    let source = dir.path().join("X.cs");
    std::fs::write(&source, KINDS).unwrap();
    let exe = dir.path().join("X.exe");
    ngen_tests::mcs(&[&source], &exe, &["-unsafe"]);
    let Some((mono_compiled, mono_total)) = mono_aot_counts(&exe, dir.path()) else {
        ngen_tests::skip_loudly(
            "the_total_is_the_one_mono_aot_counts",
            "mono --aot=stats printed no `Compiled: N/M` line",
        );
        return;
    };
    // Mono compiles all 12 MethodDefs with an IL body (the vararg one too).
    assert_eq!((mono_compiled, mono_total), (12, 12));
    let printed = stdout(&ngen_tests::ngen_compile(&exe, &dir.path().join("out")));
    // Ours: the same total; all but `Va` (vararg, left to the JIT) compiled, generic ones by
    // instance (`Box<T>::Get`, `Id`) or shared code (`Unused`).
    assert!(
        printed.starts_with(
            "X: compiled 11 of 12 methods (91.6%), 1 excluded (reasons in X.ni.report.json) -> "
        ),
        "{printed}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/X.ni.report.json")).unwrap())
            .unwrap();
    assert_eq!(mono_unit(&report), (11, 1), "{report}");
}
