//! `--message-format msbuild`: errors as MSBuild's canonical diagnostic lines (issue 10,
//! item 1), so the build log of `xbuild`/`msbuild` lists them as errors with their file and
//! position instead of "Command … exited with code 2".
//!
//! The model: one line per error, `origin(line,col): error NGENnnnn: message`, where the origin
//! is the file the error is about (the manifest for manifest errors) or `ngen-build` when
//! there is none. MSBuild's `Exec` recognises that form by itself; xbuild's `Exec` only with a
//! `CustomErrorRegularExpression`, which `msbuild-task/NgenBuild.targets` sets. Help stays on
//! its own `  help:` line, which neither engine counts. Codes, stable for log scrapers:
//!
//! | code | what |
//! | --- | --- |
//! | NGEN1001–NGEN1008 | manifest: syntax, unknown key, wrong type, missing file, bad display name, invalid value, unreadable, not found |
//! | NGEN1009 | a usage error (a `--scenario` no root has, a bad remote-cache URL) |
//! | NGEN2000 | the build failed without a more specific error |
//! | NGEN2001 | a root does not resolve |
//! | NGEN2002 | an image failed to compile |
//! | NGEN2003 | the cache could not be read or written |
//! | NGEN3001 | warning: an app-local assembly the GAC shadows gets no image |
//!
//! A build that fails prints at least one such line ([`ensure_error_printed`]).
//!
//! Depends on miette's `Diagnostic` only.

use std::sync::atomic::{AtomicBool, Ordering};

use miette::Diagnostic;

/// The origin of errors that are about no particular file.
const TOOL_ORIGIN: &str = "ngen-build";

/// Whether a canonical error line has been printed by this process.
static ERROR_PRINTED: AtomicBool = AtomicBool::new(false);

/// The NGEN code of a diagnostic code (`ngen::manifest::unknown_key` → `NGEN1002`).
pub(crate) fn ngen_code(code: Option<&str>) -> &'static str {
    match code.unwrap_or_default() {
        "ngen::manifest::syntax" => "NGEN1001",
        "ngen::manifest::unknown_key" => "NGEN1002",
        "ngen::manifest::wrong_type" => "NGEN1003",
        "ngen::manifest::missing_file" => "NGEN1004",
        "ngen::manifest::bad_display_name" => "NGEN1005",
        "ngen::manifest::invalid_value" => "NGEN1006",
        "ngen::manifest::io" => "NGEN1007",
        "ngen::manifest::not_found" => "NGEN1008",
        c if c.starts_with("ngen::usage::") => "NGEN1009",
        "ngen::cache::io" | "ngen::cache::corrupt" => "NGEN2003",
        _ => "NGEN2000",
    }
}

/// Prints `diagnostic` as canonical lines on stderr: the error, then its help.
pub(crate) fn print_diagnostic(diagnostic: &dyn Diagnostic) {
    let code = ngen_code(diagnostic.code().map(|c| c.to_string()).as_deref());
    let origin = diagnostic_origin(diagnostic).unwrap_or_else(|| TOOL_ORIGIN.to_string());
    print_error(&origin, code, &diagnostic.to_string());
    if let Some(help) = diagnostic.help() {
        eprintln!("  help: {}", one_line(&help.to_string()));
    }
}

/// Prints one canonical error line about `origin` (a file, optionally with `(line,col)`).
pub(crate) fn print_error(origin: &str, code: &str, message: &str) {
    ERROR_PRINTED.store(true, Ordering::SeqCst);
    eprintln!("{}", canonical_line(origin, code, message));
}

/// Prints one canonical warning line about `origin`.
pub(crate) fn print_warning(origin: &str, code: &str, message: &str) {
    eprintln!("{origin}: warning {code}: {}", one_line(message));
}

/// Prints one canonical error line about no particular file.
pub(crate) fn print_tool_error(code: &str, message: &str) {
    print_error(TOOL_ORIGIN, code, message);
}

/// Ends a failed build: when nothing more specific was printed, one `NGEN2000` line with
/// `summary`, so the engine always has an error to show; otherwise `summary` as plain text.
pub(crate) fn ensure_error_printed(summary: &str) {
    if ERROR_PRINTED.load(Ordering::SeqCst) {
        eprintln!("NgenBuild: {summary}");
    } else {
        print_tool_error("NGEN2000", summary);
    }
}

/// `origin: error CODE: message`, the message on one line.
pub(crate) fn canonical_line(origin: &str, code: &str, message: &str) -> String {
    format!("{origin}: error {code}: {}", one_line(message))
}

/// `file(line,col)` of the diagnostic's first label, 1-based, when it points into a file.
fn diagnostic_origin(diagnostic: &dyn Diagnostic) -> Option<String> {
    let label = diagnostic.labels()?.next()?;
    let span = diagnostic
        .source_code()?
        .read_span(label.inner(), 0, 0)
        .ok()?;
    let file = span.name()?;
    Some(format!("{file}({},{})", span.line() + 1, span.column() + 1))
}

/// MSBuild reads one line per diagnostic.
fn one_line(text: &str) -> String {
    text.split('\n')
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_errors_get_their_own_codes_and_others_a_generic_one() {
        assert_eq!(ngen_code(Some("ngen::manifest::unknown_key")), "NGEN1002");
        assert_eq!(ngen_code(Some("ngen::usage::scenario")), "NGEN1009");
        assert_eq!(ngen_code(Some("ngen::cache::io")), "NGEN2003");
        assert_eq!(ngen_code(None), "NGEN2000");
    }

    #[test]
    fn a_canonical_line_is_one_line_with_origin_category_and_code() {
        assert_eq!(
            canonical_line(
                "/p/ngen.toml(3,1)",
                "NGEN1002",
                "unknown key `rots`\nin ngen.toml"
            ),
            "/p/ngen.toml(3,1): error NGEN1002: unknown key `rots` in ngen.toml"
        );
    }
}
