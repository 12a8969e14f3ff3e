//! P/Invoke: the runtime's half of the marshalling stubs the compiler gives every method
//! with an ImplMap row (`ngen_compiler::pinvoke`, `backend/pinvoke_stub.rs`; the ABI is
//! `ngen_abi::pinvoke`).
//!
//! ## Model
//! - *Binding* ([`resolve_target`]): a stub's `PInvoke` cell resolves on its first call to
//!   the native function, through the dllmap ([`dllmap`]: `/etc/mono/config` or
//!   `$MONO_CONFIG`, and the assembly's `.config`), `dlopen` with mono's probing and `dlsym`
//!   with the charset suffixes ([`library`]). A failure leaves mono's
//!   `DllNotFoundException`/`EntryPointNotFoundException` pending and the cell unresolved
//!   (the next call tries again, as mono's does).
//! - *Marshalling* ([`pinvoke_marshal`], the `PInvokeMarshal` helper): text ([`strings`]),
//!   `SafeHandle`s ([`safe_handles`]), `errno` for `SetLastError` ([`last_error`]), and the
//!   `MarshalDirectiveException` of a signature the compiler refused.
//!
//! Depends on: `ngen_compiler::pinvoke`, `ngen_abi::pinvoke`, the runtime's state and EH.

mod dllmap;
mod host_exports;
pub(crate) mod last_error;
mod library;
mod safe_handles;
mod strings;

use ngen_abi::pinvoke::MarshalOp;
use ngen_compiler::pinvoke::PInvokeImport;

/// The native function `import` (of the assembly at `assembly`) names, or 0 with the
/// exception of the failure pending.
pub(crate) fn resolve_target(assembly: &std::path::Path, import: &PInvokeImport) -> u64 {
    match library::resolve(assembly, import) {
        Ok(address) => address,
        Err(not_found) => {
            crate::eh::raise::raise(not_found.class, &not_found.message);
            0
        }
    }
}

/// Helper `PInvokeMarshal`: one marshalling step of a stub (`ngen_abi::pinvoke::MarshalOp`).
pub(crate) extern "C" fn pinvoke_marshal(op: u32, value: u64, extra: u64) -> u64 {
    let Some(op) = MarshalOp::from_u32(op) else {
        crate::eh::raise::raise(
            "InvalidProgramException",
            &format!("unknown P/Invoke marshalling step {op}"),
        );
        return 0;
    };
    match op {
        MarshalOp::StringToUtf8 => strings::string_to_native(value, false),
        MarshalOp::StringToUtf16 => strings::string_to_native(value, true),
        MarshalOp::StringFromUtf8 => strings::string_from_native(value, false),
        MarshalOp::StringFromUtf16 => strings::string_from_native(value, true),
        MarshalOp::BuilderToUtf8 => strings::builder_to_native(value, false),
        MarshalOp::BuilderToUtf16 => strings::builder_to_native(value, true),
        MarshalOp::BuilderFromUtf8 => {
            strings::builder_from_native(value, extra, false);
            0
        }
        MarshalOp::BuilderFromUtf16 => {
            strings::builder_from_native(value, extra, true);
            0
        }
        MarshalOp::Free => {
            strings::free(value);
            0
        }
        MarshalOp::SafeHandleAddRef => safe_handles::add_ref(value),
        MarshalOp::SafeHandleRelease => {
            safe_handles::release(value);
            0
        }
        MarshalOp::SafeHandleNew => safe_handles::wrap(value, extra),
        MarshalOp::SaveLastError => {
            last_error::save();
            0
        }
        MarshalOp::Unsupported => {
            let message =
                crate::state::unsupported_pinvoke_reason(value as *mut ngen_abi::image::ImportCell);
            crate::eh::raise::raise(
                "Runtime.InteropServices.MarshalDirectiveException",
                &message,
            );
            0
        }
    }
}
