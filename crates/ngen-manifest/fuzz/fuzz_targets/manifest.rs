//! Fuzz target: arbitrary text as `ngen.toml`. Parsing and validation must give a project or
//! diagnostics, and every diagnostic must render as the CLI renders it (miette's graphical
//! report, with its span into the text), so a span past the end or inside a character is
//! found. Paths resolve against a directory that does not exist, so nothing on disk matters.
//! A panic, overflow or hang is a bug.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dir = Path::new("/nonexistent-ngen-fuzz");
    match ngen_manifest::parse(text, "ngen.toml", &dir.join("ngen.toml"), dir) {
        Ok(project) => {
            let _ = format!("{project:?}");
        }
        Err(e) => {
            for d in &e.diagnostics {
                if let Some(span) = &d.span {
                    assert!(span.start <= span.end && span.end <= text.len(), "{d:?}");
                    assert!(
                        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                        "{d:?}"
                    );
                }
            }
            let mut out = String::new();
            let _ = miette::GraphicalReportHandler::new().render_report(&mut out, &e);
        }
    }
});
