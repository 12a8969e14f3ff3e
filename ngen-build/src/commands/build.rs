//! `ngen-build build`: rebuild every invalid image named by ngen.toml, in parallel, into the
//! manifest's deterministic cache.
//!
//! Also home of what the build-tool commands share (explain, package, install, update and the
//! queue use it): finding and loading the manifest with exit code 2 on errors, the adapter
//! from ngen-cache's `ImageCompiler` to `ngen_compiler::aot`, and [`execute`], which plans,
//! builds, commits and reports. The helpers every command shares (usage errors, assembly
//! arguments, stdout) are in [`super::support`]; the remote cache's flags, warnings and
//! statistics are in [`super::cache`].

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use super::coverage::MethodTotals;
use ngen_cache::engine::{Freshness, ImageSummary};
use ngen_cache::filehash::FileHasher;
use ngen_cache::resolve::{RootAssemblySource, RootSource};
use ngen_cache::{
    CacheError, CompileRequest, CompiledImage, Event, ImageCompiler, Index, LockedCache,
    RemoteCache, RootKey, RootRecord, RootRequest,
};
use ngen_manifest::{LoadHint, Project, RootAssembly, Scenario};

use super::cache::{self as remote_cli, RemoteArgs};
use super::diagnostic_json::diagnostic_json;
use super::msbuild_format;
use super::support::usage_error;

#[derive(clap::Args)]
pub struct Args {
    /// Path of ngen.toml (default: the nearest ngen.toml in this directory or a parent).
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Compile at most N images at once (default: `jobs` in ngen.toml, else one per CPU).
    #[arg(short = 'j', long, value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Build only these scenarios (repeatable): default, debug, profile, debug+profile.
    /// Default: every scenario ngen.toml lists.
    #[arg(long = "scenario", value_name = "S", value_parser = parse_scenario)]
    pub scenarios: Vec<Scenario>,
    /// Output format: human lines on stderr, or one JSON object per line on stdout.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// Also say why each image is fresh or dirty.
    #[arg(short, long)]
    pub verbose: bool,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// How results are reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MessageFormat {
    /// Lines for people, on stderr.
    Human,
    /// JSON lines with a `reason` field, on stdout (Cargo style).
    Json,
    /// Lines for people, with errors as MSBuild's canonical `file(line,col): error NGENnnnn:
    /// message` (what `msbuild-task/NgenBuild.targets` passes).
    Msbuild,
}

impl MessageFormat {
    /// Human lines on stderr (plain or with MSBuild's error form).
    pub(crate) fn is_text(self) -> bool {
        self != MessageFormat::Json
    }
}

/// `-j N`: a positive number, as `jobs` in ngen.toml must be.
pub(crate) fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1 (omit -j for one job per CPU)".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("not a number: {e}")),
    }
}

pub(crate) fn parse_scenario(s: &str) -> Result<Scenario, String> {
    s.parse()
}

/// The nearest `ngen.toml` at or above the current directory.
pub(crate) fn find_manifest(given: Option<&Path>) -> miette::Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    let cwd = std::env::current_dir()
        .map_err(|e| miette::miette!("cannot read the current directory: {e}"))?;
    for dir in cwd.ancestors() {
        let candidate = dir.join("ngen.toml");
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(miette::miette!(
        code = "ngen::manifest::not_found",
        help = "run `ngen-build init <publish folder>` to write one, or pass --manifest-path",
        "no ngen.toml in {} or any parent directory",
        cwd.display()
    ))
}

/// Loads the manifest; on errors (none found, unreadable, invalid) prints every diagnostic
/// and returns exit code 2.
pub(crate) fn load_project(given: Option<&Path>) -> miette::Result<Result<Project, ExitCode>> {
    load_project_as(given, MessageFormat::Human)
}

/// [`load_project`], reporting each manifest diagnostic as a JSON message on stdout with
/// `--message-format json`.
pub(crate) fn load_project_as(
    given: Option<&Path>,
    format: MessageFormat,
) -> miette::Result<Result<Project, ExitCode>> {
    let emit = |diagnostic: &dyn miette::Diagnostic, human: &dyn Fn()| match format {
        MessageFormat::Human => human(),
        MessageFormat::Json => json_line(&diagnostic_json("manifest-error", diagnostic)),
        MessageFormat::Msbuild => msbuild_format::print_diagnostic(diagnostic),
    };
    let path = match find_manifest(given) {
        Ok(p) => p,
        Err(report) => {
            emit(report.as_ref(), &|| eprintln!("{report:?}"));
            return Ok(Err(ExitCode::from(2)));
        }
    };
    match ngen_manifest::load(&path) {
        Ok(p) => Ok(Ok(p)),
        Err(err) => {
            for d in err.diagnostics {
                let report = miette::Report::new(d);
                emit(report.as_ref(), &|| eprintln!("{report:?}"));
            }
            Ok(Err(ExitCode::from(2)))
        }
    }
}

/// A cache error as a miette report.
pub(crate) fn report(e: CacheError) -> miette::Report {
    match &e {
        CacheError::Io { path, .. } => miette::miette!(
            code = "ngen::cache::io",
            help = format!(
                "check that {} can be created and written; choose another cache with \
                 `cache-dir` in ngen.toml (build) or --cache-dir / $NGEN_CACHE (Ngen's actions)",
                path.display()
            ),
            "{e}"
        ),
        CacheError::Corrupt { .. } => miette::miette!(
            code = "ngen::cache::corrupt",
            help = "delete the cache directory and build again; images are rebuilt from the assemblies",
            "{e}"
        ),
        _ => miette::miette!("{e}"),
    }
}

/// ngen-cache's compiler seam implemented with the Cranelift AOT compiler.
///
/// Its identity is the compiler's name, version and codegen settings plus the identity of this
/// executable (the compiler is linked into it): its GNU build-id (the linker's hash of the
/// output), else the BLAKE3 of the file from the file-hash memo. A rebuilt compiler of the same
/// version still invalidates every image, so stale images cannot survive a toolchain change
/// (the complaint of dotnet/sdk#55891 about crossgen).
pub(crate) struct AotCompiler {
    identity: String,
    /// What each framework assembly's image holds of its own generics, computed once for all
    /// the images this build compiles (System, System.Core and System.Xml all ask mscorlib's).
    instance_plans: ngen_compiler::aot::InstancePlans,
}

impl AotCompiler {
    pub(crate) fn new(hasher: &FileHasher) -> AotCompiler {
        let id = ngen_compiler::compiler_identity();
        let exe_path = std::env::current_exe().ok();
        let exe = exe_path
            .as_deref()
            .and_then(gnu_build_id)
            .or_else(|| {
                exe_path
                    .as_deref()
                    .and_then(|p| hasher.hash(p).ok())
                    .map(|h| h.blake3.get(..16).unwrap_or_default().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        AotCompiler {
            identity: format!(
                "{} {} [{}] image-format {} build {exe}",
                id.name,
                id.version,
                id.codegen,
                ngen_abi::IMAGE_FORMAT_VERSION
            ),
            instance_plans: Default::default(),
        }
    }
}

/// The linker's GNU build-id of an ELF64 little-endian executable (a hash of its contents that
/// `ld` writes into a `PT_NOTE`), read without loading the whole file. `None` if absent.
fn gnu_build_id(path: &Path) -> Option<String> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(path).ok()?;
    let read = |offset: u64, len: usize| -> Option<Vec<u8>> {
        let mut buf = vec![0u8; len];
        file.read_exact_at(&mut buf, offset).ok()?;
        Some(buf)
    };
    let u16_at = |b: &[u8], o: usize| Some(u16::from_le_bytes(b.get(o..o + 2)?.try_into().ok()?));
    let u32_at = |b: &[u8], o: usize| Some(u32::from_le_bytes(b.get(o..o + 4)?.try_into().ok()?));
    let u64_at = |b: &[u8], o: usize| Some(u64::from_le_bytes(b.get(o..o + 8)?.try_into().ok()?));
    let header = read(0, 64)?;
    if header.get(..4)? != b"\x7fELF" || header.get(4)? != &2 || header.get(5)? != &1 {
        return None;
    }
    let (phoff, phentsize, phnum) = (
        u64_at(&header, 32)?,
        u16_at(&header, 54)?,
        u16_at(&header, 56)?,
    );
    let phdrs = read(phoff, usize::from(phentsize) * usize::from(phnum))?;
    for i in 0..usize::from(phnum) {
        let ph = phdrs.get(i * usize::from(phentsize)..)?;
        if u32_at(ph, 0)? != 4 {
            continue; // not PT_NOTE
        }
        let (offset, size) = (u64_at(ph, 8)?, u64_at(ph, 32)?);
        let notes = read(
            offset,
            usize::try_from(size).ok().filter(|s| *s <= 1 << 16)?,
        )?;
        let mut at = 0usize;
        while at + 12 <= notes.len() {
            let (namesz, descsz, kind) = (
                u32_at(&notes, at)? as usize,
                u32_at(&notes, at + 4)? as usize,
                u32_at(&notes, at + 8)?,
            );
            let name_at = at + 12;
            let desc_at = name_at + namesz.div_ceil(4) * 4;
            if kind == 3 && notes.get(name_at..name_at + namesz)? == b"GNU\0" {
                let desc = notes.get(desc_at..desc_at + descsz)?;
                return Some(desc.iter().map(|b| format!("{b:02x}")).collect());
            }
            at = desc_at + descsz.div_ceil(4) * 4;
        }
    }
    None
}

impl ImageCompiler for AotCompiler {
    fn identity(&self) -> String {
        self.identity.clone()
    }

    fn compile(&self, req: &CompileRequest<'_>) -> Result<CompiledImage, String> {
        let request = ngen_compiler::aot::ImageRequest {
            assembly: req.assembly.to_path_buf(),
            references: req.references.to_vec(),
            scenario: ngen_abi::Scenario {
                debug: req.scenario.debug(),
                profile: req.scenario.profile(),
            },
            threads: req.threads,
            hard_dependencies: req.hard_dependencies.to_vec(),
            instance_plans: self.instance_plans.clone(),
        };
        let built = ngen_compiler::aot::build_image(&request).map_err(|e| e.to_string())?;
        let mut report_json =
            serde_json::to_vec_pretty(&built.report).map_err(|e| e.to_string())?;
        report_json.push(b'\n');
        Ok(CompiledImage {
            image_bytes: built.image_bytes,
            report_json,
            methods_compiled: built.methods_compiled,
            methods_excluded: built.methods_excluded,
            cpu_seconds: built.cpu_seconds,
        })
    }
}

/// Reporting options shared by every command that builds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Output {
    pub format: MessageFormat,
    pub verbose: bool,
    /// Suppress success lines (Ngen's `/silent`).
    pub silent: bool,
    /// Whether the images come from a manifest, which `ngen-build explain` reads (Ngen's
    /// actions have none: their summary names the report files instead).
    pub manifest: bool,
}

/// What [`execute`] did.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    pub compiled: usize,
    pub fetched: usize,
    pub fresh: usize,
    pub failed: usize,
    pub unresolved: usize,
    pub index: Index,
}

impl Summary {
    pub fn success(&self) -> bool {
        self.failed == 0 && self.unresolved == 0
    }
}

/// Plans `requests`, compiles what is dirty, and commits `kept` plus the requested roots.
pub(crate) fn execute(
    cache: &LockedCache,
    kept: Vec<RootRecord>,
    requests: &[RootRequest],
    hints: &BTreeMap<String, LoadHint>,
    jobs: usize,
    out: Output,
) -> Result<Summary, CacheError> {
    execute_sharing(cache, kept, requests, hints, jobs, out, None)
}

/// [`execute`], asking `remote` for each dirty image before compiling it (and uploading what
/// was compiled when its settings say so).
pub(crate) fn execute_sharing(
    cache: &LockedCache,
    kept: Vec<RootRecord>,
    requests: &[RootRequest],
    hints: &BTreeMap<String, LoadHint>,
    jobs: usize,
    out: Output,
    remote: Option<&RemoteCache>,
) -> Result<Summary, CacheError> {
    let start = Instant::now();
    let cpu_start = ngen_compiler::cpu_time::process_cpu_seconds();
    let layout = cache.layout().clone();
    let hasher = FileHasher::with_memo(layout.file_hashes());
    let compiler = AotCompiler::new(&hasher);
    let identity = compiler.identity();
    let previous = cache.index()?;
    let plan = cache.plan(requests, hints, &identity, &hasher, &previous)?;
    let mut summary = Summary::default();
    let mut kept = kept;

    for (key, error) in &plan.errors {
        summary.unresolved += 1;
        emit_error(
            out,
            "NGEN2001",
            &format!("{} ({})", key.root, key.scenario),
            &error.to_string(),
        );
        if out.format.is_text() {
            // A manifest's root is relative to the manifest: name it only if it works from here.
            let lower = key.root.to_ascii_lowercase();
            let looks_like_path =
                key.root.contains('/') || lower.ends_with(".exe") || lower.ends_with(".dll");
            let arg = if !looks_like_path || Path::new(&key.root).exists() {
                key.root.as_str()
            } else {
                "<root>"
            };
            eprintln!(
                "  help: `ngen-build deps {arg} -v` shows every binding decision and each path probed"
            );
        }
        // Keep what was installed before for a root that no longer resolves (update).
        if let Some(old) = previous.roots.iter().find(|r| r.key == *key) {
            kept.push(old.clone());
        }
    }
    for shadowed in &plan.shadowed {
        match out.format {
            MessageFormat::Human => eprintln!("warning: {shadowed}"),
            MessageFormat::Msbuild => msbuild_format::print_warning(
                &shadowed.local.display().to_string(),
                "NGEN3001",
                &shadowed.to_string(),
            ),
            MessageFormat::Json => json_line(&serde_json::json!({
                "reason": "shadowed-assembly",
                "assembly": shadowed.display_name,
                "local": shadowed.local,
                "bound": shadowed.bound,
                "message": shadowed.to_string(),
            })),
        }
    }
    for img in &plan.images {
        match &img.freshness {
            Freshness::Fresh => {
                summary.fresh += 1;
                if out.verbose && out.format.is_text() {
                    eprintln!("       Fresh {} ({})", img.name, img.scenario);
                }
                if out.format == MessageFormat::Json {
                    let s = cache.check_image(&img.dir, &img.inputs, &img.name).ok();
                    json_line(&artifact_json(cache, img, true, false, s.as_ref(), &[]));
                }
            }
            Freshness::Dirty(reasons) => {
                if out.verbose && out.format.is_text() {
                    let first = reasons.first().map(|r| r.to_string()).unwrap_or_default();
                    eprintln!("       Dirty {} ({}): {first}", img.name, img.scenario);
                    for r in reasons.iter().skip(1) {
                        eprintln!("             also: {r}");
                    }
                }
            }
        }
    }

    let dirty_count = plan.dirty().count();
    let bar =
        (out.format.is_text() && !out.silent && std::io::stderr().is_terminal() && dirty_count > 0)
            .then(|| {
                let bar = indicatif::ProgressBar::new(dirty_count as u64);
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "    Building [{bar:30}] {pos}/{len} {msg}",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar
            });
    // Also the images being compiled now, which the bar names (not just the last one started).
    let print_lock: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());
    let on_event = |event: Event<'_>| {
        // A panic elsewhere must not silence the remaining lines.
        let mut in_flight = print_lock.lock().unwrap_or_else(|e| e.into_inner());
        let (started, done) = match &event {
            Event::Compiling(img) => (Some(img.name.as_str()), None),
            Event::Compiled { image, .. }
            | Event::Fetched { image, .. }
            | Event::Failed { image, .. } => (None, Some(image.name.as_str())),
        };
        if let Some(name) = started {
            *in_flight.entry(name.to_string()).or_default() += 1;
        }
        if let Some(name) = done
            && let Some(n) = in_flight.get_mut(name)
        {
            *n -= 1;
            if *n == 0 {
                in_flight.remove(name);
            }
        }
        if let Some(b) = &bar {
            b.set_message(in_flight_message(&in_flight));
        }
        match event {
            Event::Compiling(_) => {}
            Event::Compiled {
                image,
                summary,
                seconds,
                cpu_seconds,
            } => {
                // Wall time from this image's start to its end, and the CPU its compile used:
                // with images side by side the first includes waiting for cores.
                let line = format!(
                    "    Compiled {}: {}/{} methods in {seconds:.2}s, CPU {cpu_seconds:.2}s",
                    image_label(image),
                    thousands(summary.methods_compiled),
                    thousands(summary.methods_compiled + summary.methods_excluded)
                );
                report_built(out, &bar, cache, image, summary, false, line);
            }
            Event::Fetched {
                image,
                summary,
                bytes,
                seconds,
            } => {
                let line = format!(
                    "     Fetched {}: {}/{} methods, {} in {seconds:.2}s",
                    image_label(image),
                    thousands(summary.methods_compiled),
                    thousands(summary.methods_compiled + summary.methods_excluded),
                    remote_cli::bytes(bytes)
                );
                report_built(out, &bar, cache, image, summary, true, line);
            }
            Event::Failed { image, error } => {
                if let Some(b) = &bar {
                    b.inc(1);
                }
                emit_error(
                    out,
                    "NGEN2002",
                    &format!("{} ({})", image.display_name, image.scenario),
                    &error.to_string(),
                );
            }
        }
    };
    let outcome = cache.build_sharing(&plan, &compiler, remote, jobs, &on_event);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    summary.fetched = outcome.fetched.len();
    summary.compiled = outcome.built.len() - summary.fetched;
    summary.failed = outcome.failed.len();

    let mut roots = kept;
    roots.extend(plan.roots.iter().cloned());
    summary.index = cache.commit(roots, &plan, &outcome, &previous)?;
    hasher.save(&layout.tmp());

    let elapsed = start.elapsed().as_secs_f64();
    let cpu = ngen_compiler::cpu_time::process_cpu_seconds() - cpu_start;
    let biggest = outcome
        .built
        .iter()
        .filter(|(dir, _)| !outcome.fetched.contains(*dir))
        .max_by_key(|(_, s)| (s.methods_compiled + s.methods_excluded, s.size))
        .and_then(|(dir, s)| plan.images.iter().find(|i| &i.dir == dir).map(|i| (i, s)));
    let mut methods = MethodTotals::default();
    for (dir, s) in &outcome.built {
        if let Some(img) = plan.images.iter().find(|i| &i.dir == dir) {
            methods.add(&img.name, s.methods_compiled, s.methods_excluded);
        }
    }
    match out.format {
        MessageFormat::Human | MessageFormat::Msbuild if !out.silent || !summary.success() => {
            let detail = biggest
                .map(|(i, s)| {
                    format!(
                        " ({} {}/{} methods)",
                        i.name,
                        thousands(s.methods_compiled),
                        thousands(s.methods_compiled + s.methods_excluded)
                    )
                })
                .unwrap_or_default();
            let mut failed = if summary.failed > 0 {
                format!(", {} failed", summary.failed)
            } else {
                String::new()
            };
            if summary.unresolved > 0 {
                failed.push_str(&format!(
                    ", {} root{} unresolved",
                    summary.unresolved,
                    if summary.unresolved == 1 { "" } else { "s" }
                ));
            }
            let fetched = if summary.fetched > 0 {
                format!(", fetched {}", summary.fetched)
            } else {
                String::new()
            };
            if let (Some(line), false) = (methods.line(out.manifest), out.silent) {
                eprintln!("    Coverage {line}");
            }
            eprintln!(
                "Compiled {} image{}{detail}{fetched}, {} fresh{failed}, in {elapsed:.2}s (CPU {cpu:.2}s)",
                summary.compiled,
                if summary.compiled == 1 { "" } else { "s" },
                summary.fresh
            );
            if let (Some(r), true) = (remote, out.verbose) {
                eprintln!(
                    "      Remote {}: {}",
                    r.url(),
                    remote_cli::describe(&r.stats())
                );
            }
            if !summary.success() {
                let counts = failure_counts(&summary, plan.images.len());
                if out.format == MessageFormat::Msbuild {
                    msbuild_format::ensure_error_printed(&format!("build failed: {counts}"));
                } else {
                    // Last, so `tail -1` and `grep error` tell a failed build at once.
                    eprintln!("error: build failed: {counts}");
                }
            }
        }
        MessageFormat::Json => json_line(&serde_json::json!({
            "reason": "build-finished",
            "success": summary.success(),
            "compiled": summary.compiled,
            "fetched": summary.fetched,
            "fresh": summary.fresh,
            "failed": summary.failed + summary.unresolved,
            "methods_compiled": methods.compiled,
            "methods_excluded": methods.excluded,
            "seconds": (elapsed * 1000.0).round() / 1000.0,
            "cpu_seconds": (cpu * 1000.0).round() / 1000.0,
        })),
        _ => {}
    }
    Ok(summary)
}

/// The progress bar's message: the images being compiled, sorted (`App, Lib and 2 more`).
fn in_flight_message(in_flight: &BTreeMap<String, usize>) -> String {
    const SHOWN: usize = 3;
    let names: Vec<&str> = in_flight.keys().map(String::as_str).collect();
    match names.len() {
        n if n <= SHOWN => names.join(", "),
        n => format!("{} and {} more", names[..SHOWN].join(", "), n - SHOWN),
    }
}

/// `2 of 5 images failed`, then `, 1 root unresolved` when roots did not resolve.
fn failure_counts(summary: &Summary, images: usize) -> String {
    let mut text = format!("{} of {images} images failed", summary.failed);
    if summary.unresolved > 0 {
        text.push_str(&format!(
            ", {} root{} unresolved",
            summary.unresolved,
            if summary.unresolved == 1 { "" } else { "s" }
        ));
    }
    text
}

/// `Lib v1.0.0.0 (default)`.
fn image_label(image: &ngen_cache::PlannedImage) -> String {
    let version = image
        .inputs
        .assembly
        .display_name
        .split("Version=")
        .nth(1)
        .and_then(|v| v.split(',').next())
        .unwrap_or("?");
    format!("{} v{version} ({})", image.name, image.scenario)
}

/// Reports an image compiled or fetched now: its `line` for people (above the progress bar
/// when there is one), or its `native-image` JSON message.
fn report_built(
    out: Output,
    bar: &Option<indicatif::ProgressBar>,
    cache: &LockedCache,
    image: &ngen_cache::PlannedImage,
    summary: &ImageSummary,
    fetched: bool,
    line: String,
) {
    match (bar, out.format) {
        (_, MessageFormat::Json) => {
            let reasons: Vec<String> = match &image.freshness {
                Freshness::Dirty(r) => r.iter().map(|r| r.to_string()).collect(),
                Freshness::Fresh => Vec::new(),
            };
            json_line(&artifact_json(
                cache,
                image,
                false,
                fetched,
                Some(summary),
                &reasons,
            ));
        }
        (Some(b), _) => {
            b.println(line);
            b.inc(1);
        }
        (None, _) if !out.silent => eprintln!("{line}"),
        _ => {}
    }
}

fn artifact_json(
    cache: &LockedCache,
    img: &ngen_cache::PlannedImage,
    fresh: bool,
    fetched: bool,
    summary: Option<&ImageSummary>,
    reasons: &[String],
) -> serde_json::Value {
    let dir = cache.layout().abs(&img.dir);
    serde_json::json!({
        "reason": "native-image",
        "assembly": img.display_name,
        "name": img.name,
        "scenario": img.scenario,
        "fresh": fresh,
        "fetched": fetched,
        "image": dir.join(ngen_cache::Layout::image_file(&img.name)),
        "dir": img.dir,
        "fingerprint": img.inputs.fingerprint,
        "methods_compiled": summary.map(|s| s.methods_compiled),
        "methods_excluded": summary.map(|s| s.methods_excluded),
        "dirty_reasons": reasons,
    })
}

/// An image or root that failed; `code` is its NGEN code in the MSBuild format.
fn emit_error(out: Output, code: &str, what: &str, message: &str) {
    match out.format {
        MessageFormat::Json => json_line(&serde_json::json!({
            "reason": "image-failed", "what": what, "message": message,
        })),
        MessageFormat::Human => eprintln!("error: {what}: {message}"),
        MessageFormat::Msbuild => {
            msbuild_format::print_tool_error(code, &format!("{what}: {message}"))
        }
    }
}

pub(crate) fn json_line(v: &serde_json::Value) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{v}");
}

/// 23871 → "23,871".
pub(crate) fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How the index names a path: relative to the manifest directory when inside it.
pub(crate) fn label(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|_| path.to_string_lossy().into_owned())
}

/// The root requests of a manifest, optionally limited to some scenarios.
pub(crate) fn manifest_requests(project: &Project, only: &[Scenario]) -> Vec<RootRequest> {
    let mut out = Vec::new();
    for root in &project.roots {
        for &scenario in &root.scenarios {
            if !only.is_empty() && !only.contains(&scenario) {
                continue;
            }
            out.push(RootRequest {
                key: RootKey {
                    root: root.label.clone(),
                    scenario,
                    exe_config: root
                        .exe_config
                        .as_deref()
                        .map(|p| label(p, &project.manifest_dir)),
                    app_base: root
                        .app_base
                        .as_deref()
                        .map(|p| label(p, &project.manifest_dir)),
                },
                source: RootSource {
                    assembly: match &root.assembly {
                        RootAssembly::Path(p) => RootAssemblySource::Path(p.clone()),
                        RootAssembly::Name(n) => RootAssemblySource::Name(n.clone()),
                    },
                    exe_config: root.exe_config.clone(),
                    app_base: root.app_base.clone(),
                    framework_dir: project.framework_dir.clone(),
                    gac_dirs: project.gac_dirs.clone(),
                },
                dependencies: root.dependencies,
                compile_framework: project.compile_framework,
            });
        }
    }
    out
}

/// `--scenario S` must name a scenario some root of the manifest is built for; otherwise the
/// command would silently do nothing. Prints a usage error (exit 2) when none matches.
pub(crate) fn check_scenarios(project: &Project, only: &[Scenario]) -> Result<(), ExitCode> {
    if only.is_empty() || !manifest_requests(project, only).is_empty() {
        return Ok(());
    }
    let mut listed: Vec<String> = Vec::new();
    for s in project.roots.iter().flat_map(|r| r.scenarios.iter()) {
        let s = s.to_string();
        if !listed.contains(&s) {
            listed.push(s);
        }
    }
    let asked: Vec<String> = only.iter().map(|s| s.to_string()).collect();
    Err(usage_error(miette::miette!(
        code = "ngen::usage::scenario",
        help = format!(
            "its roots are built for: {}; add the scenario to `scenarios` in ngen.toml to build it",
            listed.join(", ")
        ),
        "no root of {} is built for scenario {}",
        project.manifest_path.display(),
        asked.join(" or ")
    )))
}

/// Default parallelism: one job per CPU.
pub(crate) fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// A build that stops early (manifest or usage error, or a cache that cannot be written):
/// with JSON output, tools still get `build-finished` as the last line; in the MSBuild format,
/// the engine gets at least one canonical error.
fn finish_early(format: MessageFormat, code: ExitCode) -> ExitCode {
    match format {
        MessageFormat::Json => json_line(&serde_json::json!({
            "reason": "build-finished", "success": false,
            "compiled": 0, "fetched": 0, "fresh": 0, "failed": 0, "seconds": 0.0,
            "methods_compiled": 0, "methods_excluded": 0,
        })),
        MessageFormat::Msbuild => {
            msbuild_format::ensure_error_printed("build failed before compiling anything")
        }
        MessageFormat::Human => {}
    }
    code
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let project = match load_project_as(args.manifest_path.as_deref(), args.message_format)? {
        Ok(p) => p,
        Err(code) => return Ok(finish_early(args.message_format, code)),
    };
    let jobs = args
        .jobs
        .or(project.jobs)
        .unwrap_or_else(default_jobs)
        .max(1);
    if let Err(code) = check_scenarios(&project, &args.scenarios) {
        return Ok(finish_early(args.message_format, code));
    }
    let remote = match remote_cli::remote_settings(&project, &args.remote) {
        Ok(settings) => {
            settings.map(|s| RemoteCache::new(&s, remote_cli::warning_sink(args.message_format)))
        }
        Err(code) => return Ok(finish_early(args.message_format, code)),
    };
    let requests = manifest_requests(&project, &args.scenarios);
    let cache = ngen_cache::Cache::new(&project.cache_dir);
    let locked = cache.lock().map_err(report)?;
    // With --scenario, the other scenarios' roots stay as they were.
    let kept: Vec<RootRecord> = if args.scenarios.is_empty() {
        Vec::new()
    } else {
        let all = manifest_requests(&project, &[]);
        locked
            .index()
            .map_err(report)?
            .roots
            .into_iter()
            .filter(|r| {
                !args.scenarios.contains(&r.key.scenario) && all.iter().any(|q| q.key == r.key)
            })
            .collect()
    };
    let out = Output {
        format: args.message_format,
        verbose: args.verbose,
        silent: crate::output_options::quiet(),
        manifest: true,
    };
    let summary = execute_sharing(
        &locked,
        kept,
        &requests,
        &project.hints,
        jobs,
        out,
        remote.as_ref(),
    );
    let summary = match summary {
        Ok(summary) => summary,
        Err(e) => {
            // The cache itself failed (full disk, read-only): still end with the failure line,
            // and with `build-finished` in JSON.
            let report = report(e);
            match args.message_format {
                MessageFormat::Msbuild => msbuild_format::print_diagnostic(report.as_ref()),
                _ => eprintln!("{report:?}"),
            }
            if args.message_format == MessageFormat::Human {
                eprintln!("error: build failed: the cache was not updated");
            }
            return Ok(finish_early(args.message_format, ExitCode::FAILURE));
        }
    };
    if let Some(r) = &remote {
        remote_cli::record_stats(&locked, r);
    }
    Ok(if summary.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_names_every_image_in_flight_up_to_three() {
        let mut in_flight = BTreeMap::new();
        assert_eq!(in_flight_message(&in_flight), "");
        for name in ["Lib", "App"] {
            in_flight.insert(name.to_string(), 1);
        }
        assert_eq!(in_flight_message(&in_flight), "App, Lib");
        for name in ["Leaf", "Tool", "Zed"] {
            in_flight.insert(name.to_string(), 1);
        }
        assert_eq!(in_flight_message(&in_flight), "App, Leaf, Lib and 2 more");
    }
}
