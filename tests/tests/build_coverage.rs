//! `build` prints the methods it compiled out of the total (issue 8): one `Coverage` line
//! summing the images built in the run, whose numbers are those of the image reports
//! (`<Name>.ni.report.json`), which change when a method is excluded, which names the image to
//! `explain`, and which `-q` and a no-op build leave out; `--message-format json` carries the
//! same sums in `build-finished`; `compile` prints the same counts as its report; the report
//! lists the generic instances an image holds and flags the generic MethodDefs they instantiate.

mod build_common;

use std::path::{Path, PathBuf};

use build_common::*;

/// (compiled, excluded) summed over every image report under `cache`, and how many reports.
fn report_sums(cache: &Path) -> (usize, usize, usize) {
    let reports: Vec<PathBuf> = ngen_tests::files_under(cache, &[])
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".ni.report.json"))
        .collect();
    let (mut compiled, mut excluded) = (0, 0);
    for path in &reports {
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        compiled += report["compiled"].as_array().unwrap().len();
        excluded += report["excluded"].as_array().unwrap().len();
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
fn explain_says_how_many_instances_of_a_generic_method_the_image_compiled() {
    let dir = ngen_tests::temp_dir();
    write_g(dir.path());
    std::fs::write(dir.path().join("ngen.toml"), "[[root]]\npath = \"G.exe\"\n").unwrap();
    ok_in(dir.path(), &["build"]);
    let explained = stdout(&ok_in(dir.path(), &["explain", "G"]));
    let line = |name: &str| {
        explained
            .lines()
            .find(|l| l.starts_with(&format!("    {name}: ")))
            .unwrap_or_else(|| panic!("no line for {name}: {explained}"))
            .to_string()
    };
    assert!(
        line("G`1::Get").ends_with(" (generic: 1 instance compiled into the image)"),
        "{explained}"
    );
    assert!(
        line("G`1::Unused").ends_with(" (generic: no instance in the image)"),
        "{explained}"
    );
}
