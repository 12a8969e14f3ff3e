//! The `ngen-build` command line: the CLI edge of the workspace.
//!
//! This file only parses arguments and dispatches; each subcommand lives in
//! `commands/<name>.rs` with its own `Args` and `run`. Library crates return
//! typed errors (`thiserror`); they become `miette` diagnostics here.
//! Ngen.exe's own syntax (`install App.exe /queue:1`, `/?`) is rewritten into
//! ours by [`ngen_syntax`] before clap sees it.

mod commands;
mod error_lines;
mod ngen_syntax;
mod output_options;
mod program_args;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ngen-build",
    version,
    about = "Native Image Generator for Mono/.NET Framework assemblies: reproducible, incremental, Cranelift-compiled native images",
    long_about = None,
    propagate_version = true,
    after_help = "Ngen.exe's own syntax is accepted too, so installer scripts run unchanged:\n  \
                  ngen-build install App.exe /Debug /ExeConfig:App.exe.config /queue:1 /nologo\n  \
                  ngen-build executeQueuedItems 1\n  ngen-build /?"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: output_options::GlobalOptions,
}

#[derive(Subcommand)]
enum Command {
    /// Show an assembly's identity, references, dependency hints and metadata counts.
    Inspect(commands::inspect::Args),
    /// Resolve an assembly's dependency closure as the CLR loader would, and say why each bound where it did.
    Deps(commands::deps::Args),
    /// Compile one assembly into a native image (low-level; `build` and `install` sit on top).
    Compile(commands::compile::Args),
    /// Run a program from its native images, JIT-compiling whatever the images lack.
    Run(commands::run::Args),
    /// Build every invalid image named by ngen.toml, in parallel, into a deterministic cache.
    Build(commands::build::Args),
    /// Say whether an assembly's image is fresh, and if not, exactly what changed.
    Explain(commands::explain::Args),
    /// Write a commented ngen.toml for the .exe files in a publish folder.
    Init(commands::init::Args),
    /// Print the JSON Schema of ngen.toml.
    Schema(commands::schema::Args),
    /// Pack the image cache into a reproducible tar archive for installers.
    Package(commands::package::Args),
    /// Write a wrapper script that runs an installed program from its native images.
    Launcher(commands::launcher::Args),
    /// Inspect the image cache: `cache stats` reports what the remote cache did.
    Cache(commands::cache::Args),
    /// Ngen action: generate images for an assembly and its dependencies, and record it as a root.
    Install(commands::install::Args),
    /// Ngen action: remove a root's images, and its dependencies' images that no other root needs.
    Uninstall(commands::uninstall::Args),
    /// Ngen action: rebuild the images that have become invalid.
    Update(commands::update::Args),
    /// Ngen action: list roots, images, and the roots that depend on an assembly.
    Display(commands::display::Args),
    /// Ngen action: run queued compilation jobs (priority 1, 2 or 3 and below).
    #[command(name = "executeQueuedItems", visible_aliases = ["eqi", "execute-queued-items"])]
    ExecuteQueuedItems(commands::queue::EqiArgs),
    /// Ngen action: pause, continue or show the deferred compilation queue.
    Queue(commands::queue::Args),
    /// Process the queue as Ngen's native image service does: priority 1 at once, then 2, then 3 when idle.
    Service(commands::service::ServiceArgs),
}

/// `--version`'s text after the name: the version, then the identity images are stamped with
/// and validated against (the compiler's source digest and its code generator), so a user, or
/// a script keeping images between builds of ngen-build (the test harness does), can tell
/// whether two binaries accept each other's images. `-V` prints the version alone.
fn long_version() -> &'static str {
    let id = ngen_compiler::compiler_identity();
    let text = format!(
        "{}\nimages: {} {}\ncodegen: {}",
        env!("CARGO_PKG_VERSION"),
        id.name,
        id.version,
        id.codegen
    );
    // clap keeps the text for the whole run; it is built once per process.
    Box::leak(text.into_boxed_str())
}

fn main() -> ExitCode {
    let argv = ngen_syntax::normalize(std::env::args_os().collect());
    let mut command = hide_inert_options(Cli::command()).long_version(long_version());
    // Global options (-q, --color) reach each subcommand's definition only once built, and
    // `run`'s argument split must know which of them take a value.
    command.build();
    let argv = program_args::separate_program_args(argv, &command);
    let parsed = command
        .try_get_matches_from(argv)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) => {
            // clap exits 0 for --help/--version and 2 for usage errors.
            err.exit();
        }
    };
    // Every diagnostic starts with an `error:` line (see error_lines.rs).
    let color = cli.global.apply();
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(error_lines::ErrorLines::new(color))
    }));
    if !matches!(cli.command, Command::Run(_)) {
        restore_default_sigpipe();
    }
    let quiet = cli.global.quiet;
    let mut command = cli.command;
    // -q is Ngen's /silent for its actions.
    if let Some(ngen) = ngen_options(&mut command) {
        ngen.silent |= quiet;
    }
    let result = match command {
        Command::Inspect(a) => commands::inspect::run(a),
        Command::Deps(a) => commands::deps::run(a),
        Command::Compile(a) => commands::compile::run(a),
        Command::Run(a) => commands::run::run(a),
        Command::Build(a) => commands::build::run(a),
        Command::Explain(a) => commands::explain::run(a),
        Command::Init(a) => commands::init::run(a),
        Command::Schema(a) => commands::schema::run(a),
        Command::Package(a) => commands::package::run(a),
        Command::Launcher(a) => commands::launcher::run(a),
        Command::Cache(a) => commands::cache::run(a),
        Command::Install(a) => commands::install::run(a),
        Command::Uninstall(a) => commands::uninstall::run(a),
        Command::Update(a) => commands::update::run(a),
        Command::Display(a) => commands::display::run(a),
        Command::ExecuteQueuedItems(a) => commands::queue::run_eqi(a),
        Command::Queue(a) => commands::queue::run(a),
        Command::Service(a) => commands::service::run(a),
    };
    match result {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::FAILURE
        }
    }
}

/// The Ngen options of an action, if the command is one.
fn ngen_options(command: &mut Command) -> Option<&mut commands::install::NgenOptions> {
    match command {
        Command::Install(a) => Some(&mut a.ngen),
        Command::Uninstall(a) => Some(&mut a.ngen),
        Command::Update(a) => Some(&mut a.ngen),
        Command::Display(a) => Some(&mut a.ngen),
        Command::ExecuteQueuedItems(a) => Some(&mut a.ngen),
        Command::Queue(a) => Some(&mut a.ngen),
        Command::Service(a) => Some(&mut a.ngen),
        _ => None,
    }
}

/// `display` and `uninstall` share Ngen's options but compile nothing and explain nothing:
/// `-j` and `-v` stay accepted (Ngen's scripts pass `/verbose` to any action) but are not
/// listed in their `--help`.
fn hide_inert_options(command: clap::Command) -> clap::Command {
    ["display", "uninstall"]
        .into_iter()
        .fold(command, |command, name| {
            command.mut_subcommand(name, |sub| {
                sub.mut_arg("jobs", |a| a.hide(true))
                    .mut_arg("verbose", |a| a.hide(true))
            })
        })
}

/// Rust ignores SIGPIPE, so `ngen-build build 2>&1 | head` would end in a write error (or a
/// panic inside a print macro) once the reader is gone. Like other Unix tools, the build-tool
/// commands just stop. `run` keeps Rust's default: the hosted program sees the write error.
fn restore_default_sigpipe() {
    // SAFETY: called once at startup, before any thread is spawned; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
