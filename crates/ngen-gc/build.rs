//! Links Debian's libgc (Boehm-Demers-Weiser collector, package `libgc-dev`).
//!
//! The library is found by name in the system library path; `tests/setup.sh` installs it.

fn main() {
    println!("cargo:rustc-link-lib=dylib=gc");
    println!("cargo:rerun-if-changed=build.rs");
}
