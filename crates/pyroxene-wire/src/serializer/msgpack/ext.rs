//! Pyro's msgpack ext types (0x30 complex, 0x31 big int, 0x32 datetime, 0x33 date), msgpack's
//! own timestamp (-1) and every other code (kept opaque): decoding, and the datetime/date
//! payloads for the encoder.
//!
//! Errors come back without an offset; the decoder locates them at the ext value.

use std::fmt::Write;

use bytes::Bytes;
use num_bigint::BigInt;
use time::OffsetDateTime;

use super::{EXT_BIGINT, EXT_COMPLEX, EXT_DATE, EXT_DATETIME, EXT_TIMESTAMP};
use crate::repr::write_bytes_repr;
use crate::repr::{INT_MAX_STR_DIGITS, str_to_int_too_long_message};
use crate::value::{PyDate, PyDateTime};
use crate::{Error, ErrorKind, Result, Value};

/// The value of ext type `code` carrying `data` (`owner`: the shared input, for [`Value::Ext`]
/// payloads).
pub(super) fn decode_ext(code: i8, data: &[u8], owner: Option<&Bytes>) -> Result<Value> {
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
            Ok(Value::DateTime(datetime_from_timestamp(ts)?))
        }
        EXT_DATE => {
            // A C `long`: 8 bytes from 64-bit Linux/macOS, 4 from Windows.
            let ordinal = match data.len() {
                4 => i64::from(i32::from_le_bytes(fixed::<4>(data)?)),
                _ => i64::from_le_bytes(fixed::<8>(data)?),
            };
            Ok(Value::Date(PyDate::from_ordinal(ordinal)?))
        }
        _ => {
            if code == EXT_TIMESTAMP {
                // Checked as msgpack-python checks it, then kept as it came.
                timestamp_checked(data)?;
            }
            Ok(Value::Ext {
                code,
                data: crate::serializer::bytes_value(owner, data),
            })
        }
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

/// Pyro's datetime (a POSIX timestamp, which Python reads as *local* time) as the naive
/// datetime of that instant **in UTC**: seconds and microseconds split and rounded half-even
/// like CPython's `fromtimestamp`, with its range errors.
pub(crate) fn datetime_from_timestamp(ts: f64) -> Result<PyDateTime> {
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
    utc_in_python_range(secs)?;
    // CPython probes the local time one day earlier to detect a DST fold, and that probe
    // fails the same way in the first day of year 1.
    utc_in_python_range(secs.saturating_sub(86_400))?;
    PyDateTime::from_wall_micros((secs + UNIX_EPOCH_SECONDS) * 1_000_000 + micros as i64)
}

/// Seconds from 0001-01-01T00:00 to 1970-01-01T00:00.
const UNIX_EPOCH_SECONDS: i64 = 62_135_596_800;

/// The timestamp Python's `datetime.timestamp()` gives a naive datetime, taken as UTC (the
/// inverse of [`datetime_from_timestamp`], to the bit for every value Python sends): whole
/// seconds, then the microseconds added as a float.
///
/// # Errors
/// An aware datetime ("msgpack cannot serialize datetime with timezone info", Pyro's
/// SerializeError), or one in the first or last day of Python's range, where `timestamp()`'s
/// own probes fail ("year 0 is out of range", "year 10000 is out of range").
pub(crate) fn datetime_timestamp(dt: &PyDateTime) -> Result<f64> {
    if dt.tz().is_some() {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "msgpack cannot serialize datetime with timezone info",
        ));
    }
    let ordinal = dt.date().ordinal();
    if ordinal <= 1 {
        return Err(value_error("year 0 is out of range"));
    }
    if ordinal >= PyDate::MAX_ORDINAL {
        return Err(value_error("year 10000 is out of range"));
    }
    let wall = dt.wall_micros();
    let secs = wall.div_euclid(1_000_000) - UNIX_EPOCH_SECONDS;
    Ok(secs as f64 + (wall.rem_euclid(1_000_000)) as f64 / 1e6)
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

/// msgpack's timestamp ext (-1, 4/8/12 bytes) as `(seconds, nanoseconds)`, checked as
/// msgpack-python's `Timestamp.from_bytes` checks it.
fn timestamp_checked(data: &[u8]) -> Result<(i64, u32)> {
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
        _ => {
            return Err(value_error(
                "Timestamp type can only be created from 32, 64, or 96-bit byte objects",
            ));
        }
    };
    if nanos > 999_999_999 {
        return Err(value_error(
            "nanoseconds must be a non-negative integer less than 999999999.",
        ));
    }
    Ok((secs, nanos))
}

/// msgpack's timestamp ext value as msgpack-python writes it: the shortest of the 4, 8 and
/// 12-byte forms (`Timestamp.to_bytes()`).
pub(crate) fn timestamp(seconds: i64, nanoseconds: u32) -> Result<Value> {
    if nanoseconds > 999_999_999 {
        return Err(value_error(
            "nanoseconds must be a non-negative integer less than 999999999.",
        ));
    }
    let data = if seconds >> 34 == 0 {
        let data64 = (u64::from(nanoseconds) << 34) | seconds as u64;
        if data64 >> 32 == 0 {
            (data64 as u32).to_be_bytes().to_vec()
        } else {
            data64.to_be_bytes().to_vec()
        }
    } else {
        let mut d = nanoseconds.to_be_bytes().to_vec();
        d.extend_from_slice(&seconds.to_be_bytes());
        d
    };
    Ok(Value::Ext {
        code: EXT_TIMESTAMP,
        data: data.into(),
    })
}

/// `(seconds, nanoseconds)` of a valid msgpack timestamp payload.
pub(crate) fn timestamp_parts(data: &[u8]) -> Option<(i64, u32)> {
    timestamp_checked(data).ok()
}

/// `Timestamp.to_datetime().isoformat()`: UTC with `+00:00`, nanoseconds truncated; `None`
/// for an invalid payload or a year outside 1..=9999.
pub(crate) fn timestamp_isoformat(data: &[u8]) -> Option<String> {
    let (secs, nanos) = timestamp_parts(data)?;
    let dt = utc_in_python_range(secs).ok()?;
    let micros = nanos / 1000;
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    if micros != 0 {
        let _ = write!(out, ".{micros:06}");
    }
    out.push_str("+00:00");
    Some(out)
}
