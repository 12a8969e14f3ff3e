//! Reads the culture dump's text (the format `data/CultureDump.cs` documents: one record a
//! line, TAB-separated fields, escaped strings, counted arrays) into a [`CultureTable`].

use std::sync::OnceLock;

use super::table::{
    CalendarNames, Culture, CultureTable, NUMBER_FIELDS, NUMBER_STRING_FIELDS, NumberFormat,
    Region, TextInfoData, TimeFormat,
};

/// Why the dump could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ParseError {
    #[error("line {line}: {reason}")]
    Malformed { line: usize, reason: String },
}

/// The fields of one record, consumed left to right.
pub(crate) struct Fields<'a> {
    items: std::str::Split<'a, char>,
}

impl<'a> Fields<'a> {
    fn raw(&mut self) -> Result<&'a str, String> {
        self.items
            .next()
            .ok_or_else(|| "too few fields".to_string())
    }

    fn string(&mut self) -> Result<String, String> {
        self.optional_string()?
            .ok_or_else(|| "null where a string is required".to_string())
    }

    fn optional_string(&mut self) -> Result<Option<String>, String> {
        let raw = self.raw()?;
        if raw == "\\N" {
            return Ok(None);
        }
        unescape(raw).map(Some)
    }

    fn int(&mut self) -> Result<i32, String> {
        let raw = self.raw()?;
        raw.parse()
            .map_err(|_| format!("`{raw}` is not an integer"))
    }

    /// A counted array: `n|item|item...`.
    fn array(&mut self) -> Result<Vec<String>, String> {
        let raw = self.raw()?;
        let mut parts = split_unescaped(raw, '|').into_iter();
        let count: usize = parts
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("`{raw}` is not a counted array"))?;
        let items = parts.map(unescape).collect::<Result<Vec<_>, _>>()?;
        if items.len() != count {
            return Err(format!("array says {count} items but has {}", items.len()));
        }
        Ok(items)
    }

    fn end(mut self) -> Result<(), String> {
        match self.items.next() {
            None => Ok(()),
            Some(extra) => Err(format!("unexpected field `{extra}`")),
        }
    }
}

/// `text` with the dump's escapes (`\\`, `\t`, `\n`, `\r`, `\|`) undone.
fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next() {
            Some('\\') => '\\',
            Some('t') => '\t',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('|') => '|',
            other => return Err(format!("bad escape `\\{}`", other.unwrap_or(' '))),
        });
    }
    Ok(out)
}

/// `text` split at each `separator` that no backslash escapes (escapes stay in the parts).
fn split_unescaped(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == separator {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A record whose fields are parsed the first time they are asked for: a program needs one
/// culture's names and formats, not all of them.
#[derive(Debug)]
pub(crate) struct Lazy<T> {
    /// The record's key as written (a name; for numbered records, the number).
    pub key: &'static str,
    line_number: usize,
    /// The record's fields after its kind (a culture's name is its first field and its key).
    fields: &'static str,
    parse: fn(&mut Fields) -> Result<T, String>,
    /// Boxed: a program parses a handful of the 1,830 records, and a culture's record inline
    /// made each unparsed entry 300 bytes (574 KB of a hello world's heap under `C.UTF-8`).
    value: OnceLock<Result<Box<T>, String>>,
}

impl<T> Lazy<T> {
    fn new(
        key: &'static str,
        line_number: usize,
        fields: &'static str,
        parse: fn(&mut Fields) -> Result<T, String>,
    ) -> Self {
        Lazy {
            key,
            line_number,
            fields,
            parse,
            value: OnceLock::new(),
        }
    }

    /// The parsed record, or why it does not parse.
    pub(crate) fn get(&self) -> Result<&T, ParseError> {
        let value = self.value.get_or_init(|| {
            let mut fields = Fields {
                items: self.fields.split('\t'),
            };
            let value = (self.parse)(&mut fields)?;
            fields.end()?;
            Ok(Box::new(value))
        });
        value.as_deref().map_err(|reason| ParseError::Malformed {
            line: self.line_number,
            reason: reason.clone(),
        })
    }
}

/// Splits the dump into its records, keyed, leaving their fields for [`Lazy::get`].
pub(crate) fn parse(dump: &'static str) -> Result<CultureTable, ParseError> {
    let mut table = CultureTable::default();
    for (index, line) in dump.lines().enumerate() {
        let line_number = index + 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let malformed = |reason: String| ParseError::Malformed {
            line: line_number,
            reason,
        };
        let (kind, after_kind) = line.split_once('\t').unwrap_or((line, ""));
        let (key, rest) = after_kind.split_once('\t').unwrap_or((after_kind, ""));
        if key.contains('\\') {
            return Err(malformed(format!("key `{key}` has an escape")));
        }
        let number = || -> Result<i32, ParseError> {
            key.parse()
                .map_err(|_| malformed(format!("`{key}` is not an integer")))
        };
        match kind {
            "C" => table
                .cultures
                .push(Lazy::new(key, line_number, after_kind, culture)),
            "L" => table.lcids.push((number()?, rest)),
            "T" => table
                .time_formats
                .push((number()?, Lazy::new(key, line_number, rest, time_format))),
            "K" => table
                .calendar_names
                .push((number()?, Lazy::new(key, line_number, rest, calendar_names))),
            "N" => table
                .number_formats
                .push((number()?, Lazy::new(key, line_number, rest, number_format))),
            "R" => table
                .regions
                .push(Lazy::new(key, line_number, rest, region)),
            other => return Err(malformed(format!("unknown record kind `{other}`"))),
        }
    }
    Ok(table)
}

fn culture(fields: &mut Fields) -> Result<Culture, String> {
    Ok(Culture {
        name: fields.string()?,
        lcid: fields.int()?,
        parent_lcid: fields.int()?,
        calendar_type: fields.int()?,
        datetime_index: fields.int()?,
        number_index: fields.int()?,
        english_name: fields.string()?,
        native_name: fields.string()?,
        win3_lang: fields.string()?,
        iso3_lang: fields.string()?,
        iso2_lang: fields.string()?,
        territory: fields.optional_string()?,
        native_calendar_names: fields.array()?,
        text_info: Box::new(TextInfoData {
            ansi: fields.int()?,
            ebcdic: fields.int()?,
            mac: fields.int()?,
            oem: fields.int()?,
            right_to_left: byte(fields.int()?)?,
            list_separator: byte(fields.int()?)?,
        }),
    })
}

fn byte(value: i32) -> Result<u8, String> {
    u8::try_from(value).map_err(|_| format!("{value} is not a byte"))
}

fn time_format(fields: &mut Fields) -> Result<TimeFormat, String> {
    Ok(TimeFormat {
        am_designator: fields.string()?,
        pm_designator: fields.string()?,
        time_separator: fields.string()?,
        long_times: fields.array()?,
        short_times: fields.array()?,
        first_day_of_week: fields.int()?,
        calendar_week_rule: fields.int()?,
    })
}

fn calendar_names(fields: &mut Fields) -> Result<CalendarNames, String> {
    Ok(CalendarNames {
        short_dates: fields.array()?,
        year_months: fields.array()?,
        long_dates: fields.array()?,
        month_day: fields.string()?,
        day_names: fields.array()?,
        abbreviated_day_names: fields.array()?,
        super_short_day_names: fields.array()?,
        month_names: fields.array()?,
        abbreviated_month_names: fields.array()?,
        genitive_month_names: fields.array()?,
        genitive_abbreviated_month_names: fields.array()?,
    })
}

/// A number entry, its string fields offsets into its own NUL-terminated UTF-8 strings (the
/// base `fill_number_data` returns, as mono's `locale_strings`).
fn number_format(fields: &mut Fields) -> Result<NumberFormat, String> {
    let mut entry = [0i32; NUMBER_FIELDS];
    let mut strings = Vec::new();
    for (i, slot) in entry.iter_mut().enumerate() {
        *slot = if NUMBER_STRING_FIELDS.contains(&i) {
            let offset = i32::try_from(strings.len())
                .map_err(|_| "number strings exceed 2 GiB".to_string())?;
            strings.extend_from_slice(fields.string()?.as_bytes());
            strings.push(0);
            offset
        } else {
            fields.int()?
        };
    }
    Ok(NumberFormat { entry, strings })
}

fn region(fields: &mut Fields) -> Result<Region, String> {
    Ok(Region {
        geo_id: fields.int()?,
        iso2_name: fields.string()?,
        iso3_name: fields.string()?,
        win3_name: fields.string()?,
        english_name: fields.string()?,
        native_name: fields.string()?,
        currency_symbol: fields.string()?,
        iso_currency_symbol: fields.string()?,
        currency_english_name: fields.string()?,
        currency_native_name: fields.string()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_counted_arrays_round_trip() {
        let mut fields = Fields {
            items: "a\\tb\\|c\\\\\t3|x\\|y||z\t0\t\\N".split('\t'),
        };
        assert_eq!(fields.string().unwrap(), "a\tb|c\\");
        assert_eq!(fields.array().unwrap(), vec!["x|y", "", "z"]);
        assert!(fields.array().unwrap().is_empty());
        assert_eq!(fields.optional_string().unwrap(), None);
        assert!(fields.end().is_ok());
    }

    #[test]
    fn malformed_records_are_errors_not_panics() {
        for dump in ["X\t1", "L\tone\ten-US", "T\tx\ta", "C\ta\\tb"] {
            assert!(parse(dump).is_err(), "{dump:?}");
        }
        // A record's fields are read when first asked for; a bad one is an error then.
        let table = parse("C\ten\nN\t0\t1\nT\t0\ta\tb\tc\t2|x\t0\t0\t0").expect("keys parse");
        assert!(table.cultures[0].get().is_err());
        assert!(table.number_formats[0].1.get().is_err());
        assert!(table.time_formats[0].1.get().is_err());
    }
}
