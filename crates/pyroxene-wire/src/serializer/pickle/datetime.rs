//! The pickled forms of `datetime.datetime`/`date`/`time`/`timezone`/`timedelta`,
//! `decimal.Decimal` and `uuid.UUID`, both ways, as CPython's `__reduce_ex__` writes them:
//!
//! ```text
//! datetime(2020, 1, 2, 3, 4, 5, 6789)  ->  c datetime\ndatetime\n  C 0a 07e4 01 02 03 04 05 001a85  85 R
//!                                          (state: year hi/lo, month (+128 for fold=1), day,
//!                                           hour, minute, second, microsecond as 3 bytes)
//! time(3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
//!   ->  c datetime\ntime\n  C 06 (state)  c datetime\ntimezone\n c datetime\ntimedelta\n
//!       K00 M201c K00 87 R  85 R  86 R      (timedelta(days, seconds, us), timezone((td,)))
//! Decimal('1.5')  ->  c decimal\nDecimal\n  8c 03 '1.5'  85 R
//! UUID(...)       ->  c uuid\nUUID\n  ) 81  } ( 8c 03 'int' 8a 10 <16 bytes LE> u  b
//! ```

use super::Known;
use super::decode::{Item, TzPart};
use crate::serializer::msgpack;
use crate::value::{PyDate, PyDateTime, PyTime, PyTimeZone, PyUuid, SafeUuid};
use crate::{Error, Result, Value};

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// The value of `known(*items)` for the date/time/decimal classes. `Err(None)`: arguments of
/// the wrong shape; `Err(Some(e))`: Python's constructor refuses them (a month 13, ...).
pub(super) fn reduce(known: Known, items: &[Item]) -> Result<Item, Option<Error>> {
    let val = |i: usize| match items.get(i) {
        Some(Item::Val(v)) => Some(v),
        _ => None,
    };
    let tz = |i: usize| -> Result<Option<PyTimeZone>, Option<Error>> {
        match items.get(i) {
            None | Some(Item::Val(Value::None)) => Ok(None),
            Some(Item::Tz(TzPart::Zone(z))) => Ok(Some(z.clone())),
            _ => Err(None),
        }
    };
    if items.len() > 2 && known != Known::TimeDelta {
        return Err(None);
    }
    let value = match known {
        Known::TimeDelta => {
            let int = |i: usize| val(i).map_or(Some(0), Value::as_i64);
            let (days, seconds, micros) = (
                int(0).ok_or(None)?,
                int(1).ok_or(None)?,
                int(2).ok_or(None)?,
            );
            if items.len() > 3 {
                return Err(None);
            }
            let total = days
                .checked_mul(MICROS_PER_DAY)
                .and_then(|d| d.checked_add(seconds.checked_mul(1_000_000)?))
                .and_then(|d| d.checked_add(micros))
                .ok_or(None)?;
            return Ok(Item::Tz(TzPart::Delta(total)));
        }
        Known::TimeZone => {
            let Some(Item::Tz(TzPart::Delta(offset))) = items.first() else {
                return Err(None);
            };
            let zone = match val(1) {
                None if items.len() == 1 => PyTimeZone::new(*offset),
                Some(Value::Str(name)) => PyTimeZone::with_name(*offset, name.as_str()),
                _ => return Err(None),
            };
            return Ok(Item::Tz(TzPart::Zone(zone.map_err(Some)?)));
        }
        Known::DateTime => {
            let b = state::<10>(val(0))?;
            let fold = b[2] & 0x80 != 0;
            let date = date_of(b[0], b[1], b[2] & 0x7f, b[3])?;
            let time = time_of(b[4], b[5], b[6], &b[7..10], fold)?.with_tz(tz(1)?);
            Value::DateTime(PyDateTime::new(date, time))
        }
        Known::Date if items.len() == 1 => {
            let b = state::<4>(val(0))?;
            Value::Date(date_of(b[0], b[1], b[2], b[3])?)
        }
        Known::Time => {
            let b = state::<6>(val(0))?;
            let time = time_of(b[0] & 0x7f, b[1], b[2], &b[3..6], b[0] & 0x80 != 0)?;
            Value::Time(time.with_tz(tz(1)?))
        }
        Known::Decimal if items.len() == 1 => match val(0) {
            Some(Value::Str(text)) => Value::Decimal(text.parse().map_err(Some)?),
            Some(Value::Int(i)) => Value::Decimal(i.to_string().parse().map_err(Some)?),
            _ => return Err(None),
        },
        _ => return Err(None),
    };
    Ok(Item::Val(value))
}

/// The state bytes of a datetime/date/time: bytes, or (from Python 2 pickles read as latin-1)
/// a str of code points below 256.
fn state<const N: usize>(v: Option<&Value>) -> Result<[u8; N], Option<Error>> {
    let raw: Vec<u8> = match v {
        Some(Value::Bytes(b)) => b.to_vec(),
        Some(Value::Str(s)) => s
            .chars()
            .map(|c| u8::try_from(c).ok())
            .collect::<Option<_>>()
            .ok_or(None)?,
        _ => return Err(None),
    };
    raw.try_into().map_err(|_| None)
}

fn date_of(hi: u8, lo: u8, month: u8, day: u8) -> Result<PyDate, Option<Error>> {
    PyDate::new(i32::from(hi) << 8 | i32::from(lo), month, day).map_err(Some)
}

fn time_of(h: u8, m: u8, s: u8, us: &[u8], fold: bool) -> Result<PyTime, Option<Error>> {
    let micros = u32::from(us[0]) << 16 | u32::from(us[1]) << 8 | u32::from(us[2]);
    Ok(PyTime::new(h, m, s, micros).map_err(Some)?.with_fold(fold))
}

/// A UUID from its BUILD state `{'int': n[, 'is_safe': 0 | -1 | None]}`.
pub(super) fn uuid_from_state(state: Option<Value>) -> Option<Value> {
    let Some(Value::Dict(d)) = state else {
        return None;
    };
    let int = d.get(&Value::from("int"))?.as_bigint()?;
    let is_safe = match d.get(&Value::from("is_safe")) {
        None | Some(Value::None) => SafeUuid::Unknown,
        Some(Value::Int(0)) => SafeUuid::Safe,
        Some(Value::Int(-1)) => SafeUuid::Unsafe,
        Some(_) => return None,
    };
    let known = 1 + usize::from(d.contains_key(&Value::from("is_safe")));
    if d.len() != known {
        return None;
    }
    let int = u128::try_from(int).ok()?;
    Some(Value::Uuid(PyUuid::from_u128(int).with_safe(is_safe)))
}

/// A msgpack Timestamp from its BUILD state `(None, {'seconds': s, 'nanoseconds': n})`, as
/// [`Value::Ext`] code -1 with the bytes msgpack writes for it.
pub(super) fn timestamp_from_state(state: Option<Value>) -> Option<Value> {
    let Some(Value::Tuple(parts)) = state else {
        return None;
    };
    let [Value::None, Value::Dict(slots)] = parts.as_slice() else {
        return None;
    };
    let seconds = slots.get(&Value::from("seconds"))?.as_i64()?;
    let nanoseconds = slots.get(&Value::from("nanoseconds"))?.as_i64()?;
    if slots.len() != 2 {
        return None;
    }
    crate::serializer::msgpack::timestamp(seconds, u32::try_from(nanoseconds).ok()?).ok()
}

/// Writes the pickle of a date, time, datetime, Decimal, UUID or msgpack ext value (protocol
/// 4); nothing for any other value.
pub(super) fn write(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::DateTime(dt) => {
            let (d, t) = (dt.date(), dt.time());
            let month = d.month() | if t.fold() { 0x80 } else { 0 };
            let mut b = date_bytes(d);
            b[2] = month;
            let mut state = b.to_vec();
            state.extend_from_slice(&clock_bytes(t, false));
            reduce_state(out, "datetime", &state, t.tz());
        }
        Value::Date(d) => reduce_state(out, "date", &date_bytes(*d), None),
        Value::Time(t) => reduce_state(out, "time", &clock_bytes(t, t.fold()), t.tz()),
        Value::Decimal(d) => {
            super::encode::write_global(out, "decimal", "Decimal");
            super::encode::write_text(out, &d.to_string());
            out.extend_from_slice(&[0x85, b'R']); // TUPLE1, REDUCE
        }
        Value::Uuid(u) => {
            super::encode::write_global(out, "uuid", "UUID");
            out.extend_from_slice(&[b')', 0x81, b'}', b'(']); // EMPTY_TUPLE, NEWOBJ, {, MARK
            super::encode::write_text(out, "int");
            super::encode::write_long(out, &u.as_u128().into());
            let safe = match u.is_safe() {
                SafeUuid::Safe => Some(0u8),
                SafeUuid::Unsafe => Some(0xff), // BININT1 can't hold -1: J below
                SafeUuid::Unknown => None,
            };
            if let Some(safe) = safe {
                super::encode::write_text(out, "is_safe");
                if safe == 0 {
                    out.extend_from_slice(&[b'K', 0]);
                } else {
                    out.push(b'J');
                    out.extend_from_slice(&(-1i32).to_le_bytes());
                }
            }
            out.extend_from_slice(b"ub"); // SETITEMS, BUILD
        }
        Value::Ext { code: -1, data } if msgpack::timestamp_parts(data).is_some() => {
            let (seconds, nanoseconds) = msgpack::timestamp_parts(data).unwrap_or_default();
            super::encode::write_global(out, "msgpack.ext", "Timestamp");
            // EMPTY_TUPLE, NEWOBJ, then the state (None, {slots}) and BUILD.
            out.extend_from_slice(&[b')', 0x81, b'N', b'}', b'(']);
            super::encode::write_text(out, "seconds");
            super::encode::write_int(out, seconds);
            super::encode::write_text(out, "nanoseconds");
            super::encode::write_int(out, i64::from(nanoseconds));
            out.extend_from_slice(&[b'u', 0x86, b'b']);
        }
        Value::Ext { code, data } => {
            super::encode::write_global(out, "msgpack.ext", "ExtType");
            super::encode::write_int(out, i64::from(*code));
            super::encode::write_bytes(out, data);
            out.extend_from_slice(&[0x86, 0x81]); // TUPLE2, NEWOBJ
        }
        _ => {}
    }
}

fn date_bytes(d: PyDate) -> [u8; 4] {
    let y = d.year() as u16;
    [(y >> 8) as u8, y as u8, d.month(), d.day()]
}

fn clock_bytes(t: &PyTime, fold: bool) -> [u8; 6] {
    let us = t.microsecond();
    let hour = t.hour() | if fold { 0x80 } else { 0 };
    [
        hour,
        t.minute(),
        t.second(),
        (us >> 16) as u8,
        (us >> 8) as u8,
        us as u8,
    ]
}

/// `datetime.<class>(state[, tzinfo])` by REDUCE.
fn reduce_state(out: &mut Vec<u8>, class: &str, state: &[u8], tz: Option<&PyTimeZone>) {
    super::encode::write_global(out, "datetime", class);
    out.push(b'C'); // SHORT_BINBYTES
    out.push(state.len() as u8);
    out.extend_from_slice(state);
    match tz {
        None => out.push(0x85), // TUPLE1
        Some(tz) => {
            write_timezone(out, tz);
            out.push(0x86); // TUPLE2
        }
    }
    out.push(b'R');
}

/// `timezone(timedelta(days, seconds, microseconds)[, name])`.
fn write_timezone(out: &mut Vec<u8>, tz: &PyTimeZone) {
    super::encode::write_global(out, "datetime", "timezone");
    super::encode::write_global(out, "datetime", "timedelta");
    let micros = tz.offset_micros();
    let days = micros.div_euclid(MICROS_PER_DAY);
    let rest = micros.rem_euclid(MICROS_PER_DAY);
    for part in [days, rest / 1_000_000, rest % 1_000_000] {
        super::encode::write_int(out, part);
    }
    out.extend_from_slice(&[0x87, b'R']); // TUPLE3, REDUCE
    match tz.name() {
        None => out.push(0x85),
        Some(name) => {
            super::encode::write_text(out, name);
            out.push(0x86);
        }
    }
    out.push(b'R');
}
