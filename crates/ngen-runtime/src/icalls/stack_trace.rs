//! `System.Diagnostics.StackTrace`'s icall `get_trace` (`mini-runtime.c` registers it as
//! `ves_icall_get_trace`), which `new StackTrace(exception)`, `Exception.StackTrace` and
//! `Exception.ToString()` reach through mscorlib's own `StackTrace(Exception, bool)`.
//!
//! ## Model
//! As mono's: one `StackFrame` per frame of the exception's trace that mono's walk counts
//! ([`crate::eh::frame_text::frame_records`]: `[StackTraceHidden]` frames included, which
//! only `StackTrace.ToString()` leaves out), each with its method's reflection `MethodBase`
//! (the instance, for an instance's own code), which `StackTrace.AddFrames` formats, its IL
//! offset (the trace's sequence point, or the symbol file's in a debug run) and, when
//! `needFileInfo`, its file and line in a debug run with symbols. A wrapper's frame has no
//! method and mono's text as its `internalMethodName`, which `AddFrames` prints after
//! `"  at "`; so does a managed frame whose method the type system cannot name (its trace
//! line). A wrapper frame's IL offset is mono's wrapper's own (measured per wrapper).
//!
//! Depends on: [`crate::eh`] (the trace and its frames), [`crate::state`] (`StackFrame`,
//! the methods' reflection objects).

use crate::eh::frame_text::FrameRecord;

const STACK_FRAME: &str = "Diagnostics.StackFrame";

/// The `StackFrame` fields `get_trace` fills (mono's `MonoStackFrame`, object-internals.h).
struct FrameFields {
    il_offset: u64,
    native_offset: u64,
    method_index: u64,
    method: u64,
    file_name: u64,
    line_number: u64,
    internal_name: u64,
}

impl FrameFields {
    fn of_stack_frame() -> Result<FrameFields, String> {
        let offset =
            |field| crate::state::objects::core_field_offset(STACK_FRAME, field).map(u64::from);
        Ok(FrameFields {
            il_offset: offset("ilOffset")?,
            native_offset: offset("nativeOffset")?,
            method_index: offset("methodIndex")?,
            method: offset("methodBase")?,
            file_name: offset("fileName")?,
            line_number: offset("lineNumber")?,
            internal_name: offset("internalMethodName")?,
        })
    }
}

/// `methodIndex` of a frame of JIT code (mono's `0xffffff`: no AOT method index).
const NO_METHOD_INDEX: u32 = 0xff_ffff;

/// `StackFrame[] get_trace(Exception e, int skipFrames, bool needFileInfo)`.
extern "C" fn get_trace(exception: u64, skip: i32, need_file_info: i32) -> u64 {
    let frames = crate::eh::trace::frames_of_exception(exception).unwrap_or_default();
    let records = crate::eh::frame_text::frame_records(&frames);
    let skip = usize::try_from(skip).unwrap_or(0);
    let records = records.get(skip..).unwrap_or_default();
    match frames_array(records, need_file_info & 0xff != 0) {
        Ok(array) => array,
        Err(message) => {
            crate::eh::raise::raise("InvalidOperationException", &message);
            0
        }
    }
}

/// What one `StackFrame` holds: its method object or its text, and its offsets and source.
struct FrameValues {
    method: u64,
    internal_name: Option<String>,
    il_offset: i32,
    native_offset: i32,
    source: Option<(String, i32)>,
}

/// The values of `record`'s `StackFrame`; `None` for a frame with neither a method object nor
/// text (a `[StackTraceHidden]` frame the type system cannot name: mono's would be skipped).
fn frame_values(record: &FrameRecord, need_file_info: bool) -> Option<FrameValues> {
    match record {
        FrameRecord::Wrapper { text, il_offset } => Some(FrameValues {
            method: 0,
            internal_name: Some(text.clone()),
            il_offset: *il_offset,
            native_offset: -1,
            source: None,
        }),
        FrameRecord::Method(frame) => {
            let (asm, rid, context) = frame.method;
            let method = crate::state::members::member_of_method_def(asm, rid, context);
            let internal_name = match method {
                Some(_) => None,
                None => Some(frame.text()?),
            };
            let il_offset = match (&frame.source, frame.il) {
                (Some(source), _) => source.il_offset as i32,
                (None, Some(il)) => il as i32,
                (None, None) => -1,
            };
            Some(FrameValues {
                method: method.unwrap_or(0),
                internal_name,
                il_offset,
                native_offset: i32::try_from(frame.native).unwrap_or(i32::MAX),
                source: frame
                    .source
                    .as_ref()
                    .filter(|_| need_file_info)
                    .map(|source| (source.file.clone(), source.line as i32)),
            })
        }
    }
}

/// A `StackFrame[]` of one frame per record.
fn frames_array(records: &[FrameRecord], need_file_info: bool) -> Result<u64, String> {
    use crate::state::objects::new_core_instance;
    let fields = FrameFields::of_stack_frame()?;
    let values: Vec<FrameValues> = records
        .iter()
        .filter_map(|record| frame_values(record, need_file_info))
        .collect();
    let array = crate::alloc::alloc_zeroed_scanned_array(values.len(), 8) as u64;
    for (i, value) in values.iter().enumerate() {
        let frame = new_core_instance(STACK_FRAME)?;
        let internal_name = value
            .internal_name
            .as_deref()
            .map_or(0, |name| crate::alloc::string_from_str(name) as u64);
        let file_name = value
            .source
            .as_ref()
            .map_or(0, |(file, _)| crate::alloc::string_from_str(file) as u64);
        // SAFETY: `frame` is a fresh StackFrame with these fields; `array` a fresh scanned
        // vector of `values.len()` references.
        unsafe {
            let field = |offset: u64| frame + offset;
            (field(fields.method) as *mut u64).write(value.method);
            (field(fields.internal_name) as *mut u64).write(internal_name);
            (field(fields.il_offset) as *mut i32).write(value.il_offset);
            (field(fields.native_offset) as *mut i32).write(value.native_offset);
            (field(fields.method_index) as *mut u32).write(NO_METHOD_INDEX);
            if let Some((_, line)) = &value.source {
                (field(fields.file_name) as *mut u64).write(file_name);
                (field(fields.line_number) as *mut i32).write(*line);
            }
            let data = (array + ngen_abi::object::ARRAY_DATA_OFFSET as u64) as *mut u64;
            data.add(i).write(frame);
        }
    }
    Ok(array)
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("get_trace", get_trace as *const ())]
}
