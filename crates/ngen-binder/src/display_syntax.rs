//! The display-name grammar: tokenizing, quoting and `\` escapes, and turning `Key=Value`
//! attributes into an [`AssemblyName`]; plus the escaping used when formatting one.
//! Depends on [`crate::name`] and [`crate::identity_parts`].

use crate::identity_parts::{Culture, ProcessorArchitecture, PublicKeyToken, parse_hex};
use crate::name::{AssemblyName, NameError};

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
pub(crate) fn escape_name(name: &str) -> String {
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

pub(crate) fn escape_value(value: &str) -> String {
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

pub(crate) fn parse_display_name(input: &str) -> Result<AssemblyName, NameError> {
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
