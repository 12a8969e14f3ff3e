//! One module per subcommand. Each has an `Args` (clap) and a `run` returning
//! `miette::Result<ExitCode>`.

pub mod build;
pub mod compile;
pub mod deps;
pub mod display;
pub mod explain;
pub mod init;
pub mod inspect;
pub mod install;
pub mod package;
pub mod queue;
pub mod run;
pub mod schema;
pub mod uninstall;
pub mod update;

/// A library error as one diagnostic line. Our error types already spell out their cause in
/// their message (`cannot read X: No such file`), so rendering the `source()` chain as well
/// would print the same cause several times.
pub(crate) fn flat_error(error: impl std::fmt::Display) -> miette::Report {
    miette::miette!("{error}")
}

/// Writes `text` to stdout. A reader that went away (`ngen-build queue status | head -1`) ends
/// the output quietly instead of panicking as `println!` does; other write errors are errors.
pub(crate) fn print_stdout(text: &str) -> miette::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(miette::miette!("cannot write to stdout: {e}"))
        }
        _ => Ok(()),
    }
}
