//! Differential tests of generics (issue 7): each C# program in tests/fixtures/generics is
//! compiled with mcs once and to native images with `ngen-build compile` (next to the shared
//! framework images), then run under `mono` and under `ngen-build run`. Stdout, the first
//! three stderr lines and the exit code must be mono's in every mode: `--jit never` (images
//! only: the instances an image holds), `--jit always` (the JIT compiles every instance) and
//! the default.

use std::sync::OnceLock;

use ngen_tests::CompiledPrograms;

/// The fixture programs, named once.
const PROGRAMS: &[&str] = &[
    "containers",
    "collections",
    "delegates_linq",
    "generic_virtuals",
    "recursion",
    "enums",
    "virtual_reach",
    "shared_code",
    "delegate_method",
    "partial_sharing",
];

/// Programs compiled once for the whole test binary, with their images.
fn fixtures() -> &'static CompiledPrograms {
    static F: OnceLock<CompiledPrograms> = OnceLock::new();
    F.get_or_init(|| CompiledPrograms::new("generics", PROGRAMS))
}

/// `Bag<int>`, `Bag<string>` and `NamedBag<Point>`'s `Bag<Point>`: an application's image
/// compiles all three exactly (only framework images leave instances over reference types to
/// shared code), and `Bag<T>::Put`'s shared code too, for instances made at run time.
#[test]
fn generic_classes_methods_statics_and_interfaces_of_the_program_match_mono() {
    let report = fixtures().images.join("containers.ni.report.json");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
    let of_put = |list: &str| -> Vec<serde_json::Value> {
        let list = report[list].as_array().cloned().unwrap_or_default();
        list.into_iter()
            .filter(|e| e["name"] == "Bag`1::Put")
            .collect()
    };
    assert!(
        of_put("shared")
            .first()
            .is_some_and(|e| e["code_size"].as_u64().is_some()),
        "{:?}",
        of_put("shared")
    );
    let exact = of_put("instances");
    assert_eq!(
        exact.len(),
        3,
        "Bag<int>, Bag<string> and Bag<Point>: {exact:?}"
    );
    assert!(
        exact.iter().all(|e| e["code_size"].as_u64().is_some()),
        "{exact:?}"
    );
    fixtures().assert_like_mono("containers", &[]);
}

#[test]
fn nullable_boxing_and_mscorlib_collections_with_their_comparers_match_mono() {
    fixtures().assert_like_mono("collections", &[]);
}

#[test]
fn generic_delegates_and_linq_operators_of_system_core_match_mono() {
    fixtures().assert_like_mono("delegates_linq", &[]);
}

#[test]
fn generic_virtual_methods_of_classes_and_interfaces_match_mono() {
    fixtures().assert_like_mono("generic_virtuals", &[]);
}

/// Instances no call names: objects only reflection creates behind the program's own generic
/// interface, `constrained.` calls on generic structs, a generic virtual method of an
/// interface on a generic class instance; all from the image under `--jit never`.
#[test]
fn instances_reached_through_interfaces_constrained_calls_and_reflection_match_mono() {
    fixtures().assert_like_mono("virtual_reach", &[]);
}

/// Instances only reflection makes (`MakeGenericType`, `MakeGenericMethod`) over the
/// program's classes: no image holds them, so under `--jit never` they run from the shared
/// code of the program's image and of mscorlib's (`List<Foo>`), each instantiation with its
/// own dictionary (typeof, casts, statics, calls), an exception's trace through shared frames
/// included.
#[test]
fn instances_only_reflection_makes_run_from_shared_code_like_mono() {
    let report = fixtures().images.join("shared_code.ni.report.json");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
    let shared = report["shared"].as_array().cloned().unwrap_or_default();
    for name in [
        "Box`1::Run",
        "Thrower`1::Throw",
        "Pairs::Name",
        "Pairs::Count",
    ] {
        let entry = shared.iter().find(|e| e["name"] == name);
        assert!(
            entry.is_some_and(|e| e["code_size"].as_u64().is_some()),
            "{name} has no shared code: {entry:?}"
        );
    }
    // No exact instance of the program's generics: only shared code can run them.
    let instances = report["instances"].as_array().cloned().unwrap_or_default();
    assert!(
        !instances.iter().any(|i| i["name"] == "Box`1::Run"),
        "{instances:?}"
    );
    let exe = fixtures().bin.join("shared_code.exe");
    ngen_tests::assert_exactly_like_mono(
        &exe,
        &fixtures().images,
        &[],
        &["never", "always", "default"],
    );
}

/// Instances mixing reference and value types inside framework code (PLINQ, `GroupBy` with
/// `int` keys, `ToDictionary<string,int>`, `Zip`, a `HashSet<KeyValuePair<string,int>>`) and
/// made by reflection (`Dictionary<Person,int>`, `List<KeyValuePair<Person,int>>`): the
/// framework's images hold shared code of mixed canonical forms (System.Core's report names
/// them), under `--jit never` such code serves instances no image holds exactly (the binding
/// log says so), with statics per instantiation, and an exception thrown through it keeps
/// mono's frames (the fixture prints their names; the unhandled report's parameter lists are
/// compared only as far as the harness's stderr head: `System.Func`2[T,TResult]`, the
/// declaring definition's parameter names, is a known difference of every mode).
#[test]
fn instances_mixing_value_and_reference_types_run_from_shared_code_like_mono() {
    for assembly in ["mscorlib", "System.Core"] {
        let report = ngen_tests::framework_images().join(format!("{assembly}.ni.report.json"));
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
        let shared = report["shared"].as_array().cloned().unwrap_or_default();
        let mixed = shared
            .iter()
            .filter(|e| e["form"].is_string() && e["code_size"].as_u64().is_some())
            .count();
        assert!(
            mixed > 50,
            "{assembly}'s shared code of mixed forms: {mixed}"
        );
    }
    let exe = fixtures().bin.join("partial_sharing.exe");
    let out = ngen_tests::ngen_build()
        .env("NGEN_LOG", "binding")
        .arg("run")
        .arg("--images")
        .arg(&fixtures().images)
        .arg("--images")
        .arg(ngen_tests::framework_images())
        .args(["--jit", "never"])
        .arg(&exe)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let served = |name: &str| {
        log.lines()
            .any(|l| l.contains(name) && l.contains("from the shared code of its image"))
    };
    assert!(
        served("Dictionary`2<Person,System.Int32>::TryInsert"),
        "no mixed instance from shared code:\n{log}"
    );
    fixtures().assert_like_mono("partial_sharing", &[]);
}

/// `Delegate.Method` of a delegate to a generic class's method, made inside the class on an
/// instance only reflection creates: `System.String Show(System.Uri)` on ``Maker`1[System.Uri]``,
/// as mono prints it. Under `--jit never` the delegate points at the instantiating stub of the
/// method's shared code, under `--jit always` at the instance's JIT code: the code map names
/// the exact instance of both.
#[test]
fn the_method_of_a_delegate_made_in_a_reflection_only_generic_instance_is_monos() {
    let exe = fixtures().bin.join("delegate_method.exe");
    ngen_tests::assert_exactly_like_mono(
        &exe,
        &fixtures().images,
        &[],
        &["never", "always", "default"],
    );
}

#[test]
fn unbounded_generic_recursion_is_cut_in_the_image_and_runs_like_mono() {
    fixtures().assert_like_mono("recursion", &[]);
}

/// Generic definitions are not compiled themselves (their instances are): the report says so
/// for each, with a reason, and nothing is an internal compiler error.
#[test]
fn generic_definitions_are_excluded_with_a_reason_and_nothing_crashes() {
    for program in PROGRAMS {
        for entry in fixtures().excluded(program) {
            let reason = entry["reason"].as_str().unwrap_or_default();
            assert!(
                !reason.contains("internal compiler error"),
                "{program}: {entry}"
            );
        }
    }
    let excluded = fixtures().excluded("containers");
    let reason_of = |name: &str| {
        excluded
            .iter()
            .find(|e| e["name"] == name)
            .and_then(|e| e["reason"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(reason_of("Util::Identity"), "generic method");
    assert!(
        reason_of("Bag`1::Put").contains("generic parameter type"),
        "{}",
        reason_of("Bag`1::Put")
    );
}

#[test]
fn enums_as_generic_arguments_hash_and_compare_like_mono() {
    fixtures().assert_like_mono("enums", &[]);
}
