//! Pyro's msgpack ext types on the decoding side (0x30 complex, 0x31 big int, 0x32 datetime,
//! 0x33 date) and msgpack's own timestamp (-1).
//!
//! Errors come back without an offset; the decoder locates them at the ext value.

use std::fmt::Write;

use num_bigint::BigInt;
use time::{Date, OffsetDateTime};

use super::{EXT_BIGINT, EXT_COMPLEX, EXT_DATE, EXT_DATETIME, EXT_TIMESTAMP};
use crate::repr::write_bytes_repr;
use crate::repr::{INT_MAX_STR_DIGITS, str_to_int_too_long_message};
use crate::{Error, ErrorKind, Result, Value};

/// The value of ext type `code` carrying `data`.
pub(super) fn decode_ext(code: i8, data: &[u8]) -> Result<Value> {
    match code {
        EXT_COMPLEX => {
            let b = fixed::<16>(data)?;
            let (re, im) = b.split_at(8);
            Ok(Value::Complex {
                re: f64_le(re),
                im: f64_le(im),
            })
        }
        EXT_BIGINT => parse_int(data),
        EXT_DATETIME => {
            let ts = f64::from_le_bytes(fixed::<8>(data)?);
            Ok(Value::Str(datetime_iso(ts)?))
        }
        EXT_DATE => {
            // A C `long`: 8 bytes from 64-bit Linux/macOS, 4 from Windows.
            let ordinal = match data.len() {
                4 => i64::from(i32::from_le_bytes(fixed::<4>(data)?)),
                _ => i64::from_le_bytes(fixed::<8>(data)?),
            };
            Ok(Value::Str(date_iso(ordinal)?))
        }
        EXT_TIMESTAMP => Ok(Value::Str(timestamp_iso(data)?)),
        _ => Err(Error::new(
            ErrorKind::Unsupported,
            format!("invalid ext code for msgpack: {code}"),
        )),
    }
}

/// Exactly `N` bytes, or Python's `struct.error` text.
fn fixed<const N: usize>(data: &[u8]) -> Result<[u8; N]> {
    data.try_into().map_err(|_| {
        Error::new(
            ErrorKind::Syntax,
            format!("unpack requires a buffer of {N} bytes"),
        )
    })
}

fn f64_le(b: &[u8]) -> f64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    f64::from_le_bytes(a)
}

fn value_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Value, message)
}

/// Python's `int(data)` for bytes: optional surrounding whitespace, an optional sign, decimal
/// digits with single underscores between them; at most [`INT_MAX_STR_DIGITS`] digits.
fn parse_int(data: &[u8]) -> Result<Value> {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let start = data.iter().position(|b| !is_space(b)).unwrap_or(data.len());
    let end = data
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |p| p + 1);
    let mut text = &data[start..end];
    let negative = text.first() == Some(&b'-');
    if matches!(text.first(), Some(b'-' | b'+')) {
        text = &text[1..];
    }
    let mut digits = Vec::with_capacity(text.len());
    let mut prev_digit = false;
    for &b in text {
        match b {
            b'0'..=b'9' => {
                digits.push(b);
                prev_digit = true;
            }
            b'_' if prev_digit => prev_digit = false,
            _ => return Err(invalid_int(data)),
        }
    }
    if !prev_digit {
        // Empty, or ends with an underscore.
        return Err(invalid_int(data));
    }
    if digits.len() > INT_MAX_STR_DIGITS {
        return Err(value_error(str_to_int_too_long_message(digits.len())));
    }
    let magnitude = BigInt::parse_bytes(&digits, 10).ok_or_else(|| invalid_int(data))?;
    Ok(Value::from_bigint(if negative {
        -magnitude
    } else {
        magnitude
    }))
}

#[cold]
fn invalid_int(data: &[u8]) -> Error {
    let mut message = String::from("invalid literal for int() with base 10: ");
    // The text can be as long as the input: show at most 100 bytes of it.
    write_bytes_repr(&mut message, &data[..data.len().min(100)]);
    if data.len() > 100 {
        message.push_str("...");
    }
    Error::new(ErrorKind::Syntax, message)
}

/// Pyro's datetime (a POSIX timestamp) as `datetime.fromtimestamp(ts).isoformat()` gives it in
/// UTC: seconds and microseconds split and rounded half-even like CPython does.
pub(super) fn datetime_iso(ts: f64) -> Result<String> {
    if ts.is_nan() {
        return Err(value_error("Invalid value NaN (not a number)"));
    }
    if ts.is_infinite() {
        return Err(value_error("timestamp out of range for platform time_t"));
    }
    let mut secs = ts.trunc();
    let mut micros = ((ts - secs) * 1e6).round_ties_even();
    if micros >= 1e6 {
        micros -= 1e6;
        secs += 1.0;
    } else if micros < 0.0 {
        micros += 1e6;
        secs -= 1.0;
    }
    // 2^63 as f64: i64's range is [-2^63, 2^63).
    if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&secs) {
        return Err(value_error("timestamp out of range for platform time_t"));
    }
    let secs = secs as i64;
    let dt = utc_in_python_range(secs)?;
    // CPython probes the local time one day earlier to detect a DST fold, and that probe
    // fails the same way in the first day of year 1.
    utc_in_python_range(secs.saturating_sub(86_400))?;
    Ok(iso(dt, micros as u32, ""))
}

/// The UTC date and time of `secs`, if its year is one Python's datetime has (1..=9999).
fn utc_in_python_range(secs: i64) -> Result<OffsetDateTime> {
    let dt = OffsetDateTime::from_unix_timestamp(secs).map_err(|_| {
        value_error(if secs < 0 {
            "year 0 is out of range"
        } else {
            "year 10000 is out of range"
        })
    })?;
    if !(1..=9999).contains(&dt.year()) {
        return Err(value_error(format!("year {} is out of range", dt.year())));
    }
    Ok(dt)
}

/// `date.fromordinal(ordinal).isoformat()`: day 1 is 0001-01-01 (proleptic Gregorian).
pub(super) fn date_iso(ordinal: i64) -> Result<String> {
    if ordinal < 1 {
        return Err(value_error("ordinal must be >= 1"));
    }
    if ordinal > 3_652_059 {
        return Err(value_error("year 10000 is out of range"));
    }
    // Julian day 1721426 is 0001-01-01; the range check above keeps this in i32.
    let date = Date::from_julian_day(ordinal as i32 + 1_721_425)
        .map_err(|_| value_error("year 10000 is out of range"))?;
    let mut out = String::with_capacity(10);
    write_date(&mut out, date);
    Ok(out)
}

/// msgpack's timestamp ext (-1) as `Timestamp.to_datetime().isoformat()`: UTC, with `+00:00`.
fn timestamp_iso(data: &[u8]) -> Result<String> {
    let (secs, nanos) = match data.len() {
        4 => (i64::from(u32::from_be_bytes(fixed(data)?)), 0),
        8 => {
            let v = u64::from_be_bytes(fixed(data)?);
            ((v & ((1 << 34) - 1)) as i64, (v >> 34) as u32)
        }
        12 => {
            let (n, s) = data.split_at(4);
            (i64::from_be_bytes(fixed(s)?), u32::from_be_bytes(fixed(n)?))
        }
        n => return Err(value_error(format!("invalid timestamp data (length {n})"))),
    };
    if nanos > 999_999_999 {
        return Err(value_error(
            "nanoseconds must be a non-negative integer not greater than 999999999.",
        ));
    }
    match OffsetDateTime::from_unix_timestamp(secs) {
        Ok(dt) if (1..=9999).contains(&dt.year()) => Ok(iso(dt, nanos / 1000, "+00:00")),
        _ => Err(value_error("date value out of range")),
    }
}

fn write_date(out: &mut String, date: Date) {
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    );
}

/// `YYYY-MM-DDTHH:MM:SS[.ffffff]` + `suffix`, like Python's `datetime.isoformat()`.
fn iso(dt: OffsetDateTime, micros: u32, suffix: &str) -> String {
    let mut out = String::with_capacity(32);
    write_date(&mut out, dt.date());
    let _ = write!(
        out,
        "T{:02}:{:02}:{:02}",
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    if micros != 0 {
        let _ = write!(out, ".{micros:06}");
    }
    out.push_str(suffix);
    out
}
