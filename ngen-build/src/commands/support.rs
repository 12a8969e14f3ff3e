//! Helpers shared by the subcommands.

/// The error returned by a subcommand whose implementation has not landed yet.
pub fn not_yet(command: &str) -> miette::Report {
    miette::miette!("`ngen-build {command}` is not implemented in this build yet")
}
