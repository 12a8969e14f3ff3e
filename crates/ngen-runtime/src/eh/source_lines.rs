//! The debug scenario's `in /path/File.cs:LINE` of a stack-trace frame, as `mono --debug`
//! prints it (`StackTrace.AddFrames` with `StackFrame.GetFileName`/`GetFileLineNumber`, filled
//! by `ves_icall_get_trace` from `mono_debug_lookup_source_location`).
//!
//! ## Model
//! Only a debug run reads symbols (`mono` without `--debug` loads none and prints
//! `<mvid>:0`, so a default run does not either, `.mdb` or not). Each assembly's symbol
//! file ([`ngen_symbols::SymbolFile::find_for`]: `App.exe.mdb`, then `App.pdb`) is read the
//! first time the JIT compiles one of its methods or one of its frames is printed, once, and
//! kept for the run; an assembly without symbols, or whose `.mdb` is for another build of the
//! module (mono refuses it too), keeps `<mvid>:0`. A frame shows the last sequence point at
//! or before its IL offset: its IL offset, its line, and its file as the compiler recorded
//! the path (absolute for `mcs`), as `mono_debug_symfile_lookup_location` answers.
//!
//! The IL offset itself differs with symbols too: `mono --debug` shows the frame's own
//! instruction, not its last sequence point, in methods with symbols. Images record which
//! (the compiler knows whether the assembly had symbols); the JIT asks [`has_symbols`].
//!
//! Depends on: ngen-symbols, [`crate::state`] (assembly files), [`crate::gdb_jit`] (the
//! scenario).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use ngen_symbols::SymbolFile;

/// The symbols read so far, by assembly id (`None`: the assembly has none).
static SYMBOLS: Mutex<BTreeMap<usize, Option<SymbolFile>>> = Mutex::new(BTreeMap::new());

/// Whether assembly `id` (at `path`, module `mvid`) has symbols in this run: always `false`
/// outside the debug scenario (nothing is read then).
pub(crate) fn has_symbols(id: usize, path: &Path, mvid: [u8; 16]) -> bool {
    if !crate::gdb_jit::debug_scenario() {
        return false;
    }
    let mut symbols = SYMBOLS.lock().unwrap_or_else(PoisonError::into_inner);
    symbols
        .entry(id)
        .or_insert_with(|| read(path, mvid))
        .is_some()
}

/// Where a frame at IL offset `il` of MethodDef `rid` of assembly `asm` is in its source.
pub(crate) struct SourceLine {
    /// The sequence point's IL offset (what `mono --debug` shows in `[0x…]`).
    pub il_offset: u32,
    pub file: String,
    pub line: u32,
}

/// The sequence point of IL offset `il` of MethodDef `rid` of assembly `asm` (the last at or
/// before it), in a debug run whose assembly has symbols covering it; `None` otherwise.
pub(crate) fn source_line(asm: usize, rid: u32, il: u32) -> Option<SourceLine> {
    if !crate::gdb_jit::debug_scenario() {
        return None;
    }
    let mut symbols = SYMBOLS.lock().unwrap_or_else(PoisonError::into_inner);
    let file = match symbols.get(&asm) {
        Some(file) => file,
        None => {
            // A busy runtime (an exit handler): try again next time rather than remember
            // "no symbols".
            let (path, mvid) = crate::state::try_assembly_file(asm)?;
            symbols.entry(asm).or_insert(read(&path, mvid))
        }
    };
    let file = file.as_ref()?;
    let points = file.sequence_points(rid).ok()?;
    let point = points.iter().rev().find(|p| p.il_offset <= il)?;
    Some(SourceLine {
        il_offset: point.il_offset,
        file: file.files().get(point.file)?.clone(),
        line: point.line,
    })
}

/// The symbols of the assembly at `path`, if it has usable ones.
fn read(path: &Path, mvid: [u8; 16]) -> Option<SymbolFile> {
    SymbolFile::find_for(path, Some(mvid)).ok().flatten()
}
