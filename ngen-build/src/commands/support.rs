//! Helpers every subcommand shares: checking an assembly argument before any work starts,
//! usage errors (exit 2), library errors as one diagnostic, and stdout that tolerates a
//! closed pipe. Build-family helpers (manifests, plans, cache errors) stay in `build.rs`.

use std::path::Path;
use std::process::ExitCode;

use ngen_cache::actions::Selector;

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

/// Prints `report` and returns exit code 2: the command line or the manifest is wrong.
pub(crate) fn usage_error(report: miette::Report) -> ExitCode {
    eprintln!("{report:?}");
    ExitCode::from(2)
}

/// Parses an assembly argument (`*`, a path, or a full or partial display name). A malformed
/// display name is a usage error (exit 2) that says what a display name looks like.
pub(crate) fn parse_selector(arg: &str) -> Result<Selector, ExitCode> {
    Selector::parse(arg).map_err(|e| {
        let detail = e.to_string();
        // ngen-cache's message repeats the argument; keep only the parser's reason.
        let reason = detail
            .split_once(": ")
            .map(|(_, r)| r)
            .unwrap_or(detail.as_str());
        usage_error(miette::miette!(
            code = "ngen::usage::assembly",
            help = "name an assembly by path (App.exe, bin/MyLib.dll) or by display name: \
                    \"MyLib\" or \"MyLib, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null\"",
            "`{arg}` is neither a file nor a valid assembly display name: {reason}"
        ))
    })
}

/// Checks that `path` is a readable .NET assembly before any work is queued or started, so
/// a typo or the wrong file is reported with what is there and what to pass instead.
pub(crate) fn check_assembly_file(path: &Path) -> Result<(), miette::Report> {
    let shown = path.display();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(miette::miette!(
                code = "ngen::input::missing_file",
                help = "check the path (relative paths start at the current directory), or \
                        name an assembly in the GAC by its display name",
                "{shown} does not exist"
            ));
        }
        Err(e) => {
            return Err(miette::miette!(
                code = "ngen::input::io",
                "cannot read {shown}: {e}"
            ));
        }
    };
    if meta.is_dir() {
        return Err(miette::miette!(
            code = "ngen::input::not_a_file",
            help = "pass the application's .exe (or a .dll) inside it; for a whole publish \
                    folder, `ngen-build init <folder>` writes an ngen.toml",
            "{shown} is a directory, not an assembly"
        ));
    }
    let magic = std::fs::File::open(path).and_then(|mut f| {
        use std::io::Read;
        let mut buf = [0u8; 4];
        let n = f.read(&mut buf)?;
        Ok(buf.get(..n).unwrap_or_default().to_vec())
    });
    if matches!(&magic, Ok(m) if m.starts_with(b"\x7fELF")) {
        return Err(not_an_assembly(
            path,
            "it is an ELF file (a native Linux binary or a native image)",
        ));
    }
    match ngen_metadata::Assembly::open(path).and_then(|a| a.identity().map(|_| ())) {
        Ok(()) => Ok(()),
        Err(e) => Err(not_an_assembly(path, &e.to_string())),
    }
}

fn not_an_assembly(path: &Path, why: &str) -> miette::Report {
    miette::miette!(
        code = "ngen::input::not_an_assembly",
        help = "ngen-build compiles .NET assemblies: .exe or .dll files with CLI metadata, \
                as mcs, csc or msbuild write them",
        "{} is not a .NET assembly: {why}",
        path.display()
    )
}
