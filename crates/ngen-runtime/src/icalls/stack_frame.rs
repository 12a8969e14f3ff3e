//! `System.Diagnostics.StackFrame`'s icall `get_frame_info` (mono's `ves_icall_get_frame_info`),
//! which `new StackFrame(...)` and `new StackTrace()` (one `StackFrame` per frame until
//! `GetMethod()` is null) call to learn about a frame of the calling thread.
//!
//! ## Model
//! mscorlib asks for frame `skip` counted from the icall: mono's walk meets the icall's
//! managed-to-native wrapper first, then `StackFrame`'s constructor, so `skip` 2 is the method
//! that made the `StackFrame`. This runtime calls icalls directly, so the naked entry hands
//! the body its caller's frame pointer, and the walk starts at the frame that called the
//! constructor: `skip - 2` frames further out, counting the frames a trace shows
//! ([`crate::eh::frame_text::frame_records`]: no runtime wrappers, no methods mono inlines).
//! As in mono, the IL offset, file and line come from debug info alone: outside the debug
//! scenario (mono without `--debug`), and for an assembly without symbols, the IL offset is 0
//! and there is no file, line or column; in it, the frame's sequence point gives them (the
//! file and line only when `needFileInfo`, the column is always 0: `.mdb` files have none).
//! The native offset is the frame's offset in its code.
//!
//! Depends on: [`crate::eh::trace`] (the walk, the managed entry), [`crate::state::members`]
//! (the frame's `MethodBase`), [`crate::faults`] (the managed stack's bounds).

/// The reflection object of the method a frame runs, as the code map names it: the generic
/// instance whose own code it is (JIT code, an image's instance), as mono's `actual_method`;
/// shared code serves many instances and names none, so its frame gives the method over its
/// own parameters. `None` when the type system cannot name it: the frame then reports no
/// method, and `new StackTrace()` ends there.
fn method_object((asm, rid, context): (usize, u32, u32)) -> Option<u64> {
    crate::state::members::member_of_method_def(asm, rid, context)
}

/// `bool get_frame_info(int skip, bool needFileInfo, out MethodBase method, out int iloffset,
/// out int native_offset, out string file, out int line, out int column)`: the naked entry
/// packs `skip` and `needFileInfo` into the first argument and passes the calling frame's
/// pointer (`rbp`) as the second; the other six arguments stay where the caller put them.
#[unsafe(naked)]
extern "C" fn get_frame_info() {
    core::arch::naked_asm!(
        "mov edi, edi",
        "movzx esi, sil",
        "shl rsi, 32",
        "or rdi, rsi",
        "mov rsi, rbp",
        "jmp {body}",
        body = sym get_frame_info_from,
    )
}

#[allow(clippy::too_many_arguments)]
extern "C" fn get_frame_info_from(
    packed: u64,
    fp: u64,
    method: *mut u64,
    il_offset: *mut i32,
    native_offset: *mut i32,
    file: *mut u64,
    line: *mut i32,
    column: *mut i32,
) -> u32 {
    let skip = packed as u32 as i32;
    let need_file_info = packed >> 32 != 0;
    let Some(index) = usize::try_from(skip).ok().and_then(|s| s.checked_sub(2)) else {
        return 0;
    };
    let Some(frames) = frames_beyond(fp) else {
        return 0;
    };
    let Some(frame) = crate::eh::frame_text::frame_records(&frames)
        .into_iter()
        .filter_map(|record| match record {
            crate::eh::frame_text::FrameRecord::Method(frame) => Some(frame),
            crate::eh::frame_text::FrameRecord::Wrapper { .. } => None,
        })
        .nth(index)
    else {
        return 0;
    };
    let Some(member) = method_object(frame.method) else {
        return 0;
    };
    // Mono's IL offset, file and line come from debug info alone (0 and none without it).
    let il = frame
        .source
        .as_ref()
        .map_or(0, |source| source.il_offset as i32);
    let source = frame.source.as_ref().filter(|_| need_file_info);
    let file_name = source.map_or(0, |source| {
        crate::alloc::string_from_str(&source.file) as u64
    });
    let line_number = source.map_or(0, |source| source.line as i32);
    // SAFETY: the pointers are the addresses of the `StackFrame`'s fields (or of locals) that
    // mscorlib passes as `out` arguments.
    unsafe {
        method.write(member);
        il_offset.write(il);
        native_offset.write(i32::try_from(frame.native).unwrap_or(i32::MAX));
        if need_file_info {
            file.write(file_name);
            line.write(line_number);
            column.write(0);
        }
    }
    1
}

/// The managed frames outward from the caller of the frame whose pointer is `fp` (the
/// `StackFrame` constructor that called the icall), or `None` when `fp` is not a frame of
/// this thread's managed stack.
fn frames_beyond(fp: u64) -> Option<Vec<crate::eh::trace::Frame>> {
    let (low, high) = crate::faults::managed_stack()?;
    let (low, high) = (low as u64, high as u64);
    if fp < low || fp.saturating_add(16) > high || !fp.is_multiple_of(8) {
        return None;
    }
    // SAFETY: `fp` and `fp + 8` lie inside this thread's managed stack (checked above); a
    // managed frame keeps its caller's frame pointer and its return address there.
    let (caller_fp, return_address) =
        unsafe { ((fp as *const u64).read(), ((fp + 8) as *const u64).read()) };
    Some(crate::eh::trace::walk_through_runtime_entry(
        return_address.wrapping_sub(1),
        caller_fp,
    ))
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("get_frame_info", get_frame_info as *const ())]
}
