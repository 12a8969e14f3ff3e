//! Runtime helpers that compiled code calls through the helper table.
//!
//! Every image has a writable data object [`crate::image::HELPERS_SYMBOL`] of
//! [`HELPER_COUNT`] pointer-sized slots; the runtime fills slot `id` with the address of
//! helper `id` right after mapping the image and before any of its code runs. JIT-compiled
//! code reads the runtime's own table, which has the same layout. Compiled code loads the
//! slot and calls it indirectly with the SystemV convention, so images need no symbol
//! binding to the host process.
//!
//! The numbering is ABI: append, never reorder (and bump the image format version).

/// Calls `$m!` with the list of helpers, the one place a helper is declared: for each, its
/// doc, `Name = slot rust_name (param: type, ...) -> return;`. Types are `cell` (a
/// `*mut ImportCell`), `i32`, `u32`, `i64`, `u64`, `f32`, `f64`; `never` returns nothing
/// (the helper does not return); `void` returns nothing (the helper returns); `data` marks a
/// slot that holds the address of runtime data instead of a function (`rust_name()` gives
/// it; compiled code loads through it and never calls it). [`HelperId`], [`HELPER_COUNT`] and
/// [`HelperId::ALL`] are
/// generated from it here, the compiler's helper signatures and the runtime's table (checked
/// against these signatures at compile time) in their crates, as Wasmtime's
/// `foreach_builtin_function!`. Append, never reorder (and bump the image format version).
#[macro_export]
macro_rules! foreach_helper {
    ($m:ident) => {
        $m! {
            /// `extern "C" fn(cell: *mut ImportCell) -> u64`: resolves an import cell whose
            /// target is still 0 (finds the callee in a valid image or JIT-compiles it, or
            /// allocates the string literal), stores the target into the cell and returns it.
            /// Never returns 0: on failure the runtime prints an error naming the method and
            /// exits.
            ResolveCell = 0 resolve_cell (cell: cell) -> u64;
            /// `extern "C" fn(kind: u32)`: raises the
            /// [`ExceptionKind`](crate::exceptions::ExceptionKind) `kind`: creates the
            /// exception object and makes it the pending exception
            /// ([`PendingException`](HelperId::PendingException)), then returns; the caller
            /// branches to its handler dispatch or returns to its own caller (EH v1, "check
            /// after call").
            Throw = 1 throw (kind: u32) -> void;
            /// `extern "C" fn(f64, f64) -> f64`: IEEE `fmod` (CIL `rem` on F).
            FmodF64 = 2 fmod_f64 (x: f64, y: f64) -> f64;
            /// `extern "C" fn(f32, f32) -> f32`: `fmodf`.
            FmodF32 = 3 fmod_f32 (x: f32, y: f32) -> f32;
            /// `extern "C" fn(length: i64, element_size: u64) -> *mut ArrayObject`: allocates a
            /// zeroed single-dimensional array (CIL `newarr` of a primitive element type). A
            /// negative length raises `OverflowException`, as mono does (pending, returning 0).
            /// The length `i64::MIN` stands for a multi-dimensional array's negative length:
            /// OverflowException with Mono's empty message.
            NewArray = 4 new_array (length: i64, element_size: u64) -> u64;
            /// `extern "C" fn(method_table: u64, size: u64, flags: u32) -> *mut
            /// ObjectHeader`: allocates a zeroed instance of `size` bytes (header included)
            /// whose first word is `method_table` (0 until method tables exist), scanned by the
            /// collector only when bit 0 of `flags` is set, registered for finalization when
            /// bit 1 is (CIL `newobj` of a class; of one overriding `Finalize`). Finalizers
            /// waiting since the last collection run first. Out of memory raises
            /// `OutOfMemoryException`.
            NewObject = 5 new_object (method_table: u64, size: u64, flags: u32) -> u64;
            /// `extern "C" fn(object: u64, method_table: u64) -> u64`: `object` when it is null
            /// or an instance of the type whose method table is given (interfaces, arrays,
            /// generic instances: the type system's assignability, cached), else 0.
            IsInstance = 6 is_instance (object: u64, method_table: u64) -> u64;
            /// `extern "C" fn(object: u64, cell: *mut ImportCell) -> u64`: the code an
            /// interface call runs on `object` (not null): `cell` is the call site's method
            /// cell of the interface method, which identifies it and is never called itself.
            /// Cached per (cell, method table); a missing implementation is a fatal error.
            InterfaceTarget = 7 interface_target (object: u64, cell: cell) -> u64;
            /// `extern "C" fn()`: the profile scenario's enter hook, called by every managed
            /// method of a profile image (and of the JIT in that scenario) right after its
            /// prologue. It takes no argument: its return address lies inside the method, which
            /// names it (as gcc's `-pg` `mcount`). It preserves the method's arguments (they
            /// are already in their homes).
            ProfileEnter = 8 profile_enter () -> void;
            /// `extern "C" fn()`: the leave hook, called right before each `ret` of such a
            /// method (after the return value is computed). Its return address lies inside the
            /// method.
            ProfileLeave = 9 profile_leave () -> void;
            /// Data, not a function: the mask that locates the calling thread's
            /// pending-exception word, a `u64` holding the exception object in flight (0:
            /// none), from the stack pointer: the word is at `(sp | mask) - 7` (every managed
            /// thread runs on a stack region aligned to `mask + 1` whose last word it is).
            /// Compiled code tests it after every call that can throw and stores to it when an
            /// exception leaves a method.
            PendingException = 10 pending_exception () -> data;
            /// `extern "C" fn(length: i64, element_size: u64) -> *mut ArrayObject`: as
            /// `NewArray`, but the collector scans the elements (CIL `newarr` of a value type
            /// holding references).
            NewScannedArray = 11 new_scanned_array (length: i64, element_size: u64) -> u64;
            /// `extern "C" fn(size: u64) -> *mut u8`: `size` zeroed bytes for CIL `localloc`,
            /// from the collected heap (Cranelift has no dynamic stack allocation): scanned,
            /// and kept alive by the pointer on the stack; freed by the collector once the
            /// method returns and drops it. Out of memory raises `OutOfMemoryException`.
            LocalAlloc = 12 local_alloc (size: u64) -> u64;
            /// `extern "C" fn(array: u64, value: u64) -> u32`: 1 when the object `value`
            /// (not null) may be stored in the reference array `array` (not null): its type is
            /// assignable to the array's element type (ECMA-335 III.4.27, array covariance),
            /// else 0 (`stelem.ref` then raises `ArrayTypeMismatchException`). Cached per
            /// pair of method tables.
            ArrayStoreCheck = 13 array_store_check (array: u64, value: u64) -> u32;
            /// `extern "C" fn(object: u64, method_table: u64) -> u32`: 1 when the box
            /// `object` (not null) whose method table differs from `method_table` may still be
            /// unboxed as that type: both are enums or primitives with the same underlying
            /// primitive (Mono compares element classes), else 0 (`unbox` then raises
            /// `InvalidCastException`).
            UnboxCheck = 14 unbox_check (object: u64, method_table: u64) -> u32;
            /// `extern "C" fn(exception: u64, mode: u32)`: records the stack trace of the
            /// exception object `exception` (not null) from the calling frame, as mono fills
            /// `trace_ips` ([`TraceMode`](crate::exceptions::TraceMode): a `throw` starts a new
            /// trace, a `rethrow` keeps the old one but its catching frame, a handler entered
            /// for it ends the trace at the calling frame). Its return address and the
            /// caller's frame pointer name the frame.
            CaptureTrace = 15 capture_trace (exception: u64, mode: u32) -> void;
            /// `extern "C" fn(descriptor: u64) -> u64`: the address, on the calling thread,
            /// of a thread-static field (`[ThreadStatic]`): `descriptor` is the target of the
            /// field's static-field cell, which names the type's per-thread area and the
            /// field's offset in it (the runtime's encoding). The thread's areas of that type
            /// are allocated, zeroed, on its first access; the GC one is a collector root.
            ThreadStaticAddress = 16 thread_static_address (descriptor: u64) -> u64;
            /// `extern "C" fn(op: u32, value: u64, extra: u64) -> u64`: one marshalling step
            /// of a P/Invoke stub, [`MarshalOp`](crate::pinvoke::MarshalOp) `op` (strings and
            /// `StringBuilder`s to and from native buffers, `SafeHandle` add-ref and release,
            /// `SetLastError`'s saved `errno`, ...). A failing step leaves its exception
            /// pending and returns 0; the stub then tests the pending word.
            PInvokeMarshal = 17 pinvoke_marshal (op: u32, value: u64, extra: u64) -> u64;
            /// `extern "C" fn(x: f64) -> f64`: the x87 `fsin` of `x` (`Math.Sin` as mono's
            /// JIT compiles it on x86-64: 64-bit extended argument reduction, arguments beyond
            /// 2^63 returned unchanged), rounded to double.
            SinX87 = 18 sin_x87 (x: f64) -> f64;
            /// `extern "C" fn(x: f64) -> f64`: the x87 `fcos` of `x` (`Math.Cos`, as `SinX87`).
            CosX87 = 19 cos_x87 (x: f64) -> f64;
            /// `extern "C" fn(exception: u64) -> u32`: the first pass of two-pass exception
            /// handling, called by a method whose `finally` or `fault` handler is about to run
            /// for `exception` when none of its own later clauses takes it: the runtime offers
            /// the exception to the frames of its callers outwards
            /// ([`eh_frames`](crate::eh_frames), probe mode), running their filters, until one
            /// takes it; once per exception thrown. Returns 1 when the calling frame must not
            /// run its handler because a filter further out threw (mono 6.8 abandons the
            /// frames below it), else 0. Its return address and the caller's frame pointer
            /// name the frame.
            FirstPass = 20 first_pass (exception: u64) -> u32;
            /// `extern "C" fn(dest: u64, src: u64, len: u64)`: libc's `memmove` of `len`
            /// bytes (the ranges may overlap; 0 copies nothing): what the core library's
            /// `Buffer.Memmove(byte*, byte*, uint)` computes with its managed copy loops,
            /// which compiled code calls this for instead.
            Memmove = 21 memmove_bytes (dest: u64, src: u64, len: u64) -> void;
        }
    };
}

/// The Rust type of a helper parameter or return type named in [`foreach_helper!`].
#[macro_export]
macro_rules! helper_rust_type {
    (cell) => { *mut $crate::image::ImportCell };
    (never) => { ! };
    (void) => { () };
    (data) => { u64 };
    ($t:ident) => { $t };
}

macro_rules! define_helper_ids {
    ($( $(#[$doc:meta])* $name:ident = $id:literal $rust:ident
        ($($param:ident : $ty:ident),*) -> $ret:ident; )*) => {
        /// A runtime helper, by its slot in the helper table. Signatures are C (SystemV)
        /// signatures.
        #[repr(u32)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum HelperId {
            $( $(#[$doc])* $name = $id, )*
        }

        /// Number of slots in a helper table.
        pub const HELPER_COUNT: usize = [$($id),*].len();

        impl HelperId {
            /// Every helper, in slot order.
            pub const ALL: [HelperId; HELPER_COUNT] = [$(Self::$name),*];
        }
    };
}

foreach_helper!(define_helper_ids);

impl HelperId {
    /// Byte offset of this helper's slot in the helper table.
    pub const fn table_offset(self) -> i32 {
        self as i32 * crate::object::POINTER_SIZE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_dense_and_in_order() {
        for (index, helper) in HelperId::ALL.iter().enumerate() {
            assert_eq!(*helper as usize, index);
            assert_eq!(helper.table_offset(), index as i32 * 8);
        }
    }
}
