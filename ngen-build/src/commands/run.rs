//! `ngen-build run [--images DIR]... [--manifest-path P] [--cache-dir D] [--scenario S]
//! [--jit never|fallback|always] <assembly> [args...]`: runs a program from its native images,
//! JIT-compiling what they lack.
//!
//! Without `--images`, the images are looked for where `ngen-build build` or Ngen's actions put
//! them (`ngen_cache::run_support::image_dirs`): the `<scenario>` directory of `--cache-dir`,
//! of the manifest's cache (`--manifest-path`, else the nearest `ngen.toml` at or above the
//! program's directory) and of Ngen's caches, the ones `install` writes to (`NGEN_CACHE`, else
//! the user's default cache and the machine-wide `/var/cache/ngen-build`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

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

/// The scenario whose images the program runs from (Ngen's `/Debug`, `/Profile`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RunScenario {
    /// Ordinary images.
    Default,
    /// Images built for debugging.
    Debug,
    /// Images built for profiling.
    Profile,
    /// Images built for both.
    #[value(name = "debug+profile")]
    DebugProfile,
}

impl RunScenario {
    fn manifest(self) -> ngen_manifest::Scenario {
        match self {
            RunScenario::Default => ngen_manifest::Scenario::Default,
            RunScenario::Debug => ngen_manifest::Scenario::Debug,
            RunScenario::Profile => ngen_manifest::Scenario::Profile,
            RunScenario::DebugProfile => ngen_manifest::Scenario::DebugProfile,
        }
    }

    fn abi(self) -> ngen_abi::Scenario {
        let m = self.manifest();
        ngen_abi::Scenario {
            debug: m.debug(),
            profile: m.profile(),
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// Directory searched recursively for `<Name>.ni.so` images (repeatable). Without it, the
    /// caches of `--cache-dir`, the manifest and Ngen's actions (`install`) are searched.
    #[arg(long = "images", value_name = "DIR")]
    pub images: Vec<PathBuf>,
    /// The ngen.toml whose cache holds the images (default: the nearest one at or above the
    /// program's directory, unless `--images` is given). Given explicitly with `--images`,
    /// both are searched (e.g. an app's cache and separately built framework images).
    #[arg(long, value_name = "P")]
    pub manifest_path: Option<PathBuf>,
    /// A cache directory (as for `build`/`install`) holding the images; with `--images`, both
    /// are searched.
    #[arg(long, value_name = "D")]
    pub cache_dir: Option<PathBuf>,
    /// Use images of this scenario; images stamped with another scenario are rejected.
    #[arg(long, value_enum, default_value = "default")]
    pub scenario: RunScenario,
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

/// The image directories for this run: `--images` when given (then the caches only when
/// `--manifest-path` or `--cache-dir` names one explicitly), else the caches; then
/// `NGEN_IMAGE_PATH`'s.
fn image_dirs(args: &Args) -> Vec<PathBuf> {
    let explicit_cache = args.manifest_path.is_some() || args.cache_dir.is_some();
    if !args.images.is_empty() && !explicit_cache {
        let mut dirs = args.images.clone();
        dirs.extend(image_path_dirs());
        return dirs;
    }
    let mut dirs = args.images.clone();
    let program = std::path::absolute(&args.assembly).unwrap_or_else(|_| args.assembly.clone());
    let start = program
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    dirs.extend(ngen_cache::run_support::image_dirs(
        args.manifest_path.as_deref(),
        args.cache_dir.as_deref(),
        &start,
        args.scenario.manifest(),
    ));
    dirs.extend(image_path_dirs());
    dirs
}

/// `NGEN_IMAGE_PATH`: more image directories (colon-separated, like `MONO_PATH`), searched
/// after the others, e.g. the framework's images built once for a machine or a CI run.
fn image_path_dirs() -> Vec<PathBuf> {
    std::env::var_os("NGEN_IMAGE_PATH")
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default()
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    super::support::check_assembly_file(&args.assembly)?;
    let image_dirs = image_dirs(&args);
    if image_dirs.is_empty() && matches!(args.jit, Jit::Never) {
        eprintln!(
            "ngen-build run: warning: no {} image directory found: pass --images, --cache-dir or \
             --manifest-path, or build with an ngen.toml at or above the program's directory",
            args.scenario.abi()
        );
    }
    let options = RunOptions {
        assembly: args.assembly,
        args: args.args,
        image_dirs,
        scenario: args.scenario.abi(),
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
    let code = ngen_runtime::run(options).map_err(super::support::flat_error)?;
    // Like mono (and the OS), only the low 8 bits of Main's return value survive.
    Ok(ExitCode::from(code as u8))
}
