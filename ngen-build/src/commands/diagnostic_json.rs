//! A diagnostic as one JSON message for `--message-format json` (issue 10, item 6): manifest
//! errors reach tools in the stream, not only as text on stderr.
//!
//! `{"reason":"manifest-error","code":…,"message":…,"help":…,"file":…,"line":…,"column":…,
//! "label":…}`: `file`, `line` and `column` (1-based) when the diagnostic points into a file,
//! `help` and `label` when it has them.
//!
//! Depends on miette's `Diagnostic`/`SourceCode` and serde_json.

use miette::Diagnostic;
use serde_json::{Map, Value, json};

/// The JSON message for `diagnostic`, with `reason` as given.
pub(crate) fn diagnostic_json(reason: &str, diagnostic: &dyn Diagnostic) -> Value {
    let mut message = Map::new();
    message.insert("reason".into(), json!(reason));
    if let Some(code) = diagnostic.code() {
        message.insert("code".into(), json!(code.to_string()));
    }
    message.insert("message".into(), json!(diagnostic.to_string()));
    if let Some(help) = diagnostic.help() {
        message.insert("help".into(), json!(help.to_string()));
    }
    let label = diagnostic.labels().and_then(|mut labels| labels.next());
    if let (Some(label), Some(source)) = (label, diagnostic.source_code())
        && let Ok(span) = source.read_span(label.inner(), 0, 0)
    {
        if let Some(name) = span.name() {
            message.insert("file".into(), json!(name));
        }
        message.insert("line".into(), json!(span.line() + 1));
        message.insert("column".into(), json!(span.column() + 1));
        if let Some(text) = label.label() {
            message.insert("label".into(), json!(text));
        }
    }
    Value::Object(message)
}
