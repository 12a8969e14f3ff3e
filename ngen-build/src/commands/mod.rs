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
