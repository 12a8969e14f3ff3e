//! Manifest diagnostics: every problem in `ngen.toml` becomes a [`ManifestDiagnostic`] that
//! points at its span, with a stable code and, where we can guess, a "did you mean".
//!
//! Depends on miette (rendering), strsim (suggestions) and thiserror; nothing else.

use std::fmt;
use std::ops::Range;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};

/// What kind of problem a diagnostic reports. The code names are stable (`ngen::manifest::*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticKind {
    /// TOML syntax error.
    Syntax,
    /// A key the manifest does not know.
    UnknownKey,
    /// A value of the wrong type or an invalid enum value.
    WrongType,
    /// A file or directory named by the manifest does not exist.
    MissingFile,
    /// A malformed assembly display name.
    BadDisplayName,
    /// A value that is well-typed but not acceptable (e.g. `jobs = 0`, a root with both `path` and `name`).
    InvalidValue,
    /// The manifest file itself cannot be read.
    Io,
}

impl DiagnosticKind {
    /// The stable diagnostic code.
    pub fn code(self) -> &'static str {
        match self {
            DiagnosticKind::Syntax => "ngen::manifest::syntax",
            DiagnosticKind::UnknownKey => "ngen::manifest::unknown_key",
            DiagnosticKind::WrongType => "ngen::manifest::wrong_type",
            DiagnosticKind::MissingFile => "ngen::manifest::missing_file",
            DiagnosticKind::BadDisplayName => "ngen::manifest::bad_display_name",
            DiagnosticKind::InvalidValue => "ngen::manifest::invalid_value",
            DiagnosticKind::Io => "ngen::manifest::io",
        }
    }
}

/// One problem in a manifest, with the span it refers to.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ManifestDiagnostic {
    /// What kind of problem this is.
    pub kind: DiagnosticKind,
    /// The headline, e.g. "unknown key `rots` in ngen.toml".
    pub message: String,
    /// Byte range in the manifest text, when known.
    pub span: Option<Range<usize>>,
    /// Short label shown under the span.
    pub label: String,
    /// Extra advice, e.g. "did you mean `roots`?".
    pub help: Option<String>,
    source_code: NamedSource<String>,
}

impl ManifestDiagnostic {
    pub(crate) fn new(
        kind: DiagnosticKind,
        source: &NamedSource<String>,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        ManifestDiagnostic {
            kind,
            message: message.into(),
            span,
            label: label.into(),
            help: None,
            source_code: source.clone(),
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl Diagnostic for ManifestDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.span
            .as_ref()
            .map(|_| &self.source_code as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span.clone()?;
        let len = span.end.saturating_sub(span.start);
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(self.label.clone()),
            span.start,
            len,
        ))))
    }
}

/// Everything wrong with one manifest. The CLI prints each diagnostic and exits with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{} problem(s) in {}", .diagnostics.len(), .path)]
pub struct ManifestError {
    /// The manifest path as given.
    pub path: String,
    /// At least one diagnostic.
    pub diagnostics: Vec<ManifestDiagnostic>,
}

impl Diagnostic for ManifestError {
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(
            self.diagnostics.iter().map(|d| d as &dyn Diagnostic),
        ))
    }
}

/// The closest candidate to `word` when it is plausibly a typo (Jaro-Winkler ≥ 0.8).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["root", "jobs", "cache-dir", "framework-dir"];
        assert_eq!(did_you_mean("rot", keys), Some("root"));
        assert_eq!(did_you_mean("cache_dir", keys), Some("cache-dir"));
        assert_eq!(did_you_mean("zzzzzz", keys), None);
    }
}
