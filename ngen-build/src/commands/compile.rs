//! `ngen-build compile <assembly> [--out DIR] [--app-base D] [--framework DIR] [--scenario S]
//! [--hard-bind IMAGE]...`:
//! compiles one assembly against its resolved references into `<Name>.ni.so` (with its digest
//! file `<Name>.ni.so.blake3`) + `<Name>.ni.report.json`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::build::thousands;
use miette::IntoDiagnostic;
use ngen_cache::{Layout, fsutil};
use ngen_compiler::aot::{ImageRequest, build_image};

#[derive(clap::Args)]
pub struct Args {
    /// The assembly (.exe or .dll) to compile.
    pub assembly: PathBuf,
    /// Directory for the image and its report (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The application base used to resolve references (default: the assembly's directory).
    #[arg(long, value_name = "DIR")]
    pub app_base: Option<PathBuf>,
    /// Mono's framework directory (default: /usr/lib/mono/4.5).
    #[arg(long, value_name = "DIR")]
    pub framework: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// The scenario to compile for: default, debug, profile (methods call the profile hooks)
    /// or debug+profile.
    #[arg(long, value_name = "S", default_value = "default", value_parser = super::build::parse_scenario)]
    pub scenario: ngen_manifest::Scenario,
    /// Hard-bind to this dependency's image (Ngen's `LoadHint.Always`): calls into it are
    /// direct and the image is valid only with exactly that image. Repeatable.
    #[arg(long, value_name = "IMAGE")]
    pub hard_bind: Vec<PathBuf>,
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let config = ngen_binder::BinderConfig {
        app_base: args.app_base.clone(),
        framework_dir: args.framework.clone(),
        ..Default::default()
    };
    super::support::check_assembly_file(&args.assembly)?;
    let binder =
        ngen_binder::Binder::new(&args.assembly, config).map_err(super::support::flat_error)?;
    let closure = binder.closure().map_err(super::support::flat_error)?;
    let references: Vec<PathBuf> = closure
        .all()
        .map(|a| a.path.clone())
        .filter(|p| p != &args.assembly)
        .collect();
    let built = build_image(&ImageRequest {
        assembly: args.assembly.clone(),
        references,
        scenario: ngen_abi::Scenario {
            debug: args.scenario.debug(),
            profile: args.scenario.profile(),
        },
        threads: args.threads,
        hard_dependencies: args.hard_bind.clone(),
        instance_plans: Default::default(),
    })
    .map_err(|e| miette::miette!("cannot compile {}: {e}", args.assembly.display()))?;
    let out = args.out.unwrap_or_else(|| PathBuf::from("."));
    fsutil::create_dir_all(&out).map_err(super::support::flat_error)?;
    let name = &built.report.assembly;
    let image_file = Layout::image_file(name);
    let image_path = out.join(&image_file);
    // The same writer as the cache's: the image with its digest file, which the runtime checks.
    fsutil::write_image_with_digest(&out, &image_file, &built.image_bytes)
        .map_err(super::support::flat_error)?;
    let mut report = serde_json::to_vec_pretty(&built.report).into_diagnostic()?;
    report.push(b'\n');
    fsutil::write_atomic(&out.join(Layout::report_file(name)), &report, &out)
        .map_err(super::support::flat_error)?;
    let total = built.methods_compiled + built.methods_excluded;
    println!(
        "{}: compiled {} of {} methods ({}), {} excluded (reasons in {}) -> {}",
        name,
        thousands(built.methods_compiled),
        thousands(total),
        super::coverage::percent(built.methods_compiled, total),
        thousands(built.methods_excluded),
        Layout::report_file(name),
        image_path.display()
    );
    Ok(ExitCode::SUCCESS)
}
