//! `ngen-build explain <assembly>`: is an image fresh, and if not, exactly what changed
//! (Cargo's "Dirty … because" lines); for a fresh image, which methods it left to the JIT and
//! why (from its `.ni.report.json`). Plans like `build` but compiles and writes nothing.

use std::path::PathBuf;
use std::process::ExitCode;

use ngen_cache::ImageCompiler;
use ngen_cache::actions::Selector;
use ngen_cache::engine::{Freshness, LockedCache, Plan};
use ngen_cache::filehash::FileHasher;
use ngen_cache::index::Index;
use ngen_manifest::{Project, Scenario};

use super::build::{
    AotCompiler, check_scenarios, load_project, manifest_requests, parse_scenario, report,
};
use super::support::{parse_selector, print_stdout};

#[derive(clap::Args)]
pub struct Args {
    /// The assembly: simple name (`MyLib`), display name, or path of a root.
    pub assembly: String,
    /// Path of ngen.toml (default: the nearest ngen.toml in this directory or a parent).
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Only these scenarios (repeatable): default, debug, profile, debug+profile.
    /// Default: every scenario of the manifest.
    #[arg(long = "scenario", value_name = "S", value_parser = parse_scenario)]
    pub scenarios: Vec<Scenario>,
    /// One JSON object per image instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let project = match load_project(args.manifest_path.as_deref())? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let selector = match parse_selector(&args.assembly) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    if let Err(code) = check_scenarios(&project, &args.scenarios) {
        return Ok(code);
    }
    let cache = ngen_cache::Cache::new(&project.cache_dir);
    let locked = cache.lock().map_err(report)?;
    let previous = locked.index().map_err(report)?;
    let plan = plan_project(&project, &args.scenarios, &locked, &previous)?;
    for (key, e) in &plan.errors {
        eprintln!("error: {} ({}): {e}", key.root, key.scenario);
    }
    let mut found = 0;
    for img in &plan.images {
        let matches = match &selector {
            Selector::Path(p) => img.assembly_path.to_string_lossy() == p.as_str(),
            _ => selector.matches_assembly(&img.display_name, &previous),
        };
        if !matches {
            continue;
        }
        found += 1;
        if args.json {
            let reasons: Vec<String> = match &img.freshness {
                Freshness::Fresh => Vec::new(),
                Freshness::Dirty(r) => r.iter().map(|r| r.to_string()).collect(),
            };
            let report = left_to_jit(&locked, img);
            let excluded: Vec<serde_json::Value> = report
                .iter()
                .flat_map(|r| r.left_to_jit())
                .map(
                    |m| serde_json::json!({"method": m.name, "token": m.token, "reason": m.reason}),
                )
                .collect();
            super::build::json_line(&serde_json::json!({
                "assembly": img.display_name,
                "scenario": img.scenario,
                "fresh": img.freshness == Freshness::Fresh,
                "fingerprint": img.inputs.fingerprint,
                "dir": img.dir,
                "reasons": reasons,
                "left_to_jit": excluded,
            }));
            continue;
        }
        match &img.freshness {
            Freshness::Fresh => {
                let mut text = format!(
                    "Fresh {} ({}): fingerprint {}, image {}\n",
                    img.name,
                    img.scenario,
                    img.inputs.short(),
                    img.dir
                );
                if let Some(report) = left_to_jit(&locked, img) {
                    text.push_str(&describe_left_to_jit(&report));
                }
                print_stdout(&text)?;
            }
            Freshness::Dirty(reasons) => {
                let first = reasons.first().map(|r| r.to_string()).unwrap_or_default();
                let mut text = format!("Dirty {} ({}): {first}\n", img.name, img.scenario);
                for r in reasons.iter().skip(1) {
                    text.push_str(&format!("  also: {r}\n"));
                }
                print_stdout(&text)?;
            }
        }
    }
    // An app-local copy the GAC shadows is why an expected image is missing (issue 10).
    let shadowed: Vec<_> = plan
        .shadowed
        .iter()
        .filter(|s| match &selector {
            Selector::Path(p) => s.local.to_string_lossy() == p.as_str(),
            _ => selector.matches_assembly(&s.display_name, &previous),
        })
        .collect();
    for s in &shadowed {
        if args.json {
            super::build::json_line(&serde_json::json!({
                "assembly": s.display_name, "shadowed": s.local, "bound": s.bound,
                "message": s.to_string(),
            }));
        } else {
            print_stdout(&format!("Shadowed {}\n", s))?;
        }
    }
    if found == 0 && !shadowed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    if found == 0 {
        // Maybe it is in a closure but not compiled (framework, or dependencies = false).
        let in_closure = plan
            .roots
            .iter()
            .flat_map(|r| r.closure.iter())
            .find(|a| selector.matches_assembly(a, &previous));
        return match in_closure {
            Some(a) => {
                print_stdout(&format!(
                    "{a} is fingerprinted but gets no image: it is a framework assembly \
                     (set compile-framework = true) or its root has dependencies = false\n"
                ))?;
                Ok(ExitCode::SUCCESS)
            }
            None => {
                // The resolution error itself was printed above, with every path probed.
                if let Some((key, _)) = plan
                    .errors
                    .iter()
                    .find(|(key, _)| names_root(&selector, &key.root, &project))
                {
                    return Err(miette::miette!(
                        code = "ngen::explain::unresolved_root",
                        help = format!(
                            "its images cannot be explained until it resolves; `ngen-build deps {} -v` \
                             shows every binding decision and each path probed",
                            project.manifest_dir.join(&key.root).display()
                        ),
                        "{} ({}) is a root of {} but does not resolve",
                        key.root,
                        key.scenario,
                        project.manifest_path.display()
                    ));
                }
                let mut names: Vec<&str> = plan.images.iter().map(|i| i.name.as_str()).collect();
                names.sort_unstable();
                names.dedup();
                let close = names.iter().find(|n| {
                    n.eq_ignore_ascii_case(&args.assembly) || edit_distance(n, &args.assembly) <= 2
                });
                let help = match close {
                    Some(n) => format!("did you mean `{n}`?"),
                    None if names.is_empty() => {
                        "no root resolved; `ngen-build build` says why".to_string()
                    }
                    None => format!("the images of this manifest are: {}", names.join(", ")),
                };
                Err(miette::miette!(
                    code = "ngen::explain::unknown_assembly",
                    help = help,
                    "{} is not an assembly of any root in {}",
                    args.assembly,
                    project.manifest_path.display()
                ))
            }
        };
    }
    Ok(ExitCode::SUCCESS)
}

/// The report of a fresh image, when it left methods to the JIT (None when it left none, or
/// has no readable report).
fn left_to_jit(
    cache: &LockedCache,
    img: &ngen_cache::PlannedImage,
) -> Option<ngen_compiler::report::ImageReport> {
    let path = cache
        .layout()
        .abs(&img.dir)
        .join(ngen_cache::Layout::report_file(&img.name));
    let report: ngen_compiler::report::ImageReport =
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    (report.coverage().left_to_jit > 0).then_some(report)
}

/// `  3 of 5 methods left to the JIT (...):` in the report's coverage unit (MethodDefs with
/// an IL body; a generic one counts as compiled when the image holds an instance or its shared
/// code), and one `    Type::Method: reason` line each, the first [`SHOWN`] of them (for a
/// generic MethodDef, why neither an instance nor shared code was compiled).
fn describe_left_to_jit(report: &ngen_compiler::report::ImageReport) -> String {
    const SHOWN: usize = 20;
    let coverage = report.coverage();
    let left = report.left_to_jit();
    let mut text = format!(
        "  {} of {} methods left to the JIT (compiled when first called, unless run \
         with --jit never):\n",
        coverage.left_to_jit,
        coverage.total()
    );
    for m in left.iter().take(SHOWN) {
        text.push_str(&format!(
            "    {}: {}{}\n",
            m.name,
            m.reason,
            generic_note(report, m)
        ));
    }
    if left.len() > SHOWN {
        text.push_str(&format!(
            "    … and {} more (every one in the image's .ni.report.json)\n",
            left.len() - SHOWN
        ));
    }
    text
}

/// For a generic MethodDef left to the JIT: that the image holds neither a compiled instance
/// of it nor its shared code, and why the shared code was refused when it was tried.
fn generic_note(
    report: &ngen_compiler::report::ImageReport,
    method: &ngen_compiler::report::ExcludedMethod,
) -> String {
    if !method.generic {
        return String::new();
    }
    match report
        .shared
        .iter()
        .find(|s| s.token == method.token)
        .and_then(|s| s.reason.as_deref())
    {
        Some(why) => format!(" (generic: no instance in the image; shared code: {why})"),
        None => " (generic: no instance in the image)".into(),
    }
}

/// Whether `selector` names the manifest root written `root` (a path relative to the
/// manifest, or a display name): by path, or by simple name (a path's file name without its
/// extension).
fn names_root(selector: &Selector, root: &str, project: &Project) -> bool {
    let path = project.manifest_dir.join(root);
    match selector {
        Selector::All => true,
        Selector::Path(p) => {
            std::path::absolute(&path).is_ok_and(|a| a.to_string_lossy() == p.as_str())
        }
        Selector::Name(name) => {
            let lower = root.to_ascii_lowercase();
            let is_path = root.contains('/') || lower.ends_with(".exe") || lower.ends_with(".dll");
            let simple = if is_path {
                path.file_stem().map(|s| s.to_string_lossy().into_owned())
            } else {
                ngen_binder::AssemblyName::parse(root).ok().map(|n| n.name)
            };
            simple.is_some_and(|s| s.eq_ignore_ascii_case(&name.name))
        }
    }
}

/// Plans the manifest's images (of `scenarios`, or all) as `build` would, compiling nothing:
/// each image's freshness against `previous`.
pub(crate) fn plan_project(
    project: &Project,
    scenarios: &[Scenario],
    locked: &LockedCache,
    previous: &Index,
) -> miette::Result<Plan> {
    let requests = manifest_requests(project, scenarios);
    let hasher = FileHasher::with_memo(locked.layout().file_hashes());
    locked
        .plan(
            &requests,
            &project.hints,
            &AotCompiler::new(&hasher).identity(),
            &hasher,
            previous,
        )
        .map_err(report)
}

/// Case-insensitive edit distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(&a.to_lowercase(), &b.to_lowercase())
}
