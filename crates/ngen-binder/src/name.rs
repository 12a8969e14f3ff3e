//! Assembly display names: parsing, formatting and reference/definition matching.
//!
//! A display name is `Name[, Key=Value]*` (`System, Version=4.0.0.0, Culture=neutral,
//! PublicKeyToken=b77a5c561934e089, processorArchitecture=MSIL`). Keys are case-insensitive,
//! values may be quoted with `"` or `'`, and `\` escapes `, = " ' \` (plus `\n \r \t` and
//! `\uXXXX;`) as .NET's `AssemblyName` does. Every attribute is optional, which is what a
//! *partial* name is (`System`, `System, Version=4.0.0.0`); an unspecified attribute matches
//! anything. Depends only on the standard library and `sha1_smol` (for `PublicKey=`).

use std::cmp::Ordering;
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

    fn same_as(&self, other: &Culture) -> bool {
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

fn parse_hex(text: &str) -> Option<Vec<u8>> {
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

    fn parse(text: &str) -> Option<Self> {
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

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

const SPECIAL: [char; 5] = [',', '=', '"', '\'', '\\'];

fn escape_into(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if SPECIAL.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

/// Escapes special characters; quotes the whole name when it has leading/trailing spaces
/// (which the parser would otherwise trim).
fn escape_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    let needs_quotes = name.starts_with(char::is_whitespace) || name.ends_with(char::is_whitespace);
    if needs_quotes {
        out.push('"');
    }
    escape_into(&mut out, name);
    if needs_quotes {
        out.push('"');
    }
    out
}

fn escape_value(value: &str) -> String {
    escape_name(value)
}

/// One lexical token of a display name.
#[derive(Debug, PartialEq)]
enum Token {
    Text(String),
    Comma,
    Equals,
}

fn tokenize(input: &str) -> Result<Vec<(usize, Token)>, NameError> {
    let syntax = |position, what| NameError::Syntax {
        input: input.to_string(),
        position,
        what,
    };
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(start, ch)) = chars.peek() {
        match ch {
            ',' => {
                chars.next();
                tokens.push((start, Token::Comma));
            }
            '=' => {
                chars.next();
                tokens.push((start, Token::Equals));
            }
            c if c.is_whitespace() => {
                chars.next();
            }
            '"' | '\'' => {
                chars.next();
                let quote = ch;
                let mut text = String::new();
                let mut closed = false;
                while let Some((pos, c)) = chars.next() {
                    if c == quote {
                        closed = true;
                        break;
                    }
                    if c == '\\' {
                        text.push(unescape(&mut chars, pos).map_err(|w| syntax(pos, w))?);
                    } else {
                        text.push(c);
                    }
                }
                if !closed {
                    return Err(syntax(start, "unterminated quoted value"));
                }
                tokens.push((start, Token::Text(text)));
            }
            _ => {
                let mut text = String::new();
                // Unquoted text runs to the next unescaped `,` or `=`; inner spaces are kept,
                // trailing ones trimmed (but not escaped ones).
                let mut kept_len = 0;
                while let Some(&(pos, c)) = chars.peek() {
                    if c == ',' || c == '=' {
                        break;
                    }
                    if c == '"' || c == '\'' {
                        return Err(syntax(pos, "a quote may only start a value"));
                    }
                    chars.next();
                    if c == '\\' {
                        text.push(unescape(&mut chars, pos).map_err(|w| syntax(pos, w))?);
                        kept_len = text.len();
                    } else {
                        text.push(c);
                        if !c.is_whitespace() {
                            kept_len = text.len();
                        }
                    }
                }
                text.truncate(kept_len);
                tokens.push((start, Token::Text(text)));
            }
        }
    }
    Ok(tokens)
}

fn unescape(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    _pos: usize,
) -> Result<char, &'static str> {
    let Some((_, c)) = chars.next() else {
        return Err("a backslash at the end of the name");
    };
    Ok(match c {
        ',' | '=' | '"' | '\'' | '\\' | '/' => c,
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'u' => {
            let mut code = String::new();
            loop {
                match chars.next() {
                    Some((_, ';')) => break,
                    Some((_, h)) if h.is_ascii_hexdigit() && code.len() < 6 => code.push(h),
                    _ => return Err("\\u escape must be hex digits ended by `;`"),
                }
            }
            u32::from_str_radix(&code, 16)
                .ok()
                .and_then(char::from_u32)
                .ok_or("\\u escape is not a valid character")?
        }
        _ => return Err("unknown escape sequence"),
    })
}

fn parse_display_name(input: &str) -> Result<AssemblyName, NameError> {
    if input.trim().is_empty() {
        return Err(NameError::Empty);
    }
    let syntax = |position, what| NameError::Syntax {
        input: input.to_string(),
        position,
        what,
    };
    let tokens = tokenize(input)?;
    let mut it = tokens.into_iter().peekable();
    let name = match it.next() {
        Some((_, Token::Text(t))) if !t.is_empty() => t,
        Some((_, Token::Text(_))) | Some((_, Token::Comma)) => {
            return Err(NameError::EmptyName {
                input: input.to_string(),
            });
        }
        Some((p, Token::Equals)) => return Err(syntax(p, "`=` before the assembly name")),
        None => return Err(NameError::Empty),
    };
    let mut result = AssemblyName::simple(name);
    let mut seen: Vec<String> = Vec::new();
    while let Some((pos, tok)) = it.next() {
        if tok != Token::Comma {
            return Err(syntax(pos, "expected `,` between attributes"));
        }
        let key = match it.next() {
            Some((_, Token::Text(k))) if !k.is_empty() => k,
            Some((p, _)) => return Err(syntax(p, "expected an attribute name after `,`")),
            None => return Err(syntax(input.len(), "trailing `,`")),
        };
        match it.next() {
            Some((_, Token::Equals)) => {}
            Some((p, _)) => return Err(syntax(p, "expected `=` after the attribute name")),
            None => return Err(syntax(input.len(), "attribute without `=value`")),
        }
        let value = match it.peek() {
            Some((_, Token::Text(_))) => match it.next() {
                Some((_, Token::Text(v))) => v,
                _ => String::new(),
            },
            _ => String::new(),
        };
        let lower = key.to_ascii_lowercase();
        if seen.contains(&lower) {
            return Err(NameError::DuplicateKey {
                input: input.to_string(),
                key,
            });
        }
        seen.push(lower.clone());
        apply_attribute(&mut result, input, &lower, value)?;
    }
    Ok(result)
}

fn apply_attribute(
    result: &mut AssemblyName,
    input: &str,
    key: &str,
    value: String,
) -> Result<(), NameError> {
    match key {
        "version" => {
            result.version = Some(value.parse().map_err(|source| NameError::BadVersion {
                input: input.to_string(),
                source,
            })?);
        }
        "culture" | "language" => result.culture = Some(Culture::parse(&value)),
        "publickeytoken" => {
            let token = if value.eq_ignore_ascii_case("null") || value.is_empty() {
                PublicKeyToken::Null
            } else {
                match parse_hex(&value).and_then(|b| <[u8; 8]>::try_from(b).ok()) {
                    Some(t) => PublicKeyToken::Token(t),
                    None => {
                        return Err(NameError::BadPublicKeyToken {
                            input: input.to_string(),
                            value,
                        });
                    }
                }
            };
            set_token(result, token);
        }
        "publickey" => {
            let token = if value.eq_ignore_ascii_case("null") || value.is_empty() {
                PublicKeyToken::Null
            } else {
                match parse_hex(&value) {
                    Some(key) => PublicKeyToken::from_public_key(&key),
                    None => {
                        return Err(NameError::BadPublicKey {
                            input: input.to_string(),
                            value,
                        });
                    }
                }
            };
            set_token(result, token);
        }
        "processorarchitecture" => {
            result.processor_architecture = Some(ProcessorArchitecture::parse(&value).ok_or(
                NameError::BadProcessorArchitecture {
                    input: input.to_string(),
                    value: value.clone(),
                },
            )?);
        }
        "retargetable" => {
            result.retargetable = if value.eq_ignore_ascii_case("yes") {
                true
            } else if value.eq_ignore_ascii_case("no") {
                false
            } else {
                return Err(NameError::BadRetargetable {
                    input: input.to_string(),
                    value,
                });
            };
        }
        // ContentType, Custom and unknown attributes are accepted and ignored, as .NET does.
        _ => {}
    }
    Ok(())
}

fn set_token(result: &mut AssemblyName, token: PublicKeyToken) {
    // `PublicKey` and `PublicKeyToken` together: .NET keeps the key; both give the same token
    // for well-formed names, so the first one wins here.
    if result.public_key_token.is_none() {
        result.public_key_token = Some(token);
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
