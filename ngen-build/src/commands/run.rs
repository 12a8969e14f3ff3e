//! `ngen-build run [--images DIR]... [--jit never|fallback|always] <assembly> [args...]`:
//! runs a program from its native images, JIT-compiling what they lack.

use std::path::PathBuf;
use std::process::ExitCode;

use miette::IntoDiagnostic;
use ngen_runtime::{JitMode, RunOptions};

/// When the runtime may JIT-compile.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Jit {
    /// Images only; a method no valid image has is an error.
    Never,
    /// Images when valid, JIT for the rest.
    Fallback,
    /// Ignore images.
    Always,
}

#[derive(clap::Args)]
pub struct Args {
    /// Directory searched recursively for `<Name>.ni.so` images (repeatable).
    #[arg(long = "images", value_name = "DIR")]
    pub images: Vec<PathBuf>,
    /// JIT policy.
    #[arg(long, value_enum, default_value = "fallback")]
    pub jit: Jit,
    /// The application base (default: the program's directory).
    #[arg(long, value_name = "DIR")]
    pub app_base: Option<PathBuf>,
    /// Mono's framework directory (default: /usr/lib/mono/4.5).
    #[arg(long, value_name = "DIR")]
    pub framework: Option<PathBuf>,
    /// The program (.exe).
    pub assembly: PathBuf,
    /// Arguments passed to Main verbatim (even ones starting with '-').
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let options = RunOptions {
        assembly: args.assembly,
        args: args.args,
        image_dirs: args.images,
        jit: match args.jit {
            Jit::Never => JitMode::Never,
            Jit::Fallback => JitMode::Fallback,
            Jit::Always => JitMode::Always,
        },
        binder_config: ngen_binder::BinderConfig {
            app_base: args.app_base,
            framework_dir: args.framework,
            ..Default::default()
        },
    };
    let code = ngen_runtime::run(options).into_diagnostic()?;
    // Like mono (and the OS), only the low 8 bits of Main's return value survive.
    Ok(ExitCode::from(code as u8))
}
