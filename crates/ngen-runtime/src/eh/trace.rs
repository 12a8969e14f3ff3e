//! Stack traces of exceptions: which managed frames an exception passed through, kept in the
//! exception object as mono keeps `trace_ips` (mono-runtime.md §3, `Exception._stackTrace`).
//!
//! ## Model
//! Compiled code keeps frame pointers (`preserve_frame_pointers`), so the managed frames of a
//! thread form a chain: each frame's saved frame pointer at `[fp]` and its return address at
//! `[fp + 8]`. A walk starts from a helper's caller (its return address and frame pointer,
//! taken by a naked entry before any Rust code runs) and follows the chain while each return
//! address lies in managed code ([`crate::code_map`]); the first Rust frame ends it (the
//! runtime's frames need not keep frame pointers, so nothing past one is read).
//!
//! The trace is recorded as mono's first pass does (`handle_exception_first_pass`,
//! mini-exceptions.c), in three steps:
//! - **throw** (the `throw` instruction, and exceptions the runtime raises through `Throw` or a
//!   missing icall): a new trace of every managed frame from the thrower outwards;
//! - **rethrow**: the old trace without its last frame (the frame that caught it), then the
//!   frames from the rethrowing one outwards;
//! - **caught** (a `catch` handler or a filter taking the exception): the trace ends at that
//!   frame. An unhandled exception keeps every frame up to `Main`.
//!
//! Each frame is stored as mono's `ExceptionTraceIp` triple of words `(ip, frame pointer, 0)`
//! (mono's second word is generic info, which has no use here; the frame pointer lets a catch
//! cut the trace) in an unscanned array in `_stackTrace`: `ip` is inside the frame's call
//! instruction (return address - 1, as mono's unwinder adjusts it).
//!
//! A walk that reaches the runtime's call trampoline ([`crate::dynamic_call`]) goes on when
//! the icall that called it recorded its managed caller (`MethodInfo.Invoke`'s
//! `InternalInvoke`, `PropertyInfo.GetValue`'s getter adapters): mono's managed-to-native
//! wrapper frame, or the adapter's mscorlib frame (a [`Wrapper`] pseudo-frame whose frame
//! pointer is the trampoline's, so a catch inside the invoked method cuts it), then the
//! caller and its callers, as mono's unwinder crosses its `runtime_invoke` wrapper.
//!
//! Where mono raises from one of its wrappers, the trace begins with the wrapper's frame
//! ([`Wrapper`], a pseudo-frame whose `ip` is the wrapper's id): class initialisation (a
//! `TypeInitializationException`, recorded from the managed frame that entered the runtime
//! through `ResolveCell`, [`with_runtime_entry`]), array allocation, `stelem.ref`. An object
//! thrown that is not an `Exception` has no field for its trace: the last one's is kept aside
//! for the unhandled report (mono reports it wrapped in a `RuntimeWrappedException`).
//!
//! An exception a delegate's `EndInvoke` rethrows keeps its target's frames from the pool
//! thread, then gains mono's end-invoke icall frame, the delegate type's end-invoke wrapper
//! frame (a named wrapper frame, [`named_wrapper_frame`]: its text depends on the delegate's
//! signature) and the frames of `EndInvoke`'s caller ([`record_end_invoke`]).
//!
//! Depends on: [`crate::code_map`], [`crate::faults`] (the stack's bounds), [`crate::state`]
//! (the `Exception` class and its fields), [`crate::alloc`] (the array allocation).

use ngen_abi::exceptions::TraceMode;
use ngen_abi::object::ARRAY_DATA_OFFSET;

/// `System.Exception._stackTrace`, mono's `trace_ips`.
pub(crate) const TRACE_FIELD: &str = "_stackTrace";

/// Mono's `ExceptionTraceIp`: words per frame.
const WORDS_PER_FRAME: usize = 3;

/// Mono stops recording after this many frames (a stack overflow's trace).
const MAX_FRAMES: usize = 1000;

/// The [`crate::dynamic_call::Resume`] mark of a call in probe mode (`eh/first_pass.rs`):
/// a walk from the probed method's code goes on at the caller of the frame it probes, with no
/// wrapper frame (mono runs a filter on its method's frame). Not a [`Wrapper`] id.
pub(crate) const FILTER_PROBE: u64 = 0x100;

/// A frame of one of mono's wrappers, which its traces show where this runtime runs Rust
/// code; stored as a frame whose `ip` is the wrapper's id (no code lives at such addresses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wrapper {
    /// Class initialisation from compiled code (a static field, a constructor).
    ClassInit = 1,
    /// `newarr`'s allocation (a negative length raises from it).
    AllocVector = 2,
    /// `stelem.ref`'s store, by the array's element class ([`super::stelemref`]).
    StelemrefObject = 3,
    StelemrefSealedClass = 4,
    StelemrefInterface = 5,
    StelemrefComplex = 6,
    StelemrefClassSmallIdepth = 7,
    StelemrefClass = 8,
    /// `MethodInfo.Invoke`'s icall, between the invoked method and `Invoke`
    /// ([`crate::dynamic_call::Resume`]).
    InvokeMethod = 9,
    /// `ConstructorInfo.Invoke`'s (and `Activator`'s) icall.
    InvokeConstructor = 10,
    /// `PropertyInfo.GetValue`'s adapter between the getter and `GetValue`
    /// (`RuntimePropertyInfo.GetterAdapterFrame<T,R>`, which mono's JIT compiles and this
    /// runtime serves in Rust, `state::reflected_delegates`): shown as that mscorlib
    /// method's frame ([`Wrapper::managed_method`]).
    GetterAdapter = 11,
    /// `RuntimePropertyInfo.StaticGetterAdapterFrame<R>`, as [`Wrapper::GetterAdapter`].
    StaticGetterAdapter = 12,
    /// The icall a delegate type's end-invoke wrapper rethrows the target's exception from
    /// (`mono_delegate_end_invoke`); the wrapper's own frame follows it, a named frame
    /// ([`named_wrapper_frame`]) since its text depends on the delegate type.
    DelegateEndInvoke = 13,
    /// `RuntimeHelpers.RunClassConstructor`'s icall, between a failed `.cctor` and the
    /// managed `RunClassConstructor(RuntimeTypeHandle)` that called it.
    RunClassConstructor = 14,
    /// [`Wrapper::ClassInit`] and [`Wrapper::RunClassConstructor`] after the process's
    /// first type-initialisation failure: the same frame text, but mono's `StackFrame` of
    /// them has another IL offset from then on ([`type_init_wrapper`]).
    ClassInitLater = 15,
    RunClassConstructorLater = 16,
}

/// Whether a type initializer has failed in this process before ([`type_init_wrapper`]).
static TYPE_INIT_FAILED_BEFORE: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// The wrapper frame of a `TypeInitializationException` raised from `wrapper`
/// ([`Wrapper::ClassInit`] or [`Wrapper::RunClassConstructor`]): mono 6.8's `StackFrame` of
/// its type-initialisation icall wrappers has IL offset 22 (24) for the process's first such
/// exception and 48 (50) for every later one, whichever the type (measured: a precise and a
/// `beforefieldinit` type, first failures and raises again).
fn type_init_wrapper(wrapper: Wrapper) -> Wrapper {
    let later = TYPE_INIT_FAILED_BEFORE.swap(true, std::sync::atomic::Ordering::Relaxed);
    match (wrapper, later) {
        (Wrapper::ClassInit, true) => Wrapper::ClassInitLater,
        (Wrapper::RunClassConstructor, true) => Wrapper::RunClassConstructorLater,
        (wrapper, _) => wrapper,
    }
}

/// The managed method each wrapper that stands for one was last recorded as
/// ([`record_wrapper_method`]): (assembly index, MethodDef rid).
static WRAPPER_METHODS: std::sync::Mutex<Vec<(Wrapper, (usize, u32))>> =
    std::sync::Mutex::new(Vec::new());

/// Records that `wrapper`'s frame is MethodDef `rid` of assembly `asm`, a managed method the
/// runtime serves in Rust (mono's traces show that method's frame).
pub(crate) fn record_wrapper_method(wrapper: Wrapper, (asm, rid): (usize, u32)) {
    let mut methods = WRAPPER_METHODS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    methods.retain(|(w, _)| *w != wrapper);
    methods.push((wrapper, (asm, rid)));
}

impl Wrapper {
    /// The wrapper of a frame `ip`, if it is one.
    pub(crate) fn of(ip: u64) -> Option<Wrapper> {
        [
            Wrapper::ClassInit,
            Wrapper::AllocVector,
            Wrapper::StelemrefObject,
            Wrapper::StelemrefSealedClass,
            Wrapper::StelemrefInterface,
            Wrapper::StelemrefComplex,
            Wrapper::StelemrefClassSmallIdepth,
            Wrapper::StelemrefClass,
            Wrapper::InvokeMethod,
            Wrapper::InvokeConstructor,
            Wrapper::GetterAdapter,
            Wrapper::StaticGetterAdapter,
            Wrapper::DelegateEndInvoke,
            Wrapper::RunClassConstructor,
            Wrapper::ClassInitLater,
            Wrapper::RunClassConstructorLater,
        ]
        .into_iter()
        .find(|w| *w as u64 == ip)
    }

    /// Mono's frame text (without `"  at "`).
    pub(crate) fn text(self) -> &'static str {
        match self {
            Wrapper::ClassInit | Wrapper::ClassInitLater => {
                "(wrapper managed-to-native) System.Object.__icall_wrapper_mono_generic_class_init(intptr)"
            }
            Wrapper::AllocVector => "(wrapper alloc) System.Object.AllocVector(intptr,intptr)",
            Wrapper::StelemrefObject => {
                "(wrapper stelemref) System.Object.virt_stelemref_object(intptr,object)"
            }
            Wrapper::StelemrefSealedClass => {
                "(wrapper stelemref) System.Object.virt_stelemref_sealed_class(intptr,object)"
            }
            Wrapper::StelemrefInterface => {
                "(wrapper stelemref) System.Object.virt_stelemref_interface(intptr,object)"
            }
            Wrapper::StelemrefComplex => {
                "(wrapper stelemref) System.Object.virt_stelemref_complex(intptr,object)"
            }
            Wrapper::StelemrefClassSmallIdepth => {
                "(wrapper stelemref) System.Object.virt_stelemref_class_small_idepth(intptr,object)"
            }
            Wrapper::StelemrefClass => {
                "(wrapper stelemref) System.Object.virt_stelemref_class(intptr,object)"
            }
            Wrapper::InvokeMethod => {
                "(wrapper managed-to-native) System.Reflection.RuntimeMethodInfo.InternalInvoke(System.Reflection.RuntimeMethodInfo,object,object[],System.Exception&)"
            }
            Wrapper::InvokeConstructor => {
                "(wrapper managed-to-native) System.Reflection.RuntimeConstructorInfo.InternalInvoke(System.Reflection.RuntimeConstructorInfo,object,object[],System.Exception&)"
            }
            // Shown as their methods' frames; these only when the method is unknown.
            Wrapper::GetterAdapter => "System.Reflection.RuntimePropertyInfo.GetterAdapterFrame",
            Wrapper::StaticGetterAdapter => {
                "System.Reflection.RuntimePropertyInfo.StaticGetterAdapterFrame"
            }
            Wrapper::DelegateEndInvoke => {
                "(wrapper managed-to-native) System.Object.__icall_wrapper_mono_delegate_end_invoke(object,intptr)"
            }
            Wrapper::RunClassConstructor | Wrapper::RunClassConstructorLater => {
                "(wrapper managed-to-native) System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(intptr)"
            }
        }
    }

    /// The IL offset mono's `StackFrame` of this wrapper's frame has (`ves_icall_get_trace`:
    /// the wrapper's own sequence point before the call that raised, measured under mono
    /// 6.8 on amd64); -1 where it has none (`(wrapper alloc)`) or it was not measured (a
    /// store of `object`'s elements never fails; the adapters show as managed frames).
    pub(crate) fn il_offset(self) -> i32 {
        match self {
            Wrapper::ClassInit => 22,
            Wrapper::StelemrefSealedClass => 44,
            Wrapper::StelemrefInterface => 78,
            Wrapper::StelemrefComplex => 57,
            Wrapper::StelemrefClassSmallIdepth => 64,
            Wrapper::StelemrefClass => 83,
            Wrapper::InvokeMethod | Wrapper::InvokeConstructor => 74,
            Wrapper::DelegateEndInvoke => 49,
            Wrapper::RunClassConstructor => 24,
            Wrapper::ClassInitLater => 48,
            Wrapper::RunClassConstructorLater => 50,
            Wrapper::AllocVector
            | Wrapper::StelemrefObject
            | Wrapper::GetterAdapter
            | Wrapper::StaticGetterAdapter => -1,
        }
    }

    /// The managed method whose frame this wrapper stands for, when it is one the runtime
    /// serves in Rust and has recorded ([`record_wrapper_method`]).
    pub(crate) fn managed_method(self) -> Option<(usize, u32)> {
        let methods = WRAPPER_METHODS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        methods
            .iter()
            .find(|(w, _)| *w == self)
            .map(|(_, method)| *method)
    }

    fn frame(self) -> Frame {
        Frame {
            ip: self as u64,
            fp: 0,
        }
    }
}

/// The frame `ip` of the first named wrapper frame ([`named_wrapper_frame`]): above every
/// [`Wrapper`] id and [`FILTER_PROBE`], below any mapping (`mmap_min_addr` is 64 KiB).
const NAMED_WRAPPER_BASE: u64 = 0x1000;

/// How many named wrapper frames there can be (their `ip`s stay below 64 KiB).
const NAMED_WRAPPER_LIMIT: usize = 0xE000;

/// The texts of named wrapper frames, by `ip - NAMED_WRAPPER_BASE`.
static NAMED_WRAPPERS: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());

/// The frame `ip` of one of mono's wrappers whose text (without `"  at "`) depends on a
/// signature, as a delegate type's end-invoke wrapper does: interned once per call (callers
/// make one per delegate type); 0, for no frame, past [`NAMED_WRAPPER_LIMIT`].
pub(crate) fn named_wrapper_frame(text: String) -> u64 {
    let mut named = NAMED_WRAPPERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if named.len() >= NAMED_WRAPPER_LIMIT {
        return 0;
    }
    named.push(Box::leak(text.into_boxed_str()));
    NAMED_WRAPPER_BASE + (named.len() - 1) as u64
}

/// The IL offset of a named wrapper's `StackFrame`, as [`Wrapper::il_offset`]: a delegate
/// type's end-invoke wrapper, the only named one, at 11 in mono 6.8.
pub(crate) const NAMED_WRAPPER_IL_OFFSET: i32 = 11;

/// The text of the named wrapper frame `ip`, if it is one.
pub(crate) fn named_wrapper_text(ip: u64) -> Option<&'static str> {
    let index = usize::try_from(ip.checked_sub(NAMED_WRAPPER_BASE)?).ok()?;
    let named = NAMED_WRAPPERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    named.get(index).copied()
}

/// Records the trace of `exception`, which a delegate's `EndInvoke` rethrows in the frame
/// with `return_address` and frame pointer `fp` after its target left it on a pool thread,
/// as mono's: the target's frames, mono's end-invoke icall frame, the delegate type's
/// end-invoke wrapper frame (`end_wrapper`, a [`named_wrapper_frame`]; 0 for none), then the
/// caller's frames. The pool thread's frames lie on another stack: their frame pointers are
/// dropped, so no catch on this thread cuts them.
pub(crate) fn record_end_invoke(exception: u64, end_wrapper: u64, return_address: u64, fp: u64) {
    let Some(field) = trace_field(exception) else {
        return;
    };
    // Thrown again on this thread: a new first pass.
    super::first_pass::forget(exception);
    let mut frames: Vec<Frame> = frames_of_exception(exception)
        .unwrap_or_default()
        .into_iter()
        .map(|frame| Frame {
            ip: frame.ip,
            fp: 0,
        })
        .collect();
    frames.push(Wrapper::DelegateEndInvoke.frame());
    if end_wrapper != 0 {
        frames.push(Frame {
            ip: end_wrapper,
            fp: 0,
        });
    }
    frames.extend(walk(return_address.wrapping_sub(1), fp));
    let array = store(&frames);
    // SAFETY: `field` is the `_stackTrace` reference of the live exception.
    unsafe { (field as *mut u64).write(array) };
}

/// Records a new trace for `exception`, raised by the runtime inside mono's `wrapper` called
/// from the managed frame with `return_address` and frame pointer `fp`.
pub(crate) fn record_in_wrapper(exception: u64, wrapper: Wrapper, return_address: u64, fp: u64) {
    let Some(field) = trace_field(exception) else {
        return;
    };
    let mut frames = walk(return_address.wrapping_sub(1), fp);
    if frames.is_empty() {
        return;
    }
    frames.insert(0, wrapper.frame());
    let array = store(&frames);
    // SAFETY: `field` is the `_stackTrace` reference of the live exception.
    unsafe { (field as *mut u64).write(array) };
}

/// Where managed code entered the runtime, innermost: the calling frame (frame pointer,
/// return address), and the icall wrapper mono shows above it when the entry is an icall
/// rather than a helper of compiled code.
#[derive(Clone, Copy)]
struct RuntimeEntry {
    fp: u64,
    return_address: u64,
    icall: Option<Wrapper>,
}

std::thread_local! {
    /// The managed frame that called into the runtime through `ResolveCell` or
    /// `RunClassConstructor`, innermost, or none: where a failed type initializer's
    /// `TypeInitializationException` is raised from.
    static RUNTIME_ENTRY: std::cell::Cell<Option<RuntimeEntry>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` (the runtime's work for a helper) with the calling managed frame, `fp` and
/// `return_address`, as the current runtime entry.
pub(crate) fn with_runtime_entry<R>(fp: u64, return_address: u64, f: impl FnOnce() -> R) -> R {
    with_entry(fp, return_address, None, f)
}

/// As [`with_runtime_entry`], for an icall whose frame mono shows as `icall`'s wrapper.
pub(crate) fn with_icall_entry<R>(
    fp: u64,
    return_address: u64,
    icall: Wrapper,
    f: impl FnOnce() -> R,
) -> R {
    with_entry(fp, return_address, Some(icall), f)
}

fn with_entry<R>(fp: u64, return_address: u64, icall: Option<Wrapper>, f: impl FnOnce() -> R) -> R {
    let entry = RuntimeEntry {
        fp,
        return_address,
        icall,
    };
    let previous = RUNTIME_ENTRY.with(|e| e.replace(Some(entry)));
    let result = f();
    RUNTIME_ENTRY.with(|e| e.set(previous));
    result
}

/// [`walk`] from `ip` and `fp`, continued past a type initializer the runtime runs for a
/// managed frame (entered through `ResolveCell`, [`with_runtime_entry`]): the walk from the
/// initializer stops at the runtime's frames, and mono's crosses its runtime-invoke wrapper
/// to the frame whose access ran it. A static method whose own entry check ran it is left
/// out as a trace leaves it out (its frame has no IL offset yet: mono initialises the class
/// before the call). Mono shows its class-init wrapper frame between the initializer and a
/// field access or constructor; this walk does not.
pub(crate) fn walk_through_runtime_entry(ip: u64, fp: u64) -> Vec<Frame> {
    let mut frames = walk(ip, fp);
    let Some(entry) = RUNTIME_ENTRY.with(std::cell::Cell::get) else {
        return frames;
    };
    let outermost_fp = frames.last().map_or(fp, |frame| frame.fp);
    if entry.fp != 0 && entry.fp > outermost_fp {
        frames.extend(walk(entry.return_address.wrapping_sub(1), entry.fp));
    }
    frames
}

/// Records the trace of the `TypeInitializationException` `exception`, raised where managed
/// code entered the runtime to initialise a class, as mono shows it: a frame whose own entry
/// check ran the initializer is not shown (a static method's caller shows the call); a
/// constructor's entry check or a static field access shows mono's class-init wrapper
/// before the accessing frame. The entry point's own class (`type_name`) mono initialises
/// before the entry point runs, so its exception has no frames at all.
pub(crate) fn record_type_initializer(exception: u64, type_name: &str) {
    let Some(entry) = RUNTIME_ENTRY.with(std::cell::Cell::get) else {
        return;
    };
    let Some(field) = trace_field(exception) else {
        return;
    };
    let mut frames = walk(entry.return_address.wrapping_sub(1), entry.fp);
    // An icall (`RunClassConstructor`): its wrapper above its managed caller, as mono.
    if let Some(icall) = entry.icall {
        frames.insert(0, type_init_wrapper(icall).frame());
        let array = store(&frames);
        // SAFETY: `field` is the `_stackTrace` reference of the live exception.
        unsafe { (field as *mut u64).write(array) };
        return;
    }
    let Some(first) = frames.first().copied() else {
        return;
    };
    let outermost = frames.last().copied().unwrap_or(first);
    if is_entry_point_of(outermost, type_name) {
        return;
    }
    let at_entry_check = crate::code_map::lookup(first.ip, |range| {
        let in_prologue = crate::code_map::il_offset_at(range, first.ip).is_none();
        let is_ctor = crate::code_map::name_of(range.asm, range.rid, range.name.as_deref())
            .is_some_and(|name| name.ends_with("::.ctor"));
        (in_prologue, is_ctor, (range.asm, range.rid))
    });
    let wrapper = type_init_wrapper(Wrapper::ClassInit).frame();
    match at_entry_check {
        // A method's entry checks (`ngen_compiler`'s `class_init`): mono initialises those
        // classes when it prepares the method, at its call, so the caller shows the call;
        // but a precise class's constructor it initialises in the caller, from its
        // class-init wrapper.
        Some((true, is_ctor, method)) => {
            frames.remove(0);
            if is_ctor && initialises_own_precise_class(method, type_name) {
                frames.insert(0, wrapper);
            }
        }
        _ => frames.insert(0, wrapper),
    }
    let array = store(&frames);
    // SAFETY: `field` is the `_stackTrace` reference of the live exception.
    unsafe { (field as *mut u64).write(array) };
}

/// Whether `frame` runs the program's entry point, declared by the type named `type_name`
/// (`Ns.Outer+Inner`).
fn is_entry_point_of(frame: Frame, type_name: &str) -> bool {
    use ngen_metadata::{TableId, Token};
    let Some((asm, rid)) = crate::code_map::lookup(frame.ip, |r| (r.asm, r.rid)) else {
        return false;
    };
    crate::state::try_with_metadata(asm, |a| {
        let entry = a.entry_point_token() == Some(Token::new(TableId::MethodDef, rid));
        let owner = a
            .method_owner(rid)
            .ok()
            .and_then(|t| super::raise::type_initializer_name(a, t));
        entry && owner.is_some_and(|name| name == type_name)
    })
    .unwrap_or(false)
}

/// Whether the class named `type_name` is the precise (not `beforefieldinit`) class declaring
/// MethodDef `rid` of assembly `asm`.
fn initialises_own_precise_class((asm, rid): (usize, u32), type_name: &str) -> bool {
    const BEFORE_FIELD_INIT: u32 = ngen_metadata::flags::type_attributes::BEFORE_FIELD_INIT;
    crate::state::try_with_metadata(asm, |a| {
        let Ok(owner) = a.method_owner(rid) else {
            return false;
        };
        let precise = a
            .type_def(owner)
            .is_ok_and(|td| td.flags & BEFORE_FIELD_INIT == 0);
        precise && super::raise::type_initializer_name(a, owner).is_some_and(|n| n == type_name)
    })
    .unwrap_or(false)
}

/// One managed frame: an address inside its current instruction and its frame pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Frame {
    pub ip: u64,
    pub fp: u64,
}

/// Defines an `extern "C"` entry point called (or jumped to) straight from managed code, which
/// jumps to `body` with two more arguments: the caller's frame pointer (in the register
/// `fp`) and its return address (in `ra`), taken before any Rust code can change them (the
/// registers are the SysV argument registers after the entry's own arguments).
macro_rules! managed_entry {
    ($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)?
        => $body:path, fp = $fp:literal, ra = $ra:literal) => {
        $(#[$doc])*
        #[unsafe(naked)]
        $vis extern "C" fn $name($($arg: $ty),*) $(-> $ret)? {
            core::arch::naked_asm!(
                concat!("mov ", $fp, ", rbp"),
                concat!("mov ", $ra, ", [rsp]"),
                "jmp {body}",
                body = sym $body,
            )
        }
    };
}
pub(crate) use managed_entry;

managed_entry! {
    /// Helper `CaptureTrace`: records `exception`'s trace from the calling managed frame.
    pub(crate) fn capture_trace(exception: u64, mode: u32) => capture_trace_from,
        fp = "rdx", ra = "rcx"
}

extern "C" fn capture_trace_from(exception: u64, mode: u32, fp: u64, return_address: u64) {
    let Some(mode) = TraceMode::from_id(mode) else {
        return;
    };
    record(exception, mode, return_address, fp);
}

/// Records `exception`'s trace for `mode` from the frame that called a helper with
/// `return_address` and frame pointer `fp` (nothing when that caller is not managed code).
pub(crate) fn record(exception: u64, mode: TraceMode, return_address: u64, fp: u64) {
    // Thrown again (a new first pass), or caught (its first pass is over).
    super::first_pass::forget(exception);
    let old = frames_of_exception(exception);
    let frames = match mode {
        TraceMode::Throw => walk(return_address.wrapping_sub(1), fp),
        TraceMode::Rethrow => {
            let mut frames = old.unwrap_or_default();
            frames.pop();
            frames.extend(walk(return_address.wrapping_sub(1), fp));
            frames
        }
        TraceMode::Caught => {
            let Some(mut frames) = old else {
                return;
            };
            frames.retain(|f| f.fp <= fp);
            frames
        }
    };
    if frames.is_empty() && mode != TraceMode::Caught {
        return;
    }
    match trace_field(exception) {
        Some(field) => {
            let array = store(&frames);
            // SAFETY: `field` is the `_stackTrace` reference of a live exception; the array is
            // a collected object the exception now refers to.
            unsafe { (field as *mut u64).write(array) };
        }
        None => set_wrapped_trace(exception, frames),
    }
}

/// The trace of the last thrown object that is not an `Exception` (IL may throw any object;
/// mono wraps it in a `RuntimeWrappedException`, whose trace its report prints): the object and
/// its frames. Only the report reads it, for the object in flight.
static WRAPPED_TRACE: std::sync::Mutex<(u64, Vec<Frame>)> = std::sync::Mutex::new((0, Vec::new()));

fn set_wrapped_trace(object: u64, frames: Vec<Frame>) {
    let mut slot = WRAPPED_TRACE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *slot = (object, frames);
}

/// The managed frames of a thrown object's trace, innermost first; `None` before it is thrown.
pub(crate) fn frames_of_exception(exception: u64) -> Option<Vec<Frame>> {
    let Some(field) = trace_field(exception) else {
        let slot = WRAPPED_TRACE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        return (exception != 0 && slot.0 == exception).then(|| slot.1.clone());
    };
    // SAFETY: `field` is the `_stackTrace` reference of a live exception.
    let array = unsafe { (field as *const u64).read() };
    (array != 0).then(|| frames_of(array))
}

/// The address of `exception`'s `_stackTrace` field, when it is a `System.Exception`.
fn trace_field(exception: u64) -> Option<u64> {
    use crate::state::objects;
    if exception == 0 {
        return None;
    }
    let class = objects::core_class_table("Exception").ok()?;
    if objects::is_instance(exception, class) == 0 {
        return None;
    }
    let offset = objects::core_field_offset("Exception", TRACE_FIELD).ok()?;
    Some(exception + u64::from(offset))
}

/// The frames stored in a trace array (see the module doc for its layout).
fn frames_of(array: u64) -> Vec<Frame> {
    if array == 0 {
        return Vec::new();
    }
    let array = array as *const ngen_abi::object::ArrayObject;
    // SAFETY: a trace array this module stored: a vector of words.
    let words = unsafe {
        let length = (*array).length;
        std::slice::from_raw_parts(
            (array as *const u8)
                .add(ARRAY_DATA_OFFSET as usize)
                .cast::<u64>(),
            length,
        )
    };
    words
        .chunks_exact(WORDS_PER_FRAME)
        .map(|w| Frame { ip: w[0], fp: w[1] })
        .collect()
}

/// A new trace array holding `frames`.
fn store(frames: &[Frame]) -> u64 {
    let array = crate::alloc::alloc_zeroed_array(frames.len() * WORDS_PER_FRAME, 8);
    // SAFETY: a fresh vector of `frames.len() * 3` zeroed words.
    unsafe {
        let data = (array as *mut u8)
            .add(ARRAY_DATA_OFFSET as usize)
            .cast::<u64>();
        for (i, frame) in frames.iter().enumerate() {
            data.add(i * WORDS_PER_FRAME).write(frame.ip);
            data.add(i * WORDS_PER_FRAME + 1).write(frame.fp);
        }
    }
    array as u64
}

/// The managed frames from the one executing `ip` with frame pointer `fp` outwards, up to
/// the first frame that is not managed code (nothing when `ip` itself is not).
pub(crate) fn walk(ip: u64, fp: u64) -> Vec<Frame> {
    let is_managed = |pc: u64| crate::code_map::lookup(pc, |_| ()).is_some();
    let Some(bounds) = crate::faults::managed_stack() else {
        return Vec::new();
    };
    let (low, high) = (bounds.0 as u64, bounds.1 as u64);
    let read_checked = |address: u64| {
        let inside = address >= low && address.saturating_add(8) <= high;
        // SAFETY: only words inside the managed thread's stack are read.
        (inside && address.is_multiple_of(8)).then(|| unsafe { (address as *const u64).read() })
    };
    let resume = |frame_fp: u64| crate::dynamic_call::resume_past(frame_fp, read_checked);
    walk_with(ip, fp, bounds, is_managed, resume, |address| {
        // SAFETY: `walk_with` asks only for words inside the managed thread's stack.
        unsafe { (address as *const u64).read() }
    })
}

/// The managed frames from the caller of the frame with pointer `fp` outwards, up to the
/// first frame that is not managed code, crossing no trampoline (the first pass stops where
/// the runtime called managed code: mono's `runtime_invoke` wrappers catch there).
pub(crate) fn walk_plain(fp: u64) -> Vec<Frame> {
    let is_managed = |pc: u64| crate::code_map::lookup(pc, |_| ()).is_some();
    let Some((low, high)) = crate::faults::managed_stack() else {
        return Vec::new();
    };
    let inside = |address: u64| {
        address >= low as u64
            && address.saturating_add(16) <= high as u64
            && address.is_multiple_of(8)
    };
    if !inside(fp) {
        return Vec::new();
    }
    // SAFETY: `fp` and `fp + 8` lie inside the managed thread's stack.
    let (caller_fp, return_address) =
        unsafe { ((fp as *const u64).read(), ((fp + 8) as *const u64).read()) };
    walk_with(
        return_address.wrapping_sub(1),
        caller_fp,
        (low, high),
        is_managed,
        |_| None,
        |address| {
            // SAFETY: `walk_with` asks only for words inside the managed thread's stack.
            unsafe { (address as *const u64).read() }
        },
    )
}

/// [`walk`] over an explicit stack (`[low, high)`), code test, trampoline crossings
/// ([`crate::dynamic_call::resume_past`] of a frame's pointer) and memory, for tests.
fn walk_with(
    ip: u64,
    fp: u64,
    (low, high): (usize, usize),
    is_managed: impl Fn(u64) -> bool,
    resume: impl Fn(u64) -> Option<(crate::dynamic_call::Resume, u64)>,
    read: impl Fn(u64) -> u64,
) -> Vec<Frame> {
    let mut frames = Vec::new();
    if !is_managed(ip) {
        return frames;
    }
    frames.push(Frame { ip, fp });
    let mut fp = fp;
    while frames.len() < MAX_FRAMES {
        let in_stack = fp >= low as u64 && fp.saturating_add(16) <= high as u64;
        if !in_stack || !fp.is_multiple_of(8) {
            break;
        }
        let next = read(fp);
        let return_address = read(fp + 8);
        if !is_managed(return_address.wrapping_sub(1)) {
            // The runtime's trampoline, called by an icall that recorded its managed caller:
            // mono's wrapper frame, then that caller and its callers.
            let Some((resumed, trampoline_fp)) = resume(fp) else {
                break;
            };
            let caller_ip = resumed.caller_return.wrapping_sub(1);
            if !is_managed(caller_ip) || resumed.caller_fp <= fp {
                break;
            }
            if resumed.wrapper == FILTER_PROBE {
                // A filter run by the first pass: its frame stood for the probed frame.
                frames.push(Frame {
                    ip: caller_ip,
                    fp: resumed.caller_fp,
                });
                fp = resumed.caller_fp;
                continue;
            }
            let Some(wrapper) = Wrapper::of(resumed.wrapper) else {
                break;
            };
            frames.push(Frame {
                ip: wrapper as u64,
                fp: trampoline_fp,
            });
            frames.push(Frame {
                ip: caller_ip,
                fp: resumed.caller_fp,
            });
            fp = resumed.caller_fp;
            continue;
        }
        frames.push(Frame {
            ip: return_address - 1,
            fp: next,
        });
        if next <= fp {
            break;
        }
        fp = next;
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_follows_managed_return_addresses_and_stops_at_the_first_native_one() {
        // A stack of words at 0x1000..0x1100; managed code is 0x5000..0x6000.
        let base = 0x1000u64;
        let mut stack = vec![0u64; 32];
        // Frame 0 at base: saved fp -> base+0x20, return into managed 0x5100.
        stack[0] = base + 0x20;
        stack[1] = 0x5101;
        // Frame 1 at base+0x20: saved fp -> base+0x40, return into managed 0x5200.
        stack[4] = base + 0x40;
        stack[5] = 0x5201;
        // Frame 2 at base+0x40: returns into native code 0x9000.
        stack[8] = base + 0x60;
        stack[9] = 0x9000;
        let managed = |pc: u64| (0x5000..0x6000).contains(&pc);
        let read = |a: u64| stack[((a - base) / 8) as usize];
        let frames = walk_with(0x5050, base, (0x1000, 0x1100), managed, |_| None, read);
        assert_eq!(
            frames,
            vec![
                Frame {
                    ip: 0x5050,
                    fp: base
                },
                Frame {
                    ip: 0x5100,
                    fp: base + 0x20
                },
                Frame {
                    ip: 0x5200,
                    fp: base + 0x40
                },
            ]
        );
        // A caller outside managed code records nothing, and reads nothing.
        let none = walk_with(
            0x9000,
            base,
            (0x1000, 0x1100),
            managed,
            |_| unreachable!(),
            |_| unreachable!(),
        );
        assert!(none.is_empty());
        // A frame pointer outside the stack ends the walk after the first frame.
        let one = walk_with(
            0x5050,
            0x8,
            (0x1000, 0x1100),
            managed,
            |_| unreachable!(),
            |_| unreachable!(),
        );
        assert_eq!(one.len(), 1);
    }

    /// Walks a stack whose frame 0 (managed, at 0x1000) returns into the trampoline, whose
    /// frame pointer is 0x1040; its caller recorded `wrapper` and the managed frame at 0x1080,
    /// which returns into native code. With `recorded` false, the caller recorded nothing.
    fn walk_across_trampoline(wrapper: u64, recorded: bool) -> Vec<Frame> {
        use crate::dynamic_call::Resume;
        let base = 0x1000u64;
        let mut stack = vec![0u64; 32];
        stack[0] = base + 0x40;
        stack[1] = 0x9100;
        stack[16] = base + 0xc0;
        stack[17] = 0x9000;
        let managed = |pc: u64| (0x5000..0x6000).contains(&pc);
        let read = |a: u64| stack[((a - base) / 8) as usize];
        let resume = |fp: u64| {
            (recorded && fp == base).then_some((
                Resume {
                    wrapper,
                    caller_fp: base + 0x80,
                    caller_return: 0x5301,
                },
                base + 0x40,
            ))
        };
        walk_with(0x5050, base, (0x1000, 0x1100), managed, resume, read)
    }

    fn frames(expected: &[(u64, u64)]) -> Vec<Frame> {
        expected.iter().map(|&(ip, fp)| Frame { ip, fp }).collect()
    }

    #[test]
    fn the_walk_crosses_an_invoke_trampoline_to_the_recorded_caller() {
        let invoke = Wrapper::InvokeMethod as u64;
        assert_eq!(
            walk_across_trampoline(invoke, true),
            frames(&[(0x5050, 0x1000), (invoke, 0x1040), (0x5300, 0x1080)])
        );
        // Without a recorded caller the walk stops at the trampoline, as at any native frame.
        assert_eq!(walk_across_trampoline(invoke, false).len(), 1);
    }

    #[test]
    fn the_walk_from_a_filter_probe_goes_on_at_the_probed_frames_caller_without_a_wrapper() {
        // Frame 0 is the probe's activation; the recorded caller is the probed frame's.
        assert_eq!(
            walk_across_trampoline(FILTER_PROBE, true),
            frames(&[(0x5050, 0x1000), (0x5300, 0x1080)])
        );
    }
}
