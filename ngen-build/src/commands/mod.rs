//! One module per subcommand. Each has an `Args` (clap) and a `run` returning
//! `miette::Result<ExitCode>`.

pub mod build;
pub mod cache;
pub mod compile;
pub mod coverage;
pub mod deps;
pub mod diagnostic_json;
pub mod display;
pub mod explain;
pub mod init;
pub mod inspect;
pub mod install;
pub mod launcher;
pub mod msbuild_format;
pub mod package;
pub mod queue;
pub mod run;
pub mod schema;
pub mod service;
pub mod service_start;
pub mod support;
pub mod uninstall;
pub mod update;
