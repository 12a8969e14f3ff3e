//! The text of a stack trace, byte for byte as mono's `System.Diagnostics.StackTrace`
//! prints it without debug symbols (`StackTrace.AddFrames`, mcs/class/corlib):
//! `  at Namespace.Type.Method (ParamType name, ...) [0x000NN] in <mvid>:0 ` per frame,
//! frames joined by newlines ([`trace_lines`] gives each line without its `"  at "`). In the
//! debug scenario a frame whose assembly has symbols ends `in /path/File.cs:LINE ` instead,
//! as with `mono --debug` ([`super::source_lines`]).
//!
//! ## Model
//! A frame's method comes from [`crate::code_map`] (assembly and MethodDef), its IL offset
//! from the method's IL-offset table (mono's last sequence point, `il_offsets`). Names follow
//! `Type.ToString()` (reflection names: `System.Int32`, `Outer+Inner`, ``List`1[T]`` for a
//! generic type, `T[]`, `T&`), parameters with their names from the Param table, the module
//! version id in `Guid.ToString("N")` form. Parameter types are named by the type system
//! ([`crate::state::trace_names`]), which resolves every assembly's types: a generic
//! instance prints its definition (``System.Func`1[TResult]``) as mono's
//! `GetFullNameForStackTrace` does; the frame's metadata alone names them when the type
//! system cannot.
//!
//! Wrapper frames are mono's text: fixed ([`super::trace::Wrapper`]) or made per signature
//! ([`super::trace::named_wrapper_frame`], a delegate type's end-invoke wrapper).
//!
//! Mono's JIT inlines small methods, whose frames its traces therefore lack: a frame is left
//! out when [`super::inlining`] says mono would have inlined it into its caller.
//!
//! Depends on: [`super::trace`] (frames), [`super::inlining`], [`super::source_lines`],
//! [`crate::code_map`],
//! [`crate::state`] (metadata, [`crate::state::trace_names`]).

use std::fmt::Write as _;

use ngen_metadata::signature::TypeSig;
use ngen_metadata::{Assembly, TableId, Token};

use super::trace::Frame;

/// A frame resolved to its method.
struct Located {
    asm: usize,
    rid: u32,
    /// The generic context of the instance the code is exactly, 0 when none or shared.
    context: u32,
    /// IL offset a trace shows.
    il: Option<u32>,
    /// Offset of the frame's address in the method's code.
    native: u64,
}

/// One line of a trace: its text without `"  at "`.
pub(crate) struct TraceLine {
    pub text: String,
}

/// A frame of a trace as its line is made: one of mono's wrappers, or a managed frame
/// resolved to its method.
enum Shown {
    Wrapper(super::trace::Wrapper),
    /// One of mono's wrappers whose text depends on a signature
    /// ([`super::trace::named_wrapper_frame`]).
    Named(&'static str),
    Managed(Located),
    /// A managed method the runtime serves in Rust ([`super::trace::Wrapper::managed_method`]):
    /// its line, at IL offset 0; never inlined, as mono's JIT compiles it.
    Served(Located),
}

/// Each frame's line of `frames` (innermost first): mono's wrapper frames (the first, where
/// the runtime raised from one, and those standing for `MethodInfo.Invoke`'s icall) and the
/// managed frames.
pub(crate) fn trace_lines(frames: &[Frame]) -> Vec<TraceLine> {
    shown_frames(frames)
        .iter()
        .filter_map(|item| match item {
            Shown::Wrapper(wrapper) => Some(TraceLine {
                text: wrapper.text().to_string(),
            }),
            Shown::Named(text) => Some(TraceLine {
                text: text.to_string(),
            }),
            Shown::Managed(frame) | Shown::Served(frame) => {
                frame_line(frame).map(|text| TraceLine { text })
            }
        })
        .collect()
}

/// A frame as a `StackFrame` object carries it (mono's `ves_icall_get_trace` and
/// `ves_icall_get_frame_info`): one of mono's wrappers by its text, or a managed method.
pub(crate) enum FrameRecord {
    /// A wrapper's frame: `StackFrame.internalMethodName` and the IL offset of mono's, no
    /// method.
    Wrapper {
        text: String,
        il_offset: i32,
    },
    Method(MethodFrame),
}

/// A managed frame of a [`FrameRecord`].
pub(crate) struct MethodFrame {
    /// Assembly index, MethodDef rid and the generic context of an instance's own code.
    pub method: (usize, u32, u32),
    /// Offset of the frame's address in the method's code.
    pub native: u64,
    /// The IL offset the frame's trace line shows (mono's last sequence point).
    pub il: Option<u32>,
    /// The frame's source line, in a debug run whose assembly has symbols (mono's
    /// `mono_debug_lookup_source_location`).
    pub source: Option<super::source_lines::SourceLine>,
}

impl MethodFrame {
    /// The frame's trace line without `"  at "`, for a frame whose method has no reflection
    /// object; `None` for a `[StackTraceHidden]` frame.
    pub(crate) fn text(&self) -> Option<String> {
        let (asm, rid, context) = self.method;
        frame_line(&Located {
            asm,
            rid,
            context,
            il: self.il,
            native: self.native,
        })
    }
}

/// Each frame of `frames` a trace counts, innermost first, as `StackFrame` objects carry
/// them: what `get_frame_info` counts and `get_trace` returns (mono's walk skips
/// runtime-invoke wrappers and knows nothing of methods its JIT inlined). `[StackTraceHidden]`
/// frames are kept: mono counts them, and only `StackTrace.ToString()` leaves them out.
pub(crate) fn frame_records(frames: &[Frame]) -> Vec<FrameRecord> {
    shown_frames(frames)
        .into_iter()
        .map(|shown| match shown {
            Shown::Wrapper(wrapper) => FrameRecord::Wrapper {
                text: wrapper.text().to_string(),
                il_offset: wrapper.il_offset(),
            },
            Shown::Named(text) => FrameRecord::Wrapper {
                text: text.to_string(),
                il_offset: super::trace::NAMED_WRAPPER_IL_OFFSET,
            },
            Shown::Managed(frame) | Shown::Served(frame) => FrameRecord::Method(MethodFrame {
                method: (frame.asm, frame.rid, frame.context),
                native: frame.native,
                source: frame
                    .il
                    .and_then(|il| super::source_lines::source_line(frame.asm, frame.rid, il)),
                il: frame.il,
            }),
        })
        .collect()
}

/// The frames of `frames` a trace shows: wrappers, and managed frames with an IL offset that
/// mono did not inline into their caller.
fn shown_frames(frames: &[Frame]) -> Vec<Shown> {
    let shown: Vec<Shown> = frames
        .iter()
        .filter_map(|f| {
            if let Some(wrapper) = super::trace::Wrapper::of(f.ip) {
                return Some(match wrapper.managed_method() {
                    Some((asm, rid)) => Shown::Served(Located {
                        asm,
                        rid,
                        context: 0,
                        il: Some(0),
                        native: 0,
                    }),
                    None => Shown::Wrapper(wrapper),
                });
            }
            if let Some(text) = super::trace::named_wrapper_text(f.ip) {
                return Some(Shown::Named(text));
            }
            crate::code_map::lookup(f.ip, |range| Located {
                asm: range.asm,
                rid: range.rid,
                context: range.context,
                il: crate::code_map::il_offset_at(range, f.ip),
                native: f.ip - range.start,
            })
            // An address with no IL offset in a caller frame is the stub an image has for an
            // excluded method (it calls the JIT's code through a cell): mono has no such frame.
            .filter(|l| l.il.is_some())
            .map(Shown::Managed)
        })
        .collect();
    let inlined: Vec<bool> = (0..shown.len())
        .map(|i| match (&shown[i], shown.get(i + 1)) {
            (Shown::Managed(frame), Some(Shown::Managed(caller))) => {
                super::inlining::inlined_by_mono((frame.asm, frame.rid), (caller.asm, caller.rid))
            }
            _ => false,
        })
        .collect();
    shown
        .into_iter()
        .zip(inlined)
        .filter_map(|(shown, inlined)| (!inlined).then_some(shown))
        .collect()
}

/// One frame's line.
fn frame_line(frame: &Located) -> Option<String> {
    // Read before the metadata's lock is taken (symbols are found through the runtime too).
    let source = frame
        .il
        .and_then(|il| super::source_lines::source_line(frame.asm, frame.rid, il));
    // Named by the type system, which knows every loaded assembly (also before the lock).
    let param_types = crate::state::trace_names::trace_parameter_types(frame.asm, frame.rid);
    // Waits for a busy runtime: a frame whose line is `None` is left out of the trace.
    crate::state::with_metadata_patiently(frame.asm, |asm| {
        if hidden_from_traces(asm, frame.rid) {
            return None;
        }
        let mut line = String::new();
        write_method(&mut line, asm, frame.rid, param_types.as_deref());
        match &source {
            Some(source) => {
                let _ = write!(
                    line,
                    " [0x{:05x}] in {}:{} ",
                    source.il_offset, source.file, source.line
                );
            }
            None => {
                let _ = write!(line, " [0x{:05x}]", frame.il.unwrap_or(0));
                let _ = write!(line, " in <{}>:0 ", mvid_text(asm));
            }
        }
        Some(line)
    })
    .flatten()
}

/// Whether MethodDef `rid`'s line is left out of a trace's text: it or its class carries
/// `System.Diagnostics.StackTraceHiddenAttribute`, which mono's `GetFullNameForStackTrace`
/// skips (`ThrowHelper`, so `List<T>`'s indexer shows `get_Item` where the exception starts,
/// and `ExceptionDispatchInfo.Throw`). The attribute is internal to the core library, so only
/// its own methods can carry it: a type of that name elsewhere is another type. The frame
/// still counts for `StackTrace.FrameCount` and `GetFrames`, as in mono.
fn hidden_from_traces(asm: &Assembly, rid: u32) -> bool {
    if asm.assembly_row().map(|a| a.name).ok() != Some("mscorlib") {
        return false;
    }
    let hidden = |parent: Token| {
        asm.custom_attributes(parent).is_ok_and(|rows| {
            rows.iter().any(|row| {
                row.ctor.table() == Some(TableId::MethodDef)
                    && asm.attribute_type_name(row.ctor).ok()
                        == Some(("System.Diagnostics", "StackTraceHiddenAttribute"))
            })
        })
    };
    hidden(Token::new(TableId::MethodDef, rid))
        || asm
            .method_owner(rid)
            .is_ok_and(|owner| hidden(Token::new(TableId::TypeDef, owner)))
}

/// `Namespace.Type.Method[T] (P1 a, P2 b)`, as `StackTrace.GetFullNameForStackTrace`, with
/// the parameter types `param_types` names (else from `asm`'s metadata alone, where another
/// assembly's generic instance keeps its arguments).
fn write_method(out: &mut String, asm: &Assembly, rid: u32, param_types: Option<&[String]>) {
    let owner = asm.method_owner(rid).ok();
    match owner {
        Some(t) => write_type_def(out, asm, t),
        None => out.push_str("<unknown>"),
    }
    let method = asm.method_def(rid).ok();
    out.push('.');
    out.push_str(method.map_or("<unknown>", |m| m.name));
    let method_token = Token::new(TableId::MethodDef, rid);
    let method_params = generic_params(asm, method_token);
    if !method_params.is_empty() {
        let _ = write!(out, "[{}]", method_params.join(","));
    }
    out.push_str(" (");
    let sig = method.and_then(|m| asm.method_sig(m.signature).ok());
    if let Some(sig) = sig {
        let names = param_names(asm, rid, sig.params.len());
        let context = Context {
            type_owner: owner,
            method: rid,
        };
        for (i, param) in sig.params.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match param_types.and_then(|names| names.get(i)) {
                Some(name) => out.push_str(name),
                None => write_type(out, asm, param, &context, true),
            }
            if let Some(Some(name)) = names.get(i) {
                out.push(' ');
                out.push_str(name);
            }
        }
    }
    out.push(')');
}

/// Whose generic parameters `Var` and `MVar` name.
struct Context {
    type_owner: Option<u32>,
    method: u32,
}

/// A TypeDef's reflection name; a generic type definition with its parameters (`` `1[T] ``).
fn write_type_def(out: &mut String, asm: &Assembly, rid: u32) {
    let name = asm
        .type_def_full_name(rid)
        .unwrap_or_else(|_| format!("<type {rid}>"));
    out.push_str(&name.replace('/', "+"));
    let params = generic_params(asm, Token::new(TableId::TypeDef, rid));
    if !params.is_empty() {
        let _ = write!(out, "[{}]", params.join(","));
    }
}

/// A type's `ToString()`; `definition` turns a generic instance into its definition, as the
/// parameter list of a trace does.
fn write_type(out: &mut String, asm: &Assembly, t: &TypeSig, context: &Context, definition: bool) {
    let primitive = match t {
        TypeSig::Void => "System.Void",
        TypeSig::Boolean => "System.Boolean",
        TypeSig::Char => "System.Char",
        TypeSig::I1 => "System.SByte",
        TypeSig::U1 => "System.Byte",
        TypeSig::I2 => "System.Int16",
        TypeSig::U2 => "System.UInt16",
        TypeSig::I4 => "System.Int32",
        TypeSig::U4 => "System.UInt32",
        TypeSig::I8 => "System.Int64",
        TypeSig::U8 => "System.UInt64",
        TypeSig::R4 => "System.Single",
        TypeSig::R8 => "System.Double",
        TypeSig::I => "System.IntPtr",
        TypeSig::U => "System.UIntPtr",
        TypeSig::String => "System.String",
        TypeSig::Object => "System.Object",
        TypeSig::TypedByRef => "System.TypedReference",
        _ => "",
    };
    if !primitive.is_empty() {
        out.push_str(primitive);
        return;
    }
    match t {
        TypeSig::Class(token) | TypeSig::ValueType(token) => write_type_token(out, asm, *token),
        TypeSig::SzArray(element) => {
            write_type(out, asm, element, context, false);
            out.push_str("[]");
        }
        TypeSig::Array { element, rank, .. } => {
            write_type(out, asm, element, context, false);
            match rank {
                1 => out.push_str("[*]"),
                n => {
                    let _ = write!(out, "[{}]", ",".repeat(*n as usize - 1));
                }
            }
        }
        TypeSig::Ptr(inner) => {
            write_type(out, asm, inner, context, false);
            out.push('*');
        }
        // A by-ref is no generic type: its instance keeps its arguments.
        TypeSig::ByRef(inner) => {
            write_type(out, asm, inner, context, false);
            out.push('&');
        }
        TypeSig::GenericInst { generic, args, .. } => {
            if definition && generic.table() == Some(TableId::TypeDef) {
                write_type_def(out, asm, generic.rid());
                return;
            }
            write_type_token(out, asm, *generic);
            out.push('[');
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_type(out, asm, arg, context, false);
            }
            out.push(']');
        }
        TypeSig::Var(n) => {
            let owner = context.type_owner.map(|t| Token::new(TableId::TypeDef, t));
            out.push_str(&param_name(asm, owner, *n, "T"));
        }
        TypeSig::MVar(n) => {
            let owner = Some(Token::new(TableId::MethodDef, context.method));
            out.push_str(&param_name(asm, owner, *n, "M"));
        }
        TypeSig::Modified { inner, .. } => write_type(out, asm, inner, context, definition),
        _ => out.push_str("System.IntPtr"),
    }
}

/// A TypeDef or TypeRef token's reflection name (TypeSpecs through their signature).
fn write_type_token(out: &mut String, asm: &Assembly, token: Token) {
    let name = match token.table() {
        Some(TableId::TypeDef) => asm.type_def_full_name(token.rid()).ok(),
        Some(TableId::TypeRef) => asm.type_ref_full_name(token.rid()).ok(),
        Some(TableId::TypeSpec) => asm
            .type_spec_sig(token.rid())
            .ok()
            .map(|sig| asm.format_type(&sig)),
        _ => None,
    };
    out.push_str(
        &name
            .unwrap_or_else(|| format!("{token:?}"))
            .replace('/', "+"),
    );
}

/// The names of the generic parameters `owner` declares, in order.
fn generic_params(asm: &Assembly, owner: Token) -> Vec<String> {
    let count = asm.row_count(TableId::GenericParam);
    let mut params: Vec<(u16, String)> = (1..=count)
        .filter_map(|rid| asm.generic_param(rid).ok())
        .filter(|p| p.owner == owner)
        .map(|p| (p.number, p.name.to_string()))
        .collect();
    params.sort();
    params.into_iter().map(|(_, name)| name).collect()
}

fn param_name(asm: &Assembly, owner: Option<Token>, number: u32, fallback: &str) -> String {
    owner
        .and_then(|o| generic_params(asm, o).into_iter().nth(number as usize))
        .unwrap_or_else(|| format!("{fallback}{number}"))
}

/// Each parameter's name (`None` without a Param row), by position.
fn param_names(asm: &Assembly, rid: u32, count: usize) -> Vec<Option<String>> {
    let mut names = vec![None; count];
    for param in asm.params_of(rid).unwrap_or_default() {
        let Ok(row) = asm.param(param) else {
            continue;
        };
        if let Some(slot) = (row.sequence as usize)
            .checked_sub(1)
            .and_then(|i| names.get_mut(i))
        {
            *slot = Some(row.name.to_string());
        }
    }
    names
}

/// The module version id as `Guid.ToString("N")`.
fn mvid_text(asm: &Assembly) -> String {
    let Ok(b) = asm.mvid() else {
        return "00000000000000000000000000000000".to_string();
    };
    let mut out = String::with_capacity(32);
    let order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    for i in order {
        let _ = write!(out, "{:02x}", b[i]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_outside_managed_code_give_no_text() {
        // Above every wrapper id and the filter probe's mark, below named wrapper frames.
        assert!(trace_lines(&[Frame { ip: 0x800, fp: 0 }]).is_empty());
        assert!(trace_lines(&[]).is_empty());
    }
}
