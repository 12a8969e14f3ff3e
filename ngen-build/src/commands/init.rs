//! `ngen-build init [DIR] [--manifest-path P]`: write a commented ngen.toml for the .exe files
//! of a publish folder, in the folder or at P (roots then named relative to P, as MSBuild's
//! targets write it under `obj/`). A DIR that is not a directory, or an existing manifest
//! without `--force`, is a usage error (exit 2).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::support::usage_error;

#[derive(clap::Args)]
pub struct Args {
    /// The publish folder (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Overwrite an existing ngen.toml (default: refuse).
    #[arg(long)]
    pub force: bool,
    /// Write the manifest here instead of DIR/ngen.toml (its directory is created); its roots
    /// name DIR's files relative to it.
    #[arg(long, value_name = "P")]
    pub manifest_path: Option<PathBuf>,
}

pub fn run(args: Args) -> miette::Result<ExitCode> {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("."));
    let target = args
        .manifest_path
        .clone()
        .unwrap_or_else(|| dir.join("ngen.toml"));
    if target.exists() && !args.force {
        return Ok(usage_error(miette::miette!(
            code = "ngen::init::exists",
            help = "pass --force to overwrite it",
            "{} already exists",
            target.display()
        )));
    }
    if !dir.is_dir() {
        let what = if dir.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        return Ok(usage_error(miette::miette!(
            code = "ngen::init::not_a_directory",
            help = "pass the publish folder that holds the application's .exe files \
                    (default: the current directory)",
            "{} {what}",
            dir.display()
        )));
    }
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty());
    let manifest_dir = absolute(parent.unwrap_or(Path::new(".")));
    let text = ngen_manifest::init::render_init_for(&absolute(&dir), &manifest_dir)
        .map_err(|e| miette::miette!("cannot list {}: {e}", dir.display()))?;
    std::fs::create_dir_all(&manifest_dir)
        .map_err(|e| miette::miette!("cannot create {}: {e}", manifest_dir.display()))?;
    std::fs::write(&target, text)
        .map_err(|e| miette::miette!("cannot write {}: {e}", target.display()))?;
    if !crate::output_options::quiet() {
        eprintln!("     Created {}", target.display());
    }
    let has_exe = std::fs::read_dir(&dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.file_name()
                .to_string_lossy()
                .to_ascii_lowercase()
                .ends_with(".exe")
                && e.path().is_file()
        })
    });
    if !has_exe {
        eprintln!(
            "warning: no .exe in {}: the [[root]] in ngen.toml is a placeholder; \
             set its `path` (or `name`) before `ngen-build build`",
            dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
