//! json encoder: `json.dumps(value, ensure_ascii=False)` byte for byte. Iterative: the
//! containers being written live on a heap stack, so deep values cost no native stack.

use num_bigint::BigInt;

use crate::repr::{bigint_decimal, write_float_repr};
use crate::serializer::check_nesting;
use crate::serializer::room_for;
use crate::{Dict, Error, ErrorKind, Result, Value};

const SERIALIZER: &str = "JsonSerializer";

pub(super) fn to_vec(value: &Value) -> Result<Vec<u8>> {
    let mut out = String::with_capacity(64);
    write_from(&mut out, Vec::new(), Some(value), 0)?;
    Ok(out.into_bytes())
}

/// The bytes of Pyro's call object `{"object": .., "method": .., "params": vargs, "kwargs": ..}`
/// (kwargs `None` as null), written straight into one buffer: the same bytes, and the same error
/// for an argument json refuses, as [`to_vec`] of that dict, without building it (a dict of
/// four hashed keys per call).
pub(crate) fn call_to_vec(
    object: &str,
    method: &str,
    vargs: &Value,
    kwargs: Option<&Dict>,
) -> Result<Vec<u8>> {
    let mut out = String::with_capacity(object.len() + method.len() + 80);
    out.push_str("{\"object\": ");
    write_str(&mut out, object);
    out.push_str(", \"method\": ");
    write_str(&mut out, method);
    out.push_str(", \"params\": ");
    // Inside the call dict: one level of nesting is used up already.
    write_from(&mut out, Vec::new(), Some(vargs), 1)?;
    out.push_str(", \"kwargs\": ");
    match kwargs {
        None => out.push_str("null"),
        Some(kwargs) if kwargs.is_empty() => out.push_str("{}"),
        Some(kwargs) => {
            check_nesting(1)?;
            out.push('{');
            write_from(&mut out, vec![Items::Dict(kwargs.iter(), false)], None, 1)?;
        }
    }
    out.push('}');
    Ok(out.into_bytes())
}

/// Writes `next` (if any) and everything in it, then the rest of the containers open on
/// `stack` (all inside `depth` others).
fn write_from<'a>(
    out: &mut String,
    mut stack: Vec<Items<'a>>,
    mut next: Option<&'a Value>,
    depth: usize,
) -> Result<()> {
    if next.is_none() {
        next = next_item(out, &mut stack)?;
    }
    while let Some(v) = next {
        if let Some(items) = write_value(out, v)? {
            check_nesting(stack.len() + depth)?;
            stack.push(items);
        }
        next = next_item(out, &mut stack)?;
    }
    Ok(())
}

/// The items of a container still to be written, and whether one was written already.
enum Items<'a> {
    Seq(std::slice::Iter<'a, Value>, bool),
    Set(indexmap::set::Iter<'a, Value>, bool),
    Dict(indexmap::map::Iter<'a, Value, Value>, bool),
}

/// The next value to write, with the separator (and for a dict the key) before it; closes the
/// containers that are done.
fn next_item<'a>(out: &mut String, stack: &mut Vec<Items<'a>>) -> Result<Option<&'a Value>> {
    loop {
        let Some(top) = stack.last_mut() else {
            return Ok(None);
        };
        let (next, started, close) = match top {
            Items::Seq(it, started) => (it.next(), started, ']'),
            Items::Set(it, started) => (it.next(), started, ']'),
            Items::Dict(it, started) => match it.next() {
                Some((k, v)) => {
                    if *started {
                        out.push_str(", ");
                    }
                    *started = true;
                    write_key(out, k)?;
                    out.push_str(": ");
                    return Ok(Some(v));
                }
                None => (None, started, '}'),
            },
        };
        if let Some(v) = next {
            if *started {
                out.push_str(", ");
            }
            *started = true;
            return Ok(Some(v));
        }
        out.push(close);
        stack.pop();
    }
}

/// Writes a scalar, or opens a container and returns its items.
fn write_value<'a>(out: &mut String, v: &'a Value) -> Result<Option<Items<'a>>> {
    match v {
        Value::None => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Value::BigInt(b) => write_bigint(out, b)?,
        Value::Float(f) => write_float(out, *f),
        Value::Str(s) => write_str(out, s),
        Value::Complex { .. } => return Err(Error::unsupported("complex", SERIALIZER)),
        Value::Bytes(_) => return Err(Error::unsupported("bytes", SERIALIZER)),
        Value::List(items) | Value::Tuple(items) => {
            out.push('[');
            return Ok(Some(Items::Seq(items.iter(), false)));
        }
        Value::Set(items) => {
            out.push('[');
            return Ok(Some(Items::Set(items.iter(), false)));
        }
        Value::Dict(d) => {
            out.push('{');
            return Ok(Some(Items::Dict(d.iter(), false)));
        }
        // Pyro's `default` hook converts sets, dates, datetimes, Decimals and UUIDs only.
        Value::FrozenSet(_) => return Err(Error::unsupported("frozenset", SERIALIZER)),
        Value::Time(_) => return Err(Error::unsupported("datetime.time", SERIALIZER)),
        Value::DateTime(dt) => write_str(out, &dt.to_string()),
        Value::Date(d) => write_str(out, &d.to_string()),
        Value::Decimal(d) => write_str(out, &d.to_string()),
        Value::Uuid(u) => write_str(out, &u.to_string()),
        // An ExtType is a tuple to json, its bytes what it can't write.
        Value::Ext { .. } => return Err(Error::unsupported("bytes", SERIALIZER)),
    }
    Ok(None)
}

/// Python's json turns int, float, bool and None keys into strings; other types are a TypeError.
fn write_key(out: &mut String, k: &Value) -> Result<()> {
    match k {
        Value::Str(s) => write_str(out, s),
        Value::Int(i) => {
            out.push('"');
            out.push_str(itoa::Buffer::new().format(*i));
            out.push('"');
        }
        Value::BigInt(b) => {
            out.push('"');
            write_bigint(out, b)?;
            out.push('"');
        }
        Value::Float(f) => {
            out.push('"');
            write_float(out, *f);
            out.push('"');
        }
        Value::Bool(true) => out.push_str("\"true\""),
        Value::Bool(false) => out.push_str("\"false\""),
        Value::None => out.push_str("\"null\""),
        other => {
            let name = match other {
                Value::Ext { .. } => "ExtType",
                _ => other.type_name(),
            };
            return Err(Error::new(
                ErrorKind::Type,
                format!("keys must be str, int, float, bool or None, not {name}"),
            ));
        }
    }
    Ok(())
}

fn write_bigint(out: &mut String, b: &BigInt) -> Result<()> {
    out.push_str(&bigint_decimal(b)?);
    Ok(())
}

/// Python's `float.__repr__`, with json's `NaN` / `Infinity` / `-Infinity` for the specials.
fn write_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        write_float_repr(out, f);
    }
}

/// What follows the backslash for each byte that needs escaping (`u` = `\u00XX`), 0 otherwise.
static ESCAPES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = b'u';
        i += 1;
    }
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[b'\t' as usize] = b't';
    table[0x08] = b'b';
    table[0x0c] = b'f';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// A json string with `ensure_ascii=False`: only `"`, `\` and control characters escaped.
fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(room_for(s.len() + 2));
    out.push('"');
    let bytes = s.as_bytes();
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc = ESCAPES[b as usize];
        if esc == 0 {
            continue;
        }
        // Every escaped byte is ASCII, so `i` is a char boundary.
        out.push_str(&s[run_start..i]);
        out.push('\\');
        out.push(esc as char);
        if esc == b'u' {
            out.push_str("00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        }
        run_start = i + 1;
    }
    out.push_str(&s[run_start..]);
    out.push('"');
}
