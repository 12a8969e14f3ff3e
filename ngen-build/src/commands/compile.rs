//! `ngen-build compile <assembly> [--out DIR] [--app-base D] [--framework DIR]`: compiles one
//! assembly against its resolved references into `<Name>.ni.so` + `<Name>.ni.report.json`.

use std::path::PathBuf;
use std::process::ExitCode;

use miette::{IntoDiagnostic, WrapErr};
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
        scenario: ngen_abi_scenario_default(),
        threads: args.threads,
    })
    .map_err(|e| miette::miette!("cannot compile {}: {e}", args.assembly.display()))?;
    let out = args.out.unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&out).into_diagnostic()?;
    let name = &built.report.assembly;
    let image_path = out.join(format!("{name}.ni.so"));
    let report_path = out.join(format!("{name}.ni.report.json"));
    write_atomically(&image_path, &built.image_bytes)?;
    let mut report = serde_json::to_vec_pretty(&built.report).into_diagnostic()?;
    report.push(b'\n');
    write_atomically(&report_path, &report)?;
    println!(
        "{}: {} methods compiled, {} excluded -> {}",
        name,
        built.methods_compiled,
        built.methods_excluded,
        image_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn ngen_abi_scenario_default() -> ngen_abi::Scenario {
    ngen_abi::Scenario::DEFAULT
}

/// Writes via a temporary file and rename, so a reader never sees a half-written image.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> miette::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)
        .into_diagnostic()
        .wrap_err_with(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .into_diagnostic()
        .wrap_err_with(|| format!("writing {}", path.display()))
}
