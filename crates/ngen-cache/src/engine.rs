//! The build engine: plan (resolve, hash, fingerprint, decide fresh or dirty with reasons),
//! compile the dirty images in parallel, write each atomically, then write the index and
//! remove what no root needs any more.
//!
//! Crash safety without a journal: an image directory is staged in `.local/tmp`, every file
//! fsynced, then renamed into its content-addressed place; the index is written last (temp +
//! rename); stale staging and unreferenced image directories are removed by the next run.
//! A killed process therefore leaves the previous index with complete images, and possibly
//! extra complete images that the next run reuses or removes.
//!
//! With a [`RemoteCache`], each dirty image is first looked up remotely (installed through the
//! same staging path as a compile) and, once compiled here, offered for upload: one hook
//! before compiling, one after.
//!
//! Depends on every other module of this crate except [`crate::actions`], [`crate::queue`],
//! [`crate::package`] and [`crate::run_support`]; compiles only through
//! [`crate::compiler::ImageCompiler`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ngen_manifest::{LoadHint, Scenario};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::closure_memo::ClosureMemo;
use crate::compiler::{CompileRequest, ImageCompiler};
use crate::error::{CacheError, Result};
use crate::filehash::{ContentHash, FileHasher};
use crate::fingerprint::{self, DirtyReason, Inputs};
use crate::fsutil;
use crate::graph::{AssemblyNode, Closure};
use crate::hard_edges::{FingerprintContext, ImageInputs, image_inputs};
use crate::index::{ImageRecord, Index, RootKey, RootRecord};
use crate::layout::Layout;
use crate::lock::{CacheLock, ManualMarker};
use crate::remote::RemoteCache;
use crate::resolve::{self, RootSource};

/// One root to (re)build.
#[derive(Debug, Clone)]
pub struct RootRequest {
    /// How the index names it.
    pub key: RootKey,
    /// What to resolve.
    pub source: RootSource,
    /// Whether dependencies get images.
    pub dependencies: bool,
    /// Whether framework assemblies get images.
    pub compile_framework: bool,
}

/// Fresh or dirty, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// The image matches its inputs.
    Fresh,
    /// The image must be (re)built.
    Dirty(Vec<DirtyReason>),
}

/// One image the plan needs.
#[derive(Debug, Clone)]
pub struct PlannedImage {
    /// Directory relative to the cache.
    pub dir: String,
    /// Scenario.
    pub scenario: Scenario,
    /// Simple name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// The assembly file.
    pub assembly_path: PathBuf,
    /// The rest of its closure.
    pub references: Vec<PathBuf>,
    /// The images it is hard-bound to: (directory relative to the cache, simple name), sorted.
    pub hard_dependencies: Vec<(String, String)>,
    /// Its fingerprint inputs.
    pub inputs: Inputs,
    /// Fresh or dirty.
    pub freshness: Freshness,
    /// Size of the assembly (decides how many threads it gets).
    pub size: u64,
    /// The summary of the complete image found while planning (set exactly when fresh), so
    /// committing does not read and check the image directory a second time.
    fresh_summary: Option<ImageSummary>,
}

/// Counts kept next to each image (`summary.json`): the index can be rebuilt from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSummary {
    /// Image file name.
    pub image: String,
    /// Image size in bytes.
    pub size: u64,
    /// BLAKE3 of the image.
    pub blake3: String,
    /// Methods compiled.
    pub methods_compiled: usize,
    /// Methods left to the JIT.
    pub methods_excluded: usize,
}

/// The outcome of planning.
#[derive(Debug, Default)]
pub struct Plan {
    /// Every image needed, sorted by directory.
    pub images: Vec<PlannedImage>,
    /// The roots, with their image lists (complete once built).
    pub roots: Vec<RootRecord>,
    /// Roots that could not be resolved.
    pub errors: Vec<(RootKey, CacheError)>,
    /// Input files hashed (not taken from the metadata memo).
    pub files_hashed: usize,
    /// App-local files the GAC shadows (they get no image), sorted.
    pub shadowed: Vec<crate::shadow::ShadowedAssembly>,
}

impl Plan {
    /// The images that must be built.
    pub fn dirty(&self) -> impl Iterator<Item = &PlannedImage> {
        self.images
            .iter()
            .filter(|i| matches!(i.freshness, Freshness::Dirty(_)))
    }
}

/// Progress reported while building.
#[derive(Debug)]
pub enum Event<'a> {
    /// An image is about to be compiled.
    Compiling(&'a PlannedImage),
    /// An image was compiled and written.
    Compiled {
        /// The image.
        image: &'a PlannedImage,
        /// Its counts.
        summary: &'a ImageSummary,
        /// Wall time of this image, from its start to its end (other images may compile
        /// alongside, on the same cores).
        seconds: f64,
        /// CPU time of this image's compile, over every thread that worked on it.
        cpu_seconds: f64,
    },
    /// An image was installed from the remote cache instead of being compiled.
    Fetched {
        /// The image.
        image: &'a PlannedImage,
        /// Its counts.
        summary: &'a ImageSummary,
        /// Bytes downloaded.
        bytes: u64,
        /// Wall time of this image.
        seconds: f64,
    },
    /// An image failed.
    Failed {
        /// The image.
        image: &'a PlannedImage,
        /// Why.
        error: &'a CacheError,
    },
}

/// The outcome of building a plan.
#[derive(Debug, Default)]
pub struct BuildOutcome {
    /// Summaries of the images built now (compiled or fetched), by directory.
    pub built: BTreeMap<String, ImageSummary>,
    /// The directories of [`BuildOutcome::built`] that came from the remote cache.
    pub fetched: BTreeSet<String>,
    /// Images that failed, by directory.
    pub failed: BTreeMap<String, CacheError>,
}

/// A native image cache directory.
#[derive(Debug, Clone)]
pub struct Cache {
    layout: Layout,
}

/// An open cache with its exclusive lock held.
#[derive(Debug)]
pub struct LockedCache {
    cache: Cache,
    _lock: CacheLock,
    _marker: ManualMarker,
}

impl std::ops::Deref for LockedCache {
    type Target = Cache;
    fn deref(&self) -> &Cache {
        &self.cache
    }
}

impl Cache {
    /// The cache at `dir` (created lazily).
    pub fn new(dir: impl Into<PathBuf>) -> Cache {
        Cache {
            layout: Layout::new(dir),
        }
    }

    /// Its layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Reads the index (an absent index is empty).
    pub fn index(&self) -> Result<Index> {
        Index::load(&self.layout.index())
    }

    /// Takes the exclusive lock (blocking), registers as a manual command, and removes
    /// staging left behind by killed processes.
    pub fn lock(&self) -> Result<LockedCache> {
        fsutil::create_dir_all(self.layout.root())?;
        let marker = ManualMarker::register(&self.layout.local());
        let lock = CacheLock::exclusive(&self.layout.local())?;
        self.lock_acquired(lock, marker)
    }

    /// Like [`Cache::lock`] for the background service: no manual marker.
    pub fn lock_for_service(&self) -> Result<Option<LockedCache>> {
        fsutil::create_dir_all(self.layout.root())?;
        match CacheLock::try_exclusive(&self.layout.local())? {
            Some(lock) => self.lock_acquired(lock, ManualMarker::none()).map(Some),
            None => Ok(None),
        }
    }

    fn lock_acquired(&self, lock: CacheLock, marker: ManualMarker) -> Result<LockedCache> {
        crate::permissions::check_cache_tree(&self.layout)?;
        fsutil::remove_tree(&self.layout.tmp())?;
        Ok(LockedCache {
            cache: self.clone(),
            _lock: lock,
            _marker: marker,
        })
    }

    /// Whether the image directory `dir` holds a complete image with this fingerprint.
    pub fn check_image(
        &self,
        dir: &str,
        inputs: &Inputs,
        name: &str,
    ) -> std::result::Result<ImageSummary, String> {
        let abs = self.layout.abs(dir);
        if !abs.is_dir() {
            return Err("no image directory".into());
        }
        let fp = std::fs::read_to_string(abs.join("fingerprint"))
            .map_err(|_| "fingerprint file missing".to_string())?;
        if fp.trim() != inputs.short() {
            return Err("fingerprint file does not match".into());
        }
        let summary: ImageSummary = std::fs::read(abs.join("summary.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| "summary.json missing or unreadable".to_string())?;
        let image = abs.join(Layout::image_file(name));
        match std::fs::metadata(&image) {
            Ok(m) if m.len() == summary.size => {}
            Ok(_) => return Err(format!("{} has the wrong size", Layout::image_file(name))),
            Err(_) => return Err(format!("{} missing", Layout::image_file(name))),
        }
        // The runtime maps only images whose digest file matches (caches written before
        // digests existed are rebuilt once). Reading the recorded digest is cheap; hashing
        // the image again is the runtime's job.
        match ngen_image::digest::recorded_digest(&image) {
            Ok(d) if d.to_hex().as_str() == summary.blake3 => Ok(summary),
            Ok(_) => Err("the image's digest file does not match summary.json".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The inputs stored with an image directory.
    pub fn stored_inputs(&self, dir: &str) -> Option<Inputs> {
        let bytes = std::fs::read(self.layout.abs(dir).join("inputs.json")).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

impl LockedCache {
    /// Resolves `requests`, hashes inputs, computes fingerprints and decides freshness.
    /// `previous` is the index to explain changes against.
    pub fn plan(
        &self,
        requests: &[RootRequest],
        hints: &BTreeMap<String, LoadHint>,
        compiler_identity: &str,
        hasher: &FileHasher,
        previous: &Index,
    ) -> Result<Plan> {
        let memo = ClosureMemo::load(self.layout().closure_memo());
        let resolver = |s: &RootSource| memo.get_or_resolve(s, resolve::resolve);
        let plan = plan_with(
            self,
            requests,
            hints,
            compiler_identity,
            hasher,
            previous,
            &resolver,
        );
        memo.save(&self.layout().tmp());
        plan
    }

    /// Compiles the dirty images of `plan` on `jobs` threads, writing each atomically.
    pub fn build(
        &self,
        plan: &Plan,
        compiler: &dyn ImageCompiler,
        jobs: usize,
        events: &(dyn Fn(Event<'_>) + Sync),
    ) -> BuildOutcome {
        self.build_sharing(plan, compiler, None, jobs, events)
    }

    /// [`LockedCache::build`], asking `remote` for each dirty image before compiling it and
    /// offering it each image compiled here.
    pub fn build_sharing(
        &self,
        plan: &Plan,
        compiler: &dyn ImageCompiler,
        remote: Option<&RemoteCache>,
        jobs: usize,
        events: &(dyn Fn(Event<'_>) + Sync),
    ) -> BuildOutcome {
        let dirty: Vec<&PlannedImage> = plan.dirty().collect();
        let jobs = jobs.max(1);
        let one = |img: &PlannedImage| {
            let start = Instant::now();
            if let Some(fetched) = remote.and_then(|r| r.fetch(self, img)) {
                events(Event::Fetched {
                    image: img,
                    summary: &fetched.summary,
                    bytes: fetched.bytes,
                    seconds: start.elapsed().as_secs_f64(),
                });
                return (img.dir.clone(), Ok(fetched.summary), true);
            }
            events(Event::Compiling(img));
            let threads = if img.size >= 256 * 1024 { jobs } else { 1 };
            let result = self.build_one(img, compiler, threads);
            match &result {
                Ok((summary, cpu_seconds)) => events(Event::Compiled {
                    image: img,
                    summary,
                    seconds: start.elapsed().as_secs_f64(),
                    cpu_seconds: *cpu_seconds,
                }),
                Err(error) => events(Event::Failed { image: img, error }),
            }
            if let (Ok(_), Some(r)) = (&result, remote) {
                r.store(self, img);
            }
            (img.dir.clone(), result.map(|(summary, _)| summary), false)
        };
        // Plain threads, not a rayon pool: a rayon worker that waits for the compiler's own
        // method pool runs other images meanwhile, which would start more than `jobs` images
        // at once and stretch each one's wall time by the images it ran while waiting.
        // Images hard-bound to dirty images wait for them: one wave per depth.
        let mut results = Vec::new();
        for wave in hard_binding_waves(&dirty) {
            let next = AtomicUsize::new(0);
            let worker = || {
                let mut done = Vec::new();
                while let Some(img) = wave.get(next.fetch_add(1, Ordering::Relaxed)) {
                    done.push(one(img));
                }
                done
            };
            results.extend(std::thread::scope(|scope| {
                let workers: Vec<_> = (0..jobs.min(wave.len()))
                    .map(|_| scope.spawn(worker))
                    .collect();
                workers
                    .into_iter()
                    .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect::<Vec<_>>()
            }));
        }
        let mut outcome = BuildOutcome::default();
        for (dir, r, fetched) in results {
            match r {
                Ok(s) => {
                    if fetched {
                        outcome.fetched.insert(dir.clone());
                    }
                    outcome.built.insert(dir, s);
                }
                Err(e) => {
                    outcome.failed.insert(dir, e);
                }
            }
        }
        outcome
    }

    /// Compiles and installs one image: its summary and the CPU seconds its compile took.
    fn build_one(
        &self,
        img: &PlannedImage,
        compiler: &dyn ImageCompiler,
        threads: usize,
    ) -> Result<(ImageSummary, f64)> {
        let hard_dependencies: Vec<PathBuf> = img
            .hard_dependencies
            .iter()
            .map(|(dir, name)| self.layout().abs(dir).join(Layout::image_file(name)))
            .collect();
        let request = CompileRequest {
            assembly: &img.assembly_path,
            references: &img.references,
            scenario: img.scenario,
            threads,
            hard_dependencies: &hard_dependencies,
        };
        let compiled = compiler
            .compile(&request)
            .map_err(|message| CacheError::Compile {
                assembly: img.display_name.clone(),
                scenario: img.scenario.to_string(),
                message,
            })?;
        let layout = self.layout();
        let stage = layout.tmp().join(fsutil::unique_name("image"));
        fsutil::create_dir_all(&stage)?;
        let mut summary = ImageSummary {
            image: Layout::image_file(&img.name),
            size: compiled.image_bytes.len() as u64,
            blake3: String::new(),
            methods_compiled: compiled.methods_compiled,
            methods_excluded: compiled.methods_excluded,
        };
        let mut write = || -> Result<()> {
            summary.blake3 = fsutil::write_image_with_digest(
                &stage,
                &Layout::image_file(&img.name),
                &compiled.image_bytes,
            )?;
            fsutil::write_new_file(
                &stage.join(Layout::report_file(&img.name)),
                &compiled.report_json,
            )?;
            fsutil::write_new_file(&stage.join("inputs.json"), &json_bytes(&img.inputs))?;
            fsutil::write_new_file(&stage.join("summary.json"), &json_bytes(&summary))?;
            fsutil::write_new_file(
                &stage.join("fingerprint"),
                format!("{}\n", img.inputs.short()).as_bytes(),
            )?;
            self.install_staged(&stage, &img.dir)
        };
        let result = write();
        if result.is_err() {
            let _ = fsutil::remove_tree(&stage);
        }
        result.map(|()| (summary, compiled.cpu_seconds))
    }

    /// Moves a complete image directory staged in `.local/tmp` (every file written and
    /// fsynced) to its place `dir`, replacing a damaged directory of the same fingerprint:
    /// fsync the staging directory, rename, fsync the parent. Compiled and fetched images both
    /// arrive this way, so an image directory that exists is complete.
    pub fn install_staged(&self, stage: &Path, dir: &str) -> Result<()> {
        let layout = self.layout();
        fsutil::sync_dir(stage)?;
        let target = layout.abs(dir);
        let parent = target.parent().unwrap_or(layout.root());
        fsutil::create_dir_all(parent)?;
        if target.exists() {
            // A damaged directory with the same fingerprint: replace it.
            fsutil::remove_tree(&target)?;
        }
        std::fs::rename(stage, &target)
            .map_err(|e| CacheError::io("cannot rename into", &target, e))?;
        fsutil::sync_dir(parent)
    }

    /// Writes the index for `roots` (kept records plus the plan's roots), with image records
    /// for every image they need, then removes image directories nothing references.
    pub fn commit(
        &self,
        roots: Vec<RootRecord>,
        plan: &Plan,
        outcome: &BuildOutcome,
        previous: &Index,
    ) -> Result<Index> {
        let mut images: BTreeMap<String, ImageRecord> = BTreeMap::new();
        let planned: BTreeMap<&str, &PlannedImage> =
            plan.images.iter().map(|i| (i.dir.as_str(), i)).collect();
        let mut roots = roots;
        for root in &mut roots {
            root.images.retain(|dir| {
                if let Some(p) = planned.get(dir.as_str()) {
                    let summary = outcome
                        .built
                        .get(dir)
                        .cloned()
                        .or_else(|| p.fresh_summary.clone());
                    let Some(s) = summary else { return false };
                    images.entry(dir.clone()).or_insert_with(|| ImageRecord {
                        dir: dir.clone(),
                        assembly: p.display_name.clone(),
                        name: p.name.clone(),
                        scenario: p.scenario,
                        fingerprint: p.inputs.fingerprint.clone(),
                        references: 0,
                        methods_compiled: s.methods_compiled,
                        methods_excluded: s.methods_excluded,
                    });
                    true
                } else if let Some(old) = previous.image(dir) {
                    images.entry(dir.clone()).or_insert_with(|| old.clone());
                    true
                } else {
                    false
                }
            });
        }
        let mut index = Index {
            format: crate::index::FORMAT.to_string(),
            roots,
            images: images.into_values().collect(),
        };
        index.normalise();
        // A no-op build leaves the index untouched (no write, no fsync).
        let bytes = index.to_bytes();
        if std::fs::read(self.layout().index()).ok().as_deref() != Some(bytes.as_slice()) {
            fsutil::write_atomic(&self.layout().index(), &bytes, &self.layout().tmp())?;
        }
        // After a failure, keep the previous images on disk (unreferenced, removed by the next
        // successful build): a failed build must not lose anything already cached.
        if outcome.failed.is_empty() {
            self.collect_garbage(&index)?;
        }
        Ok(index)
    }

    /// Removes image directories the index does not reference (and empty parents).
    pub fn collect_garbage(&self, index: &Index) -> Result<()> {
        let keep: BTreeSet<&str> = index.images.iter().map(|i| i.dir.as_str()).collect();
        for scenario in Scenario::ALL {
            let sdir = self.layout().scenario_dir(scenario);
            for name in read_dirs(&sdir) {
                for version in read_dirs(&name) {
                    for fp in read_dirs(&version) {
                        let rel = fp
                            .strip_prefix(self.layout().root())
                            .map(|p| p.to_string_lossy().replace('\\', "/"))
                            .unwrap_or_default();
                        if !keep.contains(rel.as_str()) {
                            fsutil::remove_tree(&fp)?;
                        }
                    }
                    let _ = std::fs::remove_dir(&version);
                }
                let _ = std::fs::remove_dir(&name);
            }
            let _ = std::fs::remove_dir(&sdir);
        }
        Ok(())
    }
}

/// The subdirectories of `dir`, sorted (none when it cannot be read).
pub(crate) fn read_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Pretty JSON with a trailing newline: the canonical form of every JSON file in the cache.
pub fn json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(value).unwrap_or_default();
    v.push(b'\n');
    v
}

/// `dirty` in waves: an image comes in the wave after the last of the dirty images it is
/// hard-bound to (whose image files it links against), so each wave can compile in parallel.
fn hard_binding_waves<'p>(dirty: &[&'p PlannedImage]) -> Vec<Vec<&'p PlannedImage>> {
    let position: BTreeMap<&str, usize> = dirty
        .iter()
        .enumerate()
        .map(|(i, img)| (img.dir.as_str(), i))
        .collect();
    let mut depth: Vec<Option<usize>> = vec![None; dirty.len()];
    // Hard edges within a plan are acyclic (`hard_edges` breaks cycles), so this terminates;
    // the pass bound guards against a malformed plan all the same.
    for _ in 0..=dirty.len() {
        let mut changed = false;
        for (i, img) in dirty.iter().enumerate() {
            if depth[i].is_some() {
                continue;
            }
            let deps: Option<Vec<usize>> = img
                .hard_dependencies
                .iter()
                .filter_map(|(dir, _)| position.get(dir.as_str()))
                .map(|&d| depth[d])
                .collect();
            if let Some(deps) = deps {
                depth[i] = Some(deps.into_iter().map(|d| d + 1).max().unwrap_or(0));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut waves: Vec<Vec<&PlannedImage>> = Vec::new();
    for (img, d) in dirty.iter().zip(depth) {
        let d = d.unwrap_or(0);
        if waves.len() <= d {
            waves.resize_with(d + 1, Vec::new);
        }
        waves[d].push(img);
    }
    waves
}

type Resolver<'a> = dyn Fn(&RootSource) -> Result<Closure> + Sync + 'a;

/// [`LockedCache::plan`] with an injectable resolver (tests use hand-made closures).
pub fn plan_with(
    cache: &Cache,
    requests: &[RootRequest],
    hints: &BTreeMap<String, LoadHint>,
    compiler_identity: &str,
    hasher: &FileHasher,
    previous: &Index,
    resolver: &Resolver<'_>,
) -> Result<Plan> {
    let before = hasher.files_hashed();
    // Resolve each distinct source once (roots in several scenarios share a closure).
    let mut sources: Vec<&RootSource> = Vec::new();
    for r in requests {
        if !sources.contains(&&r.source) {
            sources.push(&r.source);
        }
    }
    let closures: Vec<Result<Closure>> = map_in_parallel_if_several(sources.clone(), resolver);
    // Hash every distinct file once, in parallel.
    let files: BTreeSet<PathBuf> = closures
        .iter()
        .flatten()
        .flat_map(|c| c.assemblies.values().map(|a| a.path.clone()))
        .collect();
    // Memo hits need only a stat; hash the rest in parallel when there are several.
    let mut hashed: BTreeMap<PathBuf, ContentHash> = BTreeMap::new();
    let mut misses = Vec::new();
    for p in files {
        match hasher.memoised(&p) {
            Some(h) => {
                hashed.insert(p, h);
            }
            None => misses.push(p),
        }
    }
    let fresh: Vec<(PathBuf, ContentHash)> =
        map_in_parallel_if_several(misses, |p| hasher.hash(&p).map(|h| (p, h)))
            .into_iter()
            .collect::<Result<_>>()?;
    hashed.extend(fresh);

    let mut plan = Plan::default();
    let mut images: BTreeMap<String, PlannedImage> = BTreeMap::new();
    for request in requests {
        let idx = sources
            .iter()
            .position(|s| **s == request.source)
            .unwrap_or(0);
        let closure = match closures.get(idx) {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                plan.errors.push((request.key.clone(), clone_error(e)));
                continue;
            }
            None => continue,
        };
        plan.shadowed
            .extend(crate::shadow::gac_shadowed(closure, &request.source));
        let by_name: BTreeMap<String, ContentHash> = closure
            .assemblies
            .values()
            .filter_map(|a| {
                hashed
                    .get(&a.path)
                    .map(|h| (a.display_name.clone(), h.clone()))
            })
            .collect();
        let mut record = RootRecord {
            key: request.key.clone(),
            dependencies: request.dependencies,
            compile_framework: request.compile_framework,
            assembly: closure.root.clone(),
            closure: closure.assemblies.keys().cloned().collect(),
            images: Vec::new(),
        };
        let has_image = |node: &AssemblyNode| {
            node.display_name == closure.root
                || (request.dependencies && (!node.framework || request.compile_framework))
        };
        let cx = FingerprintContext {
            hashes: &by_name,
            hints,
            scenario: request.key.scenario,
            compiler: compiler_identity,
        };
        let mut memo = BTreeMap::new();
        let dir_of = |node: &AssemblyNode, inputs: &Inputs| {
            Layout::image_rel_dir(
                request.key.scenario,
                &node.name,
                &node.version,
                inputs.short(),
            )
        };
        for (key, node) in &closure.assemblies {
            if !has_image(node) {
                continue;
            }
            let Some(ImageInputs { inputs, hard }) =
                image_inputs(closure, key, &cx, &has_image, &mut memo)
            else {
                continue;
            };
            let hard_dependencies: Vec<(String, String)> = hard
                .iter()
                .filter_map(|dep| {
                    let dep_node = closure.assemblies.get(dep)?;
                    let dep_inputs = memo.get(dep)?.as_ref()?;
                    Some((dir_of(dep_node, &dep_inputs.inputs), dep_node.name.clone()))
                })
                .collect();
            let dir = dir_of(node, &inputs);
            record.images.push(dir.clone());
            if images.contains_key(&dir) {
                continue;
            }
            let references = closure
                .assemblies
                .values()
                .filter(|a| a.display_name != *key)
                .map(|a| a.path.clone())
                .collect();
            let checked = cache
                .check_image(&dir, &inputs, &node.name)
                .and_then(|s| verify_image_content(cache, &dir, &node.name, s, hasher));
            let (freshness, fresh_summary) = match checked {
                Ok(summary) => (Freshness::Fresh, Some(summary)),
                Err(problem) => (
                    Freshness::Dirty(explain(
                        cache,
                        previous,
                        &inputs,
                        &node.display_name,
                        &node.name,
                        request.key.scenario,
                        problem,
                    )),
                    None,
                ),
            };
            images.insert(
                dir.clone(),
                PlannedImage {
                    dir,
                    scenario: request.key.scenario,
                    name: node.name.clone(),
                    display_name: node.display_name.clone(),
                    assembly_path: node.path.clone(),
                    references,
                    hard_dependencies,
                    size: hashed.get(&node.path).map(|h| h.size).unwrap_or(0),
                    inputs,
                    freshness,
                    fresh_summary,
                },
            );
        }
        plan.roots.push(record);
    }
    plan.images = images.into_values().collect();
    plan.files_hashed = hasher.files_hashed() - before;
    plan.shadowed.sort();
    plan.shadowed.dedup();
    Ok(plan)
}

/// Whether the image's bytes still have the digest recorded when it was written: a modified
/// image is rebuilt, as the runtime would refuse it. The hash is memoised like the inputs'
/// (on size, mtime, ctime, inode and device), so a no-op build only stats the image.
fn verify_image_content(
    cache: &Cache,
    dir: &str,
    name: &str,
    summary: ImageSummary,
    hasher: &FileHasher,
) -> std::result::Result<ImageSummary, String> {
    let file = Layout::image_file(name);
    match hasher.hash(&cache.layout().abs(dir).join(&file)) {
        Ok(h) if h.blake3 == summary.blake3 => Ok(summary),
        Ok(h) => Err(format!(
            "{file} was modified: its BLAKE3 is {}, {} was recorded",
            h.blake3, summary.blake3
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// `f` over `items`, results in order: on the rayon pool when there are several, inline for
/// one (planning small work sequentially is cheaper than waking the pool).
fn map_in_parallel_if_several<T: Send, R: Send>(
    items: Vec<T>,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    if items.len() > 1 {
        items.into_par_iter().map(f).collect()
    } else {
        items.into_iter().map(f).collect()
    }
}

/// Why the image with `inputs` is dirty: compare with the previous image of the same
/// assembly and scenario (from the previous index), like Cargo's "Dirty … because".
fn explain(
    cache: &Cache,
    previous: &Index,
    inputs: &Inputs,
    display_name: &str,
    name: &str,
    scenario: Scenario,
    problem: String,
) -> Vec<DirtyReason> {
    let candidates: Vec<&ImageRecord> = previous
        .images
        .iter()
        .filter(|i| i.scenario == scenario && i.name.eq_ignore_ascii_case(name))
        .collect();
    let best = candidates
        .iter()
        .find(|i| i.assembly == display_name)
        .or_else(|| candidates.first());
    match best.and_then(|i| cache.stored_inputs(&i.dir)) {
        Some(old) if old.fingerprint == inputs.fingerprint => {
            vec![DirtyReason::ImageMissing { detail: problem }]
        }
        Some(old) => fingerprint::diff(&old, inputs),
        None => vec![DirtyReason::NeverBuilt],
    }
}

fn clone_error(e: &CacheError) -> CacheError {
    match e {
        CacheError::Resolve { root, message } => CacheError::Resolve {
            root: root.clone(),
            message: message.clone(),
        },
        other => CacheError::Usage(other.to_string()),
    }
}
