//! Assembly display names: parsing, formatting and reference/definition matching.
//!
//! A display name is `Name[, Key=Value]*` (`System, Version=4.0.0.0, Culture=neutral,
//! PublicKeyToken=b77a5c561934e089, processorArchitecture=MSIL`). Keys are case-insensitive,
//! values may be quoted with `"` or `'`, and `\` escapes `, = " ' \` (plus `\n \r \t` and
//! `\uXXXX;`) as .NET's `AssemblyName` does. Every attribute is optional, which is what a
//! *partial* name is (`System`, `System, Version=4.0.0.0`); an unspecified attribute matches
//! anything. The grammar lives in `display_syntax`, the attribute types in
//! [`crate::identity_parts`] (re-exported here).
//!
//! Depends on `display_syntax` and [`crate::identity_parts`] only.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::display_syntax::{escape_name, escape_value, parse_display_name};
pub use crate::identity_parts::{
    Culture, ProcessorArchitecture, PublicKeyToken, Version, VersionError,
};

/// A parsed display name. `None` fields were not given (a partial name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AssemblyName {
    pub name: String,
    pub version: Option<Version>,
    pub culture: Option<Culture>,
    /// `PublicKey=` in a display name is stored as its token.
    pub public_key_token: Option<PublicKeyToken>,
    pub processor_architecture: Option<ProcessorArchitecture>,
    pub retargetable: bool,
}

/// Why a display name was rejected. `position` is the byte offset in the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("display name is empty")]
    Empty,
    #[error("display name {input:?}: the assembly name is empty")]
    EmptyName { input: String },
    #[error("display name {input:?}: {what} at byte {position}")]
    Syntax {
        input: String,
        position: usize,
        what: &'static str,
    },
    #[error("display name {input:?}: attribute {key} is given twice")]
    DuplicateKey { input: String, key: String },
    #[error("display name {input:?}: {source}")]
    BadVersion {
        input: String,
        #[source]
        source: VersionError,
    },
    #[error("display name {input:?}: PublicKeyToken={value:?} is neither `null` nor 16 hex digits")]
    BadPublicKeyToken { input: String, value: String },
    #[error("display name {input:?}: PublicKey={value:?} is not an even number of hex digits")]
    BadPublicKey { input: String, value: String },
    #[error(
        "display name {input:?}: processorArchitecture={value:?} is not one of None, MSIL, x86, IA64, AMD64, Arm, Arm64"
    )]
    BadProcessorArchitecture { input: String, value: String },
    #[error("display name {input:?}: Retargetable={value:?} is neither Yes nor No")]
    BadRetargetable { input: String, value: String },
}

/// Which part of an identity made a reference fail to match a definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Mismatch {
    Name,
    Version,
    Culture,
    PublicKeyToken,
}

impl fmt::Display for Mismatch {
    /// Fusion's log wording ("Comparing the assembly name resulted in the mismatch: Major Version").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mismatch::Name => "Name",
            Mismatch::Version => "Version",
            Mismatch::Culture => "Culture",
            Mismatch::PublicKeyToken => "PublicKeyToken",
        })
    }
}

impl AssemblyName {
    /// A partial name with only the simple name set.
    pub fn simple(name: impl Into<String>) -> Self {
        AssemblyName {
            name: name.into(),
            version: None,
            culture: None,
            public_key_token: None,
            processor_architecture: None,
            retargetable: false,
        }
    }

    /// Parses a full or partial display name.
    pub fn parse(input: &str) -> Result<AssemblyName, NameError> {
        parse_display_name(input)
    }

    /// True when the name carries a public key token (the CLR binds it by exact version, GAC first).
    pub fn is_strong_named(&self) -> bool {
        matches!(self.public_key_token, Some(PublicKeyToken::Token(_)))
    }

    /// True when version, culture and token are all given (a fully specified reference).
    pub fn is_full(&self) -> bool {
        self.version.is_some() && self.culture.is_some() && self.public_key_token.is_some()
    }

    /// The culture, treating "not given" as neutral.
    pub fn culture_or_neutral(&self) -> Culture {
        self.culture.clone().unwrap_or(Culture::Neutral)
    }

    /// Case-insensitive simple-name equality, as the loader compares names.
    pub fn same_simple_name(&self, other: &str) -> bool {
        self.name.eq_ignore_ascii_case(other) || self.name.to_lowercase() == other.to_lowercase()
    }

    /// Lower-cased simple name, for keys.
    pub fn key(&self) -> String {
        self.name.to_lowercase()
    }

    /// Does this (possibly partial) reference match `definition` under the loader's rules?
    ///
    /// Attributes not given in the reference match anything. The version is compared only
    /// when the reference is strong-named: the CLR ignores versions of simply-named assemblies.
    /// Returns the first attribute that differs.
    pub fn check_matches(&self, definition: &AssemblyName) -> Result<(), Mismatch> {
        if !self.same_simple_name(&definition.name) {
            return Err(Mismatch::Name);
        }
        if self.is_strong_named()
            && let (Some(want), Some(have)) = (self.version, definition.version)
            && want != have
        {
            return Err(Mismatch::Version);
        }
        if let Some(want) = &self.culture
            && !want.same_as(&definition.culture_or_neutral())
        {
            return Err(Mismatch::Culture);
        }
        if let Some(want) = self.public_key_token {
            let have = definition.public_key_token.unwrap_or(PublicKeyToken::Null);
            if want != have {
                return Err(Mismatch::PublicKeyToken);
            }
        }
        Ok(())
    }

    /// `check_matches` as a bool.
    pub fn matches(&self, definition: &AssemblyName) -> bool {
        self.check_matches(definition).is_ok()
    }

    /// The same name with a different version (for redirects).
    pub fn with_version(&self, version: Version) -> AssemblyName {
        AssemblyName {
            version: Some(version),
            ..self.clone()
        }
    }
}

impl PartialOrd for AssemblyName {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Orders by lower-cased name, then version, culture, token: a stable order for reports.
impl Ord for AssemblyName {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key()
            .cmp(&other.key())
            .then_with(|| self.name.cmp(&other.name))
            .then_with(|| self.version.cmp(&other.version))
            .then_with(|| self.culture.cmp(&other.culture))
            .then_with(|| self.public_key_token.cmp(&other.public_key_token))
            .then_with(|| {
                self.processor_architecture
                    .cmp(&other.processor_architecture)
            })
            .then_with(|| self.retargetable.cmp(&other.retargetable))
    }
}

impl FromStr for AssemblyName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AssemblyName::parse(s)
    }
}

impl fmt::Display for AssemblyName {
    /// Canonical form: name, then the given attributes in .NET's order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape_name(&self.name))?;
        if let Some(v) = self.version {
            write!(f, ", Version={v}")?;
        }
        if let Some(c) = &self.culture {
            write!(f, ", Culture={}", escape_value(&c.to_string()))?;
        }
        if let Some(t) = self.public_key_token {
            write!(f, ", PublicKeyToken={t}")?;
        }
        if let Some(a) = self.processor_architecture {
            write!(f, ", processorArchitecture={a}")?;
        }
        if self.retargetable {
            f.write_str(", Retargetable=Yes")?;
        }
        Ok(())
    }
}

impl serde::Serialize for AssemblyName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYSTEM: &str =
        "System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089";

    #[test]
    fn parses_full_name() {
        let n = AssemblyName::parse(&format!("{SYSTEM}, processorArchitecture=MSIL")).unwrap();
        assert_eq!(n.name, "System");
        assert_eq!(n.version, Some(Version::new(4, 0, 0, 0)));
        assert_eq!(n.culture, Some(Culture::Neutral));
        assert_eq!(
            n.public_key_token,
            Some(PublicKeyToken::Token([
                0xb7, 0x7a, 0x5c, 0x56, 0x19, 0x34, 0xe0, 0x89
            ]))
        );
        assert_eq!(n.processor_architecture, Some(ProcessorArchitecture::Msil));
        assert!(n.is_full() && n.is_strong_named());
    }

    #[test]
    fn full_names_round_trip() {
        for text in [
            SYSTEM,
            "System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089, processorArchitecture=MSIL",
            "MyLib, Version=1.2.3.4, Culture=fr-FR, PublicKeyToken=null",
            "System.Runtime, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a, Retargetable=Yes",
            "Odd\\,Name\\=x\\\\y\\\"z\\'w, Version=1.0.0.0",
            "System",
            "System, Version=4.0.0.0",
        ] {
            let parsed = AssemblyName::parse(text).unwrap();
            assert_eq!(parsed.to_string(), text, "format(parse(x)) == x");
            assert_eq!(AssemblyName::parse(&parsed.to_string()).unwrap(), parsed);
        }
    }

    #[test]
    fn names_with_spaces_and_quotes_round_trip() {
        let n = AssemblyName::simple(" padded name ");
        let text = n.to_string();
        assert_eq!(text, "\" padded name \"");
        assert_eq!(AssemblyName::parse(&text).unwrap(), n);
        let quoted = AssemblyName::parse("'My, Lib', Version = \"1.0.0.0\" ").unwrap();
        assert_eq!(quoted.name, "My, Lib");
        assert_eq!(quoted.version, Some(Version::new(1, 0, 0, 0)));
        assert_eq!(quoted.to_string(), "My\\, Lib, Version=1.0.0.0");
        let unicode = AssemblyName::parse("A\\u00e9;B").unwrap();
        assert_eq!(unicode.name, "AéB");
    }

    #[test]
    fn keys_are_case_insensitive_and_normalised() {
        let n = AssemblyName::parse(
            "system, VERSION=4.0.0.0, culture=NEUTRAL, publickeytoken=B77A5C561934E089, PROCESSORARCHITECTURE=msil",
        )
        .unwrap();
        assert_eq!(
            n.to_string(),
            "system, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089, processorArchitecture=MSIL"
        );
        assert!(
            AssemblyName::parse("a, PublicKeyToken=null")
                .unwrap()
                .public_key_token
                == Some(PublicKeyToken::Null)
        );
    }

    #[test]
    fn partial_names() {
        let n = AssemblyName::parse("System").unwrap();
        assert!(!n.is_full());
        assert_eq!(n.version, None);
        let v = AssemblyName::parse("System, Version=4.0.0.0").unwrap();
        assert_eq!(v.version, Some(Version::new(4, 0, 0, 0)));
        assert_eq!(v.culture, None);
        assert_eq!(
            AssemblyName::parse("A, Version=1.2").unwrap().version,
            Some(Version::new(1, 2, 0, 0))
        );
    }

    #[test]
    fn public_key_becomes_token() {
        // The ECMA standard key; its token is b77a5c561934e089.
        let n =
            AssemblyName::parse("mscorlib, PublicKey=00000000000000000400000000000000").unwrap();
        assert_eq!(n.public_key_token.unwrap().to_hex(), "b77a5c561934e089");
    }

    #[test]
    fn bad_names_give_typed_errors() {
        assert!(matches!(
            AssemblyName::parse("System, Version=4.x"),
            Err(NameError::BadVersion { .. })
        ));
        assert!(matches!(
            AssemblyName::parse("System, Version=1.2.3.4.5"),
            Err(NameError::BadVersion { .. })
        ));
        assert!(matches!(
            AssemblyName::parse("System, Version=70000.0"),
            Err(NameError::BadVersion { .. })
        ));
        assert!(matches!(
            AssemblyName::parse("System, PublicKeyToken=b77a"),
            Err(NameError::BadPublicKeyToken { .. })
        ));
        assert!(matches!(
            AssemblyName::parse("System, processorArchitecture=sparc"),
            Err(NameError::BadProcessorArchitecture { .. })
        ));
        assert!(matches!(
            AssemblyName::parse("System, Version=1.0, version=2.0"),
            Err(NameError::DuplicateKey { .. })
        ));
        assert!(matches!(
            AssemblyName::parse(", Version=1.0"),
            Err(NameError::EmptyName { .. })
        ));
        assert!(matches!(AssemblyName::parse("  "), Err(NameError::Empty)));
        assert!(matches!(
            AssemblyName::parse("System, Version"),
            Err(NameError::Syntax { .. })
        ));
        assert!(matches!(
            AssemblyName::parse("System,"),
            Err(NameError::Syntax { .. })
        ));
        assert!(matches!(
            AssemblyName::parse("System, Culture='fr"),
            Err(NameError::Syntax { .. })
        ));
        assert!(matches!(
            AssemblyName::parse("Sys\\qtem"),
            Err(NameError::Syntax { .. })
        ));
        let msg = AssemblyName::parse("System, Version=4.x")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("4.x"), "{msg}");
    }

    #[test]
    fn matching_rules() {
        let def = AssemblyName::parse(SYSTEM).unwrap();
        assert!(AssemblyName::parse("system").unwrap().matches(&def));
        assert!(
            AssemblyName::parse("System, Version=4.0.0.0")
                .unwrap()
                .matches(&def)
        );
        assert_eq!(
            AssemblyName::parse(
                "System, Version=2.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"
            )
            .unwrap()
            .check_matches(&def),
            Err(Mismatch::Version)
        );
        assert_eq!(
            AssemblyName::parse("System, PublicKeyToken=null")
                .unwrap()
                .check_matches(&def),
            Err(Mismatch::PublicKeyToken)
        );
        assert_eq!(
            AssemblyName::parse("System, Culture=de")
                .unwrap()
                .check_matches(&def),
            Err(Mismatch::Culture)
        );
        assert_eq!(
            AssemblyName::parse("Other").unwrap().check_matches(&def),
            Err(Mismatch::Name)
        );
        // Simply-named references ignore the version, as the CLR does.
        let lib = AssemblyName::parse("Lib, Version=2.0.0.0, Culture=neutral, PublicKeyToken=null")
            .unwrap();
        assert!(
            AssemblyName::parse("Lib, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null")
                .unwrap()
                .matches(&lib)
        );
    }

    #[test]
    fn version_parse_errors() {
        assert!("".parse::<Version>().is_err());
        assert!("1".parse::<Version>().is_err());
        assert!("1..2".parse::<Version>().is_err());
        assert!("-1.0".parse::<Version>().is_err());
        assert_eq!("1.2.3.4".parse::<Version>(), Ok(Version::new(1, 2, 3, 4)));
    }
}
