//! `System.Diagnostics.StackTrace`'s icall `get_trace` (`mini-runtime.c` registers it as
//! `ves_icall_get_trace`), which `Exception.StackTrace` and `Exception.ToString()` reach
//! through mscorlib's own `StackTrace(Exception, bool)`.
//!
//! Mono returns one `StackFrame` per entry of the exception's `trace_ips`, with a reflection
//! `MethodBase` that `StackTrace.ToString()` formats. This runtime has no reflection objects
//! yet, so each frame is returned the way mono returns a wrapper's frame: `methodBase` null and
//! `internalMethodName` set, which `StackTrace.AddFrames` prints after `"  at "`. The name is
//! the rest of mono's line (`Type.Method (Params) [0x000NN] in <mvid>:0 `, from
//! [`crate::eh::frame_text`]), so mscorlib's IL prints mono's exact text.
//!
//! Depends on: [`crate::eh`] (the trace and its text), [`crate::state`] (`StackFrame`).

/// `StackFrame.internalMethodName`.
const INTERNAL_NAME_FIELD: &str = "internalMethodName";
/// `StackFrame.ilOffset` (mono's, as the line shows it) and `nativeOffset` (-1,
/// `OFFSET_UNKNOWN`: this runtime's code is not mono's).
const IL_OFFSET_FIELD: &str = "ilOffset";
const NATIVE_OFFSET_FIELD: &str = "nativeOffset";
const STACK_FRAME: &str = "Diagnostics.StackFrame";

/// `StackFrame[] get_trace(Exception e, int skipFrames, bool needFileInfo)`.
extern "C" fn get_trace(exception: u64, skip: i32, _need_file_info: i32) -> u64 {
    let lines = crate::eh::unhandled::stack_trace_lines(exception).unwrap_or_default();
    let skip = usize::try_from(skip).unwrap_or(0);
    let lines = lines.get(skip..).unwrap_or_default();
    match frames_array(lines) {
        Ok(array) => array,
        Err(message) => {
            crate::eh::raise::raise("InvalidOperationException", &message);
            0
        }
    }
}

/// A `StackFrame[]` of one frame per line.
fn frames_array(lines: &[crate::eh::frame_text::TraceLine]) -> Result<u64, String> {
    use crate::state::objects::{core_field_offset, new_core_instance};
    let name_offset = u64::from(core_field_offset(STACK_FRAME, INTERNAL_NAME_FIELD)?);
    let il_offset = u64::from(core_field_offset(STACK_FRAME, IL_OFFSET_FIELD)?);
    let native_offset = u64::from(core_field_offset(STACK_FRAME, NATIVE_OFFSET_FIELD)?);
    let array = crate::alloc::alloc_zeroed_scanned_array(lines.len(), 8) as u64;
    for (i, line) in lines.iter().enumerate() {
        let frame = new_core_instance(STACK_FRAME)?;
        let name = crate::alloc::string_from_str(&line.text) as u64;
        let il = line.il_offset.map_or(-1, |il| il as i32);
        // SAFETY: `frame` is a fresh StackFrame with these fields; `array` a fresh scanned
        // vector of `lines.len()` references.
        unsafe {
            ((frame + name_offset) as *mut u64).write(name);
            ((frame + il_offset) as *mut i32).write(il);
            ((frame + native_offset) as *mut i32).write(-1);
            let data = (array + ngen_abi::object::ARRAY_DATA_OFFSET as u64) as *mut u64;
            data.add(i).write(frame);
        }
    }
    Ok(array)
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("get_trace", get_trace as *const ())]
}
