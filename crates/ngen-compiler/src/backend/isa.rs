//! Target ISA construction and the codegen identity recorded in image headers.
//!
//! Images are compiled for a fixed baseline x86-64 (no host CPU feature detection), so the
//! same input gives the same bytes on any machine; the JIT uses the host's features.
//!
//! The debug scenario (Ngen's `/Debug`, issue 12) compiles without optimisation
//! ([`DEBUG_FLAGS`] override [`COMMON_FLAGS`]) so that machine code follows the IL statement
//! by statement; the translator also keeps every argument and local in a stack slot there
//! (`translate/place.rs`), where a debugger can read it.

use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};

/// Which flavour of ISA to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IsaKind {
    /// Position-independent code for shared-object images, baseline CPU features.
    Aot,
    /// Absolute addressing for cranelift-jit, host CPU features.
    Jit,
}

/// The flags shared by both kinds, in the order they are set (also their identity string).
const COMMON_FLAGS: &[(&str, &str)] = &[
    ("opt_level", "speed"),
    ("preserve_frame_pointers", "true"),
    ("enable_verifier", "false"),
    ("unwind_info", "false"),
];

/// What the debug scenario changes, applied after [`COMMON_FLAGS`].
const DEBUG_FLAGS: &[(&str, &str)] = &[("opt_level", "none")];

/// The codegen part of the compiler identity: back end, version and every flag that changes code.
pub fn codegen_identity() -> String {
    let mut s = String::from("cranelift 0.135.8 x86-64-baseline is_pic=true");
    for (k, v) in COMMON_FLAGS {
        s.push(' ');
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s.push_str(" debug:");
    for (k, v) in DEBUG_FLAGS {
        s.push(' ');
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s
}

/// The target triple images are compiled for (the only supported target so far).
pub fn target_triple() -> &'static str {
    "x86_64-unknown-linux-gnu"
}

/// The ISA of `kind`; `debug` for code of the debug scenario.
pub(crate) fn make_isa(kind: IsaKind, debug: bool) -> Result<OwnedTargetIsa, String> {
    let mut flags = settings::builder();
    let debug_flags = if debug { DEBUG_FLAGS } else { &[] };
    for (k, v) in COMMON_FLAGS.iter().chain(debug_flags) {
        flags.set(k, v).map_err(|e| format!("flag {k}: {e}"))?;
    }
    if std::env::var_os("NGEN_VERIFY_CLIF").is_some() {
        flags
            .set("enable_verifier", "true")
            .map_err(|e| e.to_string())?;
    }
    let flags = settings::Flags::new({
        let mut f = flags;
        f.set(
            "is_pic",
            if kind == IsaKind::Aot {
                "true"
            } else {
                "false"
            },
        )
        .map_err(|e| e.to_string())?;
        f
    });
    match kind {
        IsaKind::Aot => {
            let builder = isa::lookup_by_name(target_triple()).map_err(|e| e.to_string())?;
            builder.finish(flags).map_err(|e| e.to_string())
        }
        IsaKind::Jit => {
            let builder = cranelift_native::builder()?;
            builder.finish(flags).map_err(|e| e.to_string())
        }
    }
}
