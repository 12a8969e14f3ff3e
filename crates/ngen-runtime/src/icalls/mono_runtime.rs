//! `Mono.Runtime`'s icalls (`icall-def.h` `RUNTIME_*`): `GetDisplayName`, which programs read
//! through reflection to learn they run on Mono and which version (NUnit's
//! `RuntimeFramework.CurrentFramework` parses its first word as the Mono version).
//!
//! ## Model
//! Mono answers its build string (`mono_get_runtime_build_info`: the version, then the
//! distribution's build in parentheses). This runtime runs Mono 6.8.0.105's class libraries
//! (Debian 12's), so it answers that version, then itself in parentheses in place of the
//! build: `6.8.0.105 (ngen-build 0.1.0)`.
//!
//! Depends on: [`crate::alloc`]. Citations: Mono 6.8 `mono/metadata/icall.c`
//! (`ves_icall_Mono_Runtime_GetDisplayName`), `mono/mini/mini-runtime.c`.

/// The Mono version whose class libraries this runtime runs.
const MONO_VERSION: &str = "6.8.0.105";

/// The display name: the Mono version, then this runtime.
fn display_name() -> String {
    format!("{MONO_VERSION} (ngen-build {})", env!("CARGO_PKG_VERSION"))
}

/// `string GetDisplayName ()`.
extern "C" fn get_display_name() -> u64 {
    crate::alloc::string_from_str(&display_name()) as u64
}

pub(super) fn methods() -> Vec<(&'static str, *const ())> {
    vec![("GetDisplayName", get_display_name as *const ())]
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_display_name_starts_with_the_mono_version() {
        let name = super::display_name();
        let version = name.split(' ').next().unwrap();
        assert_eq!(version.split('.').count(), 4, "{name}");
        assert!(name.contains("(ngen-build "), "{name}");
    }
}
