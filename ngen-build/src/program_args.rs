//! `ngen-build run [options] <program> [program args...]`: everything after the program path
//! belongs to the program, even `--version`, `-h` or `--jit` (issue 10, item 4).
//!
//! clap's `trailing_var_arg` only starts collecting at the first positional it sees *after*
//! the program, so a flag it knows (`--version`, `--help`, `--jit`) right after the path was
//! still taken as ngen-build's. Before clap parses, [`separate_program_args`] finds the
//! program path (the first argument of `run` that is neither an option nor an option's value)
//! and inserts `--` after it. Which options take a value is read from clap's own definition
//! of `run`, so a new option cannot fall out of step.
//!
//! Depends on clap's `Command` introspection only.

use std::ffi::OsString;

/// Returns `argv` with `--` inserted after `run`'s program path. Other commands, and a `run`
/// whose arguments already contain `--` before any program path, are returned unchanged.
pub fn separate_program_args(argv: Vec<OsString>, cli: &clap::Command) -> Vec<OsString> {
    if argv.get(1).and_then(|a| a.to_str()) != Some("run") {
        return argv;
    }
    let Some(run) = cli.find_subcommand("run") else {
        return argv;
    };
    let Some(program_at) = program_position(&argv, run) else {
        return argv;
    };
    let mut out = argv;
    out.insert(program_at + 1, OsString::from("--"));
    out
}

/// The index in `argv` of the program path of `run` (`argv[1]`), if any.
fn program_position(argv: &[OsString], run: &clap::Command) -> Option<usize> {
    let mut i = 2;
    while i < argv.len() {
        let Some(text) = argv[i].to_str() else {
            return Some(i);
        };
        if text == "--" {
            // The user separated them already: `run -- App.exe args`.
            return None;
        }
        if text == "-" || !text.starts_with('-') {
            return Some(i);
        }
        if !text.contains('=') && takes_value(run, text) {
            i += 1; // skip the option's value
        }
        i += 1;
    }
    None
}

/// Whether `option` (`--long` or `-s`) is an option of `run` that takes a separate value.
fn takes_value(run: &clap::Command, option: &str) -> bool {
    run.get_arguments().any(|arg| {
        let named = match option.strip_prefix("--") {
            Some(long) => arg
                .get_long_and_visible_aliases()
                .is_some_and(|names| names.contains(&long)),
            None => {
                let mut chars = option.chars().skip(1);
                // `-xVALUE` carries its value; only a bare `-x` consumes the next argument.
                match (chars.next(), chars.next()) {
                    (Some(short), None) => arg
                        .get_short_and_visible_aliases()
                        .is_some_and(|s| s.contains(&short)),
                    _ => false,
                }
            }
        };
        named && arg.get_action().takes_values()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli() -> clap::Command {
        clap::Command::new("t").subcommand(
            clap::Command::new("run")
                .arg(clap::Arg::new("jit").long("jit"))
                .arg(
                    clap::Arg::new("verbose")
                        .long("verbose")
                        .short('v')
                        .action(clap::ArgAction::SetTrue),
                )
                .arg(clap::Arg::new("assembly"))
                .arg(clap::Arg::new("args").num_args(0..).trailing_var_arg(true)),
        )
    }

    fn separate(args: &[&str]) -> Vec<String> {
        let argv = std::iter::once("ngen-build")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        separate_program_args(argv, &cli())
            .into_iter()
            .skip(1)
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn inserts_the_separator_after_the_program_path() {
        assert_eq!(
            separate(&["run", "--jit", "never", "-v", "A.exe", "--version"]),
            ["run", "--jit", "never", "-v", "A.exe", "--", "--version"]
        );
        assert_eq!(
            separate(&["run", "--jit=never", "A.exe"]),
            ["run", "--jit=never", "A.exe", "--"]
        );
    }

    #[test]
    fn leaves_other_commands_and_explicit_separators_alone() {
        assert_eq!(
            separate(&["build", "A.exe", "-v"]),
            ["build", "A.exe", "-v"]
        );
        assert_eq!(
            separate(&["run", "--", "A.exe", "-v"]),
            ["run", "--", "A.exe", "-v"]
        );
        assert_eq!(separate(&["run", "--help"]), ["run", "--help"]);
    }
}
