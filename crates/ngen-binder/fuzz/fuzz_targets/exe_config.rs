//! Fuzz target: arbitrary text as an application `.config` file. The parser must answer
//! with a config or a `ConfigError` whose location lies inside the text on a character
//! boundary (the CLI points a miette span at it); then every parsed `<dependentAssembly>` is
//! matched against a few references. A panic, overflow or hang is a bug.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use ngen_binder::{AssemblyName, ExeConfig};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match ExeConfig::parse(text, Path::new("App.exe.config")) {
        Ok(config) => {
            for name in [
                "Lib",
                "Lib, Version=1.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089",
                "System, Version=4.0.0.0",
            ] {
                if let Ok(reference) = name.parse::<AssemblyName>() {
                    for d in config.dependent_assemblies_for(&reference) {
                        let _ = format!("{d:?}");
                    }
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
            if let Some((_, location)) = e.location() {
                assert!(location.offset <= text.len(), "{e}: offset past the end");
                assert!(
                    text.is_char_boundary(location.offset),
                    "{e}: not a char boundary"
                );
                let end = location.offset + location.len;
                assert!(
                    end <= text.len() && text.is_char_boundary(end),
                    "{e}: bad span end"
                );
            }
        }
    }
});
