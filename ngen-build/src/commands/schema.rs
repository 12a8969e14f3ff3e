//! `ngen-build schema`: print the JSON Schema of ngen.toml (the checked-in
//! manifest-schema/ngen.schema.json is exactly this output).

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> miette::Result<ExitCode> {
    super::support::print_stdout(&ngen_manifest::schema_json())?;
    Ok(ExitCode::SUCCESS)
}
