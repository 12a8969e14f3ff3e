//! Links `ngen-build` as a position-dependent executable (`-no-pie`).
//!
//! Why: in a PIE, the dynamic loader rewrites every pointer in `.data.rel.ro` and `.got`
//! (vtables, string tables, Cranelift's and clap's static tables) at startup, so those pages
//! become private, dirty copies in every process: 0.6 MiB per `ngen-build run` in a debug
//! build, the largest private mapping after the heap (docs/BENCHMARKS.md section 10). Linked
//! at a fixed address, the linker resolves them once and they stay clean file pages shared by
//! every instance, as native images' code is. The cost is that the executable itself is not
//! address-randomised (libraries, heap, stacks and images still are).
//!
//! It also exports gdb's JIT interface symbols (`ngen-runtime/src/gdb_jit.rs`) in the dynamic
//! symbol table, where gdb finds them even in a stripped release binary.
//!
//! Depends on: the GNU toolchain's `cc -no-pie` (what rustc links with on Linux).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
        for symbol in ["__jit_debug_register_code", "__jit_debug_descriptor"] {
            println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic-symbol={symbol}");
        }
    }
}
