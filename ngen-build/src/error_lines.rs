//! How diagnostics look on stderr: every error starts a line with `error:` (and a warning
//! with `warning:`), so `grep error` and `grep '^error:'` find them, manifest errors included
//! (issue 10, item 6). The code goes at the end of that line in brackets; source snippets,
//! causes and `help:` follow as miette draws them.
//!
//! The model: miette's graphical handler, with the severity "icon" replaced by the word, fed
//! a view of the diagnostic without a code (so it prints no separate header line) whose
//! message ends with the code. Only the handler's fixed two-space indent before the first line
//! is removed: its text is never re-parsed, so colours and wrapping stay miette's.
//!
//! Depends on miette only.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, ReportHandler, Severity,
    SourceCode,
};

/// The report handler installed by `main`.
pub struct ErrorLines {
    graphical: GraphicalReportHandler,
}

impl ErrorLines {
    /// Colours when `color` (`--color`; by default a terminal without `NO_COLOR`); never wraps
    /// lines (diagnostics list file paths, one per line).
    pub fn new(color: bool) -> ErrorLines {
        let mut theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        theme.characters.error = "error:".to_string();
        theme.characters.warning = "warning:".to_string();
        theme.characters.advice = "note:".to_string();
        ErrorLines {
            graphical: GraphicalReportHandler::new_themed(theme)
                .with_wrap_lines(false)
                .with_links(false),
        }
    }
}

impl ReportHandler for ErrorLines {
    fn debug(&self, diagnostic: &dyn Diagnostic, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.graphical
            .render_report(&mut text, &CodeLast(diagnostic))?;
        // The graphical handler indents the severity line by two spaces; it starts ours.
        f.write_str(text.strip_prefix("  ").unwrap_or(&text))
    }
}

/// A diagnostic seen without its code and URL, its message followed by ` [code]`.
struct CodeLast<'a>(&'a dyn Diagnostic);

impl fmt::Debug for CodeLast<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for CodeLast<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        match self.0.code() {
            Some(code) => write!(f, " [{code}]"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for CodeLast<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl Diagnostic for CodeLast<'_> {
    fn severity(&self) -> Option<Severity> {
        self.0.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.0.help()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.0.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.0.labels()
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        self.0.related()
    }

    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.0.diagnostic_source()
    }
}
