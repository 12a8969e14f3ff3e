//! The engine with a fake compiler and hand-made closures: freshness, exact invalidation,
//! reference counts on commit, determinism across -j, crash leftovers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use ngen_cache::actions::{Selector, UninstallRequest, roots_to_uninstall};
use ngen_cache::engine::{Event, Freshness, Plan, plan_with};
use ngen_cache::filehash::FileHasher;
use ngen_cache::graph::{AssemblyNode, Closure};
use ngen_cache::resolve::{RootAssemblySource, RootSource};
use ngen_cache::{
    BuildOutcome, Cache, CompileRequest, CompiledImage, ImageCompiler, Index, RootKey, RootRequest,
};
use ngen_manifest::Scenario;

/// Output depends only on the input bytes, like the real compiler must.
struct FakeCompiler {
    calls: AtomicUsize,
}

impl ImageCompiler for FakeCompiler {
    fn identity(&self) -> String {
        "fake 1".into()
    }
    fn compile(&self, req: &CompileRequest<'_>) -> Result<CompiledImage, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let bytes = std::fs::read(req.assembly).map_err(|e| e.to_string())?;
        let mut image = b"\x7fELF-fake-".to_vec();
        image.extend_from_slice(blake3::hash(&bytes).as_bytes());
        image.extend_from_slice(req.scenario.as_str().as_bytes());
        Ok(CompiledImage {
            image_bytes: image,
            report_json: b"{}\n".to_vec(),
            methods_compiled: bytes.len(),
            methods_excluded: 1,
            cpu_seconds: 0.0,
        })
    }
}

/// App -> Mid -> Leaf; App -> Other; Tool -> Leaf. Files live in `dir`.
fn graph(dir: &Path, root: &str) -> Closure {
    let edges: &[(&str, &[&str])] = &[
        ("App", &["Mid", "Other"]),
        ("Mid", &["Leaf"]),
        ("Leaf", &[]),
        ("Other", &[]),
        ("Tool", &["Leaf"]),
    ];
    let mut keep = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if keep.insert(n) {
            stack.extend(
                edges
                    .iter()
                    .find(|e| e.0 == n)
                    .map(|e| e.1.to_vec())
                    .unwrap_or_default(),
            );
        }
    }
    let dn = |n: &str| format!("{n}, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null");
    let assemblies = edges
        .iter()
        .filter(|(n, _)| keep.contains(n))
        .map(|(n, refs)| {
            (
                dn(n),
                AssemblyNode {
                    display_name: dn(n),
                    name: n.to_string(),
                    version: "1.0.0.0".into(),
                    path: dir.join(format!("{n}.dll")),
                    mvid: format!("00000000-0000-0000-0000-{:012}", n.len()),
                    framework: false,
                    references: refs.iter().map(|r| dn(r)).collect(),
                    binding: vec![],
                    dependency_hints: BTreeMap::new(),
                    default_hint: None,
                },
            )
        })
        .collect();
    Closure {
        root: dn(root),
        assemblies,
        watched: Default::default(),
    }
}

fn write_inputs(dir: &Path) {
    for n in ["App", "Mid", "Leaf", "Other", "Tool"] {
        std::fs::write(dir.join(format!("{n}.dll")), format!("IL of {n}")).unwrap();
    }
}

fn request(name: &str, scenario: Scenario) -> RootRequest {
    RootRequest {
        key: RootKey {
            root: format!("{name}.dll"),
            scenario,
            exe_config: None,
            app_base: None,
        },
        source: RootSource {
            assembly: RootAssemblySource::Name(name.into()),
            exe_config: None,
            app_base: None,
            framework_dir: None,
            gac_dirs: Vec::new(),
        },
        dependencies: true,
        compile_framework: false,
    }
}

struct Fixture {
    inputs: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let inputs = tempfile::tempdir().unwrap();
        write_inputs(inputs.path());
        Fixture { inputs }
    }

    fn run(
        &self,
        cache_dir: &Path,
        requests: &[RootRequest],
        kept: Vec<ngen_cache::RootRecord>,
        jobs: usize,
    ) -> (Plan, BuildOutcome, Index) {
        let compiler = FakeCompiler {
            calls: AtomicUsize::new(0),
        };
        self.run_with(cache_dir, requests, kept, jobs, &compiler, &|_| {})
    }

    fn run_with(
        &self,
        cache_dir: &Path,
        requests: &[RootRequest],
        kept: Vec<ngen_cache::RootRecord>,
        jobs: usize,
        compiler: &dyn ImageCompiler,
        events: &(dyn Fn(Event<'_>) + Sync),
    ) -> (Plan, BuildOutcome, Index) {
        let cache = Cache::new(cache_dir);
        let locked = cache.lock().unwrap();
        let previous = locked.index().unwrap();
        let hasher = FileHasher::new();
        let dir: PathBuf = self.inputs.path().to_path_buf();
        let resolver = move |s: &RootSource| match &s.assembly {
            RootAssemblySource::Name(n) => Ok(graph(&dir, n)),
            RootAssemblySource::Path(_) => unreachable!(),
        };
        let plan = plan_with(
            &locked,
            requests,
            &BTreeMap::new(),
            &compiler.identity(),
            &hasher,
            &previous,
            &resolver,
        )
        .unwrap();
        let outcome = locked.build(&plan, compiler, jobs, events);
        let mut roots = kept;
        roots.extend(plan.roots.iter().cloned());
        let index = locked.commit(roots, &plan, &outcome, &previous).unwrap();
        (plan, outcome, index)
    }
}

fn built_names(outcome: &BuildOutcome) -> BTreeSet<String> {
    outcome
        .built
        .keys()
        .map(|d| d.split('/').nth(1).unwrap_or("").to_string())
        .collect()
}

#[test]
fn second_build_is_fresh_and_a_leaf_change_rebuilds_exactly_its_dependents() {
    let f = Fixture::new();
    let cache = tempfile::tempdir().unwrap();
    let reqs = [
        request("App", Scenario::Default),
        request("Tool", Scenario::Default),
    ];
    let (_, first, index) = f.run(cache.path(), &reqs, vec![], 2);
    assert_eq!(
        built_names(&first),
        BTreeSet::from(["App", "Mid", "Leaf", "Other", "Tool"].map(String::from))
    );
    // Leaf is shared by App (via Mid) and Tool: reference count 2.
    let leaf = index.images.iter().find(|i| i.name == "Leaf").unwrap();
    assert_eq!(leaf.references, 2);

    let (plan, second, _) = f.run(cache.path(), &reqs, vec![], 2);
    assert!(second.built.is_empty());
    assert!(plan.images.iter().all(|i| i.freshness == Freshness::Fresh));

    std::fs::write(f.inputs.path().join("Mid.dll"), "IL of Mid v2").unwrap();
    let (plan, third, _) = f.run(cache.path(), &reqs, vec![], 2);
    assert_eq!(
        built_names(&third),
        BTreeSet::from(["App", "Mid"].map(String::from))
    );
    let app = plan.images.iter().find(|i| i.name == "App").unwrap();
    match &app.freshness {
        Freshness::Dirty(r) => assert!(
            r[0].to_string()
                .starts_with("dependency Mid changed (content"),
            "{r:?}"
        ),
        Freshness::Fresh => panic!("App should be dirty"),
    }
    // Old Mid/App images were garbage-collected: one directory per image.
    let dirs = std::fs::read_dir(cache.path().join("default/Mid/1.0.0.0"))
        .unwrap()
        .count();
    assert_eq!(dirs, 1);
}

#[test]
fn trees_are_identical_across_directories_and_jobs() {
    let f = Fixture::new();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let reqs = [
        request("App", Scenario::Default),
        request("App", Scenario::Debug),
        request("Tool", Scenario::Profile),
    ];
    f.run(a.path(), &reqs, vec![], 1);
    f.run(b.path(), &reqs, vec![], 4);
    let ha = ngen_cache::package::tree_hash(a.path()).unwrap();
    let hb = ngen_cache::package::tree_hash(b.path()).unwrap();
    assert_eq!(ha, hb);
    let (pa, pb) = (a.path().join("../a.tar"), b.path().join("../b.tar"));
    ngen_cache::package::write_package(a.path(), &pa).unwrap();
    ngen_cache::package::write_package(b.path(), &pb).unwrap();
    assert_eq!(std::fs::read(&pa).unwrap(), std::fs::read(&pb).unwrap());
    let _ = (std::fs::remove_file(pa), std::fs::remove_file(pb));
}

#[test]
fn uninstall_keeps_shared_dependencies_until_the_last_root_goes() {
    let f = Fixture::new();
    let cache = tempfile::tempdir().unwrap();
    let reqs = [
        request("App", Scenario::Default),
        request("Tool", Scenario::Default),
        request("App", Scenario::Debug),
        request("App", Scenario::DebugProfile),
    ];
    let (_, _, index) = f.run(cache.path(), &reqs, vec![], 2);
    let uninstall = |index: &Index, name: &str, scenario| {
        let req = UninstallRequest {
            selector: Selector::parse(name).unwrap(),
            scenario,
            exe_config: None,
            app_base: None,
        };
        let remove = roots_to_uninstall(index, &req);
        let kept: Vec<_> = index
            .roots
            .iter()
            .filter(|r| !remove.contains(&r.key))
            .cloned()
            .collect();
        let locked = Cache::new(cache.path()).lock().unwrap();
        locked
            .commit(kept, &Plan::default(), &BuildOutcome::default(), index)
            .unwrap()
    };
    let names = |i: &Index, s: Scenario| -> BTreeSet<String> {
        i.images
            .iter()
            .filter(|x| x.scenario == s)
            .map(|x| x.name.clone())
            .collect()
    };
    // uninstall App /debug: the debug+profile images stay.
    let index = uninstall(&index, "App", Some(Scenario::Debug));
    assert!(names(&index, Scenario::Debug).is_empty());
    assert_eq!(names(&index, Scenario::DebugProfile).len(), 4);
    // uninstall App (all scenarios): Leaf stays for Tool.
    let index = uninstall(&index, "App", None);
    assert_eq!(
        names(&index, Scenario::Default),
        BTreeSet::from(["Leaf", "Tool"].map(String::from))
    );
    assert!(names(&index, Scenario::DebugProfile).is_empty());
    assert!(!cache.path().join("debug+profile").exists());
    let index = uninstall(&index, "*", None);
    assert!(index.images.is_empty() && index.roots.is_empty());
}

#[test]
fn staged_leftovers_from_a_killed_build_are_ignored_and_removed() {
    let f = Fixture::new();
    let cache = tempfile::tempdir().unwrap();
    let reqs = [request("App", Scenario::Default)];
    f.run(cache.path(), &reqs, vec![], 2);
    let good = ngen_cache::package::tree_hash(cache.path()).unwrap();
    // What a kill -9 can leave: a half-written staging dir and an unreferenced image dir.
    std::fs::create_dir_all(cache.path().join(".local/tmp/image-1-0")).unwrap();
    std::fs::write(cache.path().join(".local/tmp/image-1-0/App.ni.so"), b"half").unwrap();
    std::fs::create_dir_all(cache.path().join("default/App/1.0.0.0/deadbeefdeadbeef")).unwrap();
    // A damaged image whose fingerprint matches is rebuilt.
    let app_dir = std::fs::read_dir(cache.path().join("default/App/1.0.0.0"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| !p.ends_with("deadbeefdeadbeef"))
        .unwrap();
    std::fs::write(app_dir.join("App.ni.so"), b"trunc").unwrap();
    let (plan, outcome, _) = f.run(cache.path(), &reqs, vec![], 2);
    assert_eq!(built_names(&outcome), BTreeSet::from(["App".to_string()]));
    let app = plan.images.iter().find(|i| i.name == "App").unwrap();
    assert!(
        matches!(&app.freshness, Freshness::Dirty(r) if r[0].to_string().starts_with("image missing"))
    );
    assert!(!cache.path().join(".local/tmp/image-1-0").exists());
    assert_eq!(ngen_cache::package::tree_hash(cache.path()).unwrap(), good);
}

/// Compiles like the real compiler: on a rayon pool of its own (`threads` workers), here
/// sleeping instead of working, and counting how many compiles run at once.
struct PoolCompiler {
    running: AtomicUsize,
    most_at_once: AtomicUsize,
}

impl ImageCompiler for PoolCompiler {
    fn identity(&self) -> String {
        "pool 1".into()
    }
    fn compile(&self, req: &CompileRequest<'_>) -> Result<CompiledImage, String> {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_at_once.fetch_max(now, Ordering::SeqCst);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(req.threads.max(1))
            .build()
            .map_err(|e| e.to_string())?;
        pool.install(|| std::thread::sleep(std::time::Duration::from_millis(60)));
        self.running.fetch_sub(1, Ordering::SeqCst);
        Ok(CompiledImage {
            image_bytes: b"\x7fELF-pool".to_vec(),
            report_json: b"{}\n".to_vec(),
            methods_compiled: 1,
            methods_excluded: 0,
            cpu_seconds: 0.25,
        })
    }
}

#[test]
fn jobs_bounds_the_images_compiling_at_once_and_each_reports_its_own_times() {
    let f = Fixture::new();
    let cache = tempfile::tempdir().unwrap();
    let reqs = [
        request("App", Scenario::Default),
        request("Tool", Scenario::Default),
        request("App", Scenario::Debug),
    ];
    let compiler = PoolCompiler {
        running: AtomicUsize::new(0),
        most_at_once: AtomicUsize::new(0),
    };
    let times = std::sync::Mutex::new(Vec::new());
    let events = |event: Event<'_>| {
        if let Event::Compiled {
            seconds,
            cpu_seconds,
            ..
        } = event
        {
            times.lock().unwrap().push((seconds, cpu_seconds));
        }
    };
    let (_, outcome, _) = f.run_with(cache.path(), &reqs, vec![], 2, &compiler, &events);
    assert_eq!(outcome.built.len(), 9);
    // A rayon worker waiting for the compiler's pool would start another image meanwhile.
    assert_eq!(compiler.most_at_once.load(Ordering::SeqCst), 2);
    let times = times.into_inner().unwrap();
    assert_eq!(times.len(), 9);
    for (seconds, cpu_seconds) in times {
        assert_eq!(
            cpu_seconds, 0.25,
            "the compiler's CPU figure, passed through"
        );
        assert!(seconds >= 0.06, "wall time covers the compile: {seconds}");
    }
}

/// The fake compiler's output, recording per assembly the hard-dependency images it was given
/// and failing when one does not exist yet (the engine must build it first).
struct HardBindingCompiler {
    given: std::sync::Mutex<BTreeMap<String, Vec<String>>>,
    fake: FakeCompiler,
}

impl ImageCompiler for HardBindingCompiler {
    fn identity(&self) -> String {
        self.fake.identity()
    }
    fn compile(&self, req: &CompileRequest<'_>) -> Result<CompiledImage, String> {
        let mut names = Vec::new();
        for image in req.hard_dependencies {
            if !image.is_file() {
                return Err(format!("{} is not built yet", image.display()));
            }
            names.push(image.file_name().unwrap().to_string_lossy().into_owned());
        }
        let stem = req
            .assembly
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        self.given.lock().unwrap().insert(stem, names);
        self.fake.compile(req)
    }
}

#[test]
fn always_edges_build_the_dependency_first_and_hand_its_image_to_the_dependent() {
    let f = Fixture::new();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(cache_dir.path());
    let locked = cache.lock().unwrap();
    let previous = locked.index().unwrap();
    let dir = f.inputs.path().to_path_buf();
    let resolver = move |s: &RootSource| match &s.assembly {
        RootAssemblySource::Name(n) => Ok(graph(&dir, n)),
        RootAssemblySource::Path(_) => unreachable!(),
    };
    let hints = BTreeMap::from([
        ("Mid".to_string(), ngen_manifest::LoadHint::Always),
        ("Leaf".to_string(), ngen_manifest::LoadHint::Always),
    ]);
    let compiler = HardBindingCompiler {
        given: Default::default(),
        fake: FakeCompiler {
            calls: AtomicUsize::new(0),
        },
    };
    let plan = plan_with(
        &locked,
        &[request("App", Scenario::Default)],
        &hints,
        &compiler.identity(),
        &FileHasher::new(),
        &previous,
        &resolver,
    )
    .unwrap();
    let outcome = locked.build(&plan, &compiler, 4, &|_| {});
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    let given = compiler.given.lock().unwrap().clone();
    let expect = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(given["App"], expect(&["Mid.ni.so"]));
    assert_eq!(given["Mid"], expect(&["Leaf.ni.so"]));
    assert_eq!(given["Leaf"], expect(&[]));
    assert_eq!(given["Other"], expect(&[]));
    let app = plan.images.iter().find(|i| i.name == "App").unwrap();
    let mid = plan.images.iter().find(|i| i.name == "Mid").unwrap();
    assert_eq!(app.inputs.hard_bound["Mid"], mid.inputs.fingerprint);
    assert!(
        plan.images
            .iter()
            .find(|i| i.name == "Other")
            .unwrap()
            .inputs
            .hard_bound
            .is_empty()
    );
}
