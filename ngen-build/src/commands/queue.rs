//! `ngen-build queue`, `executeQueuedItems` and `service`: the deferred compilation queue.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {}

#[derive(clap::Args)]
pub struct EqiArgs {}

#[derive(clap::Args)]
pub struct ServiceArgs {}

pub fn run(_args: Args) -> miette::Result<ExitCode> {
    Err(super::support::not_yet("queue"))
}

pub fn run_eqi(_args: EqiArgs) -> miette::Result<ExitCode> {
    Err(super::support::not_yet("executeQueuedItems"))
}

pub fn run_service(_args: ServiceArgs) -> miette::Result<ExitCode> {
    Err(super::support::not_yet("service"))
}
