//! The attributes of an assembly identity: [`Version`], [`Culture`], [`PublicKeyToken`] and
//! [`ProcessorArchitecture`], each with its display-name spelling. Depends only on the
//! standard library, serde and `sha1_smol` (tokens from public keys).

use std::fmt;
use std::str::FromStr;

/// A four-part assembly version `major.minor.build.revision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
    pub build: u16,
    pub revision: u16,
}

impl Version {
    pub const fn new(major: u16, minor: u16, build: u16, revision: u16) -> Self {
        Version {
            major,
            minor,
            build,
            revision,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}.{}",
            self.major, self.minor, self.build, self.revision
        )
    }
}

/// Why a version string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid version {text:?}: {reason}")]
pub struct VersionError {
    pub text: String,
    pub reason: &'static str,
}

impl FromStr for Version {
    type Err = VersionError;

    /// Parses `a.b`, `a.b.c` or `a.b.c.d` (each part 0..=65535); missing parts are 0.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason| VersionError {
            text: text.to_string(),
            reason,
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(err("it is empty"));
        }
        let mut parts = [0u16; 4];
        let mut count = 0;
        for piece in trimmed.split('.') {
            if count == 4 {
                return Err(err("a version has at most four parts"));
            }
            if piece.is_empty() || !piece.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("each part must be a decimal number"));
            }
            parts[count] = piece
                .parse::<u16>()
                .map_err(|_| err("each part must be at most 65535"))?;
            count += 1;
        }
        if count < 2 {
            return Err(err("a version needs at least major.minor"));
        }
        Ok(Version::new(parts[0], parts[1], parts[2], parts[3]))
    }
}

/// The culture of an assembly: neutral (no satellite) or a specific culture such as `fr-FR`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Culture {
    Neutral,
    Specific(String),
}

impl Culture {
    /// `neutral`, an empty string and `invariant` mean neutral, as in .NET.
    pub fn parse(text: &str) -> Culture {
        let t = text.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("neutral") || t.eq_ignore_ascii_case("invariant")
        {
            Culture::Neutral
        } else {
            Culture::Specific(t.to_string())
        }
    }

    /// `None` for neutral, the culture name otherwise (as metadata stores it).
    pub fn as_specific(&self) -> Option<&str> {
        match self {
            Culture::Neutral => None,
            Culture::Specific(c) => Some(c),
        }
    }

    /// Same culture, compared case-insensitively.
    pub fn same_as(&self, other: &Culture) -> bool {
        match (self, other) {
            (Culture::Neutral, Culture::Neutral) => true,
            (Culture::Specific(a), Culture::Specific(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
    }
}

impl fmt::Display for Culture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Culture::Neutral => f.write_str("neutral"),
            Culture::Specific(c) => f.write_str(c),
        }
    }
}

/// `PublicKeyToken=`: `null` (explicitly not strong-named) or the 8-byte token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PublicKeyToken {
    Null,
    Token([u8; 8]),
}

impl PublicKeyToken {
    /// The token of a full public key: the last 8 bytes of its SHA-1, reversed (ECMA-335 II.6.2.1.3).
    pub fn from_public_key(key: &[u8]) -> PublicKeyToken {
        let digest = sha1_smol::Sha1::from(key).digest().bytes();
        let mut token = [0u8; 8];
        for (i, byte) in digest[12..20].iter().rev().enumerate() {
            token[i] = *byte;
        }
        PublicKeyToken::Token(token)
    }

    pub fn token(&self) -> Option<[u8; 8]> {
        match self {
            PublicKeyToken::Null => None,
            PublicKeyToken::Token(t) => Some(*t),
        }
    }

    /// Lower-case hex, or `null`.
    pub fn to_hex(&self) -> String {
        match self {
            PublicKeyToken::Null => "null".to_string(),
            PublicKeyToken::Token(t) => hex(t),
        }
    }
}

impl fmt::Display for PublicKeyToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

pub(crate) fn parse_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// `processorArchitecture=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum ProcessorArchitecture {
    None,
    Msil,
    X86,
    Ia64,
    Amd64,
    Arm,
    Arm64,
}

impl ProcessorArchitecture {
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessorArchitecture::None => "None",
            ProcessorArchitecture::Msil => "MSIL",
            ProcessorArchitecture::X86 => "x86",
            ProcessorArchitecture::Ia64 => "IA64",
            ProcessorArchitecture::Amd64 => "AMD64",
            ProcessorArchitecture::Arm => "Arm",
            ProcessorArchitecture::Arm64 => "Arm64",
        }
    }

    /// Parses a `processorArchitecture=` value (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        const ALL: [ProcessorArchitecture; 7] = [
            ProcessorArchitecture::None,
            ProcessorArchitecture::Msil,
            ProcessorArchitecture::X86,
            ProcessorArchitecture::Ia64,
            ProcessorArchitecture::Amd64,
            ProcessorArchitecture::Arm,
            ProcessorArchitecture::Arm64,
        ];
        ALL.into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for ProcessorArchitecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl serde::Serialize for PublicKeyToken {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl serde::Serialize for Culture {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
