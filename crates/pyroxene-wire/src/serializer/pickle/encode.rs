//! pickle encoder: protocol 4 without frames or memo. Iterative: the containers being written
//! live on a heap stack, so deep values cost no native stack.

use num_bigint::BigInt;

use super::{Known, known_global};
use crate::serializer::put_bulk;
use crate::value::Dict;
use crate::{Error, ErrorKind, MAX_DEPTH, Result, Value};

/// What is left to write of a container, and what closes it.
struct Frame<'a> {
    items: Box<dyn Iterator<Item = (&'a Value, bool)> + 'a>,
    close: &'static [u8],
    /// Written once the first item is complete (an exception's REDUCE, between args and
    /// attributes).
    between: &'static [u8],
    started: bool,
}

impl<'a> Frame<'a> {
    fn new(items: impl Iterator<Item = (&'a Value, bool)> + 'a, close: &'static [u8]) -> Self {
        Frame {
            items: Box::new(items),
            close,
            between: b"",
            started: false,
        }
    }
}

pub(super) fn encode(value: &Value) -> Result<Vec<u8>> {
    let mut out = vec![0x80, 4];
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut next = Some((value, false));
    while let Some((v, frozen)) = next {
        if let Some(frame) = write(&mut out, v, frozen)? {
            if stack.len() >= MAX_DEPTH {
                return Err(Error::new(
                    ErrorKind::TooDeep,
                    format!("nesting deeper than {MAX_DEPTH} levels"),
                ));
            }
            stack.push(frame);
        }
        next = loop {
            let Some(top) = stack.last_mut() else {
                break None;
            };
            if top.started {
                out.extend_from_slice(std::mem::take(&mut top.between));
            }
            top.started = true;
            if let Some(item) = top.items.next() {
                break Some(item);
            }
            out.extend_from_slice(top.close);
            stack.pop();
        };
    }
    out.push(b'.');
    Ok(out)
}

/// Writes a scalar, or a container's opening and returns the frame for its items. `frozen`:
/// the value is (inside) a dict key or set element, where Python needs hashable values.
fn write<'a>(out: &mut Vec<u8>, v: &'a Value, frozen: bool) -> Result<Option<Frame<'a>>> {
    match v {
        Value::None => out.push(b'N'),
        Value::Bool(b) => out.push(if *b { 0x88 } else { 0x89 }),
        Value::Int(i) => write_int(out, *i),
        Value::BigInt(b) => write_long(out, b),
        Value::Float(f) => {
            out.push(b'G');
            out.extend_from_slice(&f.to_be_bytes());
        }
        Value::Complex { re, im } => {
            write_global(out, "builtins", "complex");
            for f in [re, im] {
                out.push(b'G');
                out.extend_from_slice(&f.to_be_bytes());
            }
            out.extend_from_slice(&[0x86, b'R']); // TUPLE2, REDUCE
        }
        Value::Str(s) => write_sized(out, s.as_bytes(), [0x8c, b'X', 0x8d]),
        Value::Bytes(b) => write_bytes(out, b),
        Value::Tuple(items) => {
            let close: &'static [u8] = match items.len() {
                0 => {
                    out.push(b')');
                    return Ok(None);
                }
                1 => &[0x85],
                2 => &[0x86],
                3 => &[0x87],
                _ => {
                    out.push(b'(');
                    b"t"
                }
            };
            return Ok(Some(seq(items.iter(), frozen, close)));
        }
        Value::List(_) | Value::Dict(_) if frozen => {
            return Err(Error::new(
                ErrorKind::Type,
                format!("unhashable type: '{}'", v.type_name()),
            ));
        }
        Value::List(items) => {
            out.extend_from_slice(b"](");
            return Ok(Some(seq(items.iter(), false, b"e")));
        }
        Value::Set(items) | Value::FrozenSet(items) if frozen => {
            out.push(b'(');
            return Ok(Some(seq(items.iter(), true, &[0x91])));
        }
        Value::FrozenSet(items) => {
            out.push(b'(');
            return Ok(Some(seq(items.iter(), true, &[0x91])));
        }
        Value::DateTime(_)
        | Value::Date(_)
        | Value::Time(_)
        | Value::Decimal(_)
        | Value::Uuid(_)
        | Value::Ext { .. } => {
            super::datetime::write(out, v);
        }
        Value::Set(items) => {
            out.extend_from_slice(&[0x8f, b'(']);
            return Ok(Some(seq(items.iter(), true, &[0x90])));
        }
        Value::Dict(d) => {
            if let Some(frame) = write_object(out, d) {
                return Ok(Some(frame));
            }
            out.extend_from_slice(b"}(");
            let items = d.iter().flat_map(|(k, v)| [(k, true), (v, false)]);
            return Ok(Some(Frame::new(items, b"u")));
        }
    }
    Ok(None)
}

fn seq<'a>(
    items: impl Iterator<Item = &'a Value> + 'a,
    frozen: bool,
    close: &'static [u8],
) -> Frame<'a> {
    Frame::new(items.map(move |v| (v, frozen)), close)
}

/// An exception dict of an allowed class, or a `Pyro4.core.URI` dict, as that object: GLOBAL,
/// then REDUCE args + BUILD attributes, or NEWOBJ + BUILD state. Anything else is a dict.
fn write_object<'a>(out: &mut Vec<u8>, d: &'a Dict) -> Option<Frame<'a>> {
    let get = |k: &str| d.get(&Value::from(k));
    let (module, name) = get("__class__")?.as_str()?.rsplit_once('.')?;
    let (known, _) = known_global(module, name)?;
    match known {
        Known::Exception if get("__exception__")?.as_bool()? && d.len() == 4 => {
            let args = get("args").filter(|a| matches!(a, Value::Tuple(_)))?;
            let attrs = get("attributes").filter(|a| matches!(a, Value::Dict(_)))?;
            write_global(out, module, name);
            // args, REDUCE, then the attributes and BUILD (Python's __reduce_ex__ shape).
            let mut frame = Frame::new([(args, false), (attrs, false)].into_iter(), b"b");
            frame.between = b"R";
            Some(frame)
        }
        Known::PyroObject if name == "_ExceptionWrapper" && d.len() == 2 => {
            let exception = get("exception").filter(|e| matches!(e, Value::Dict(_)))?;
            write_global(out, module, name);
            // NEWOBJ, then the state {'exception': <exception>}: EMPTY_DICT, the key, the
            // exception (framed), SETITEM and BUILD.
            out.extend_from_slice(&[b')', 0x81, b'}']);
            let key = b"exception";
            out.push(0x8c); // SHORT_BINUNICODE
            out.push(key.len() as u8);
            out.extend_from_slice(key);
            Some(Frame::new(std::iter::once((exception, false)), b"sb"))
        }
        Known::PyroObject if name == "URI" && d.len() == 2 => {
            let state = get("state").filter(|s| matches!(s, Value::Tuple(t) if t.len() == 5))?;
            write_global(out, module, name);
            out.extend_from_slice(&[b')', 0x81]); // EMPTY_TUPLE, NEWOBJ
            Some(Frame::new(std::iter::once((state, false)), b"b"))
        }
        _ => None,
    }
}

pub(super) fn write_global(out: &mut Vec<u8>, module: &str, name: &str) {
    out.push(b'c');
    out.extend_from_slice(module.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(name.as_bytes());
    out.push(b'\n');
}

pub(super) fn write_int(out: &mut Vec<u8>, i: i64) {
    if let Ok(b) = u8::try_from(i) {
        out.extend_from_slice(&[b'K', b]);
    } else if let Ok(h) = u16::try_from(i) {
        out.push(b'M');
        out.extend_from_slice(&h.to_le_bytes());
    } else if let Ok(w) = i32::try_from(i) {
        out.push(b'J');
        out.extend_from_slice(&w.to_le_bytes());
    } else {
        write_long(out, &BigInt::from(i));
    }
}

/// LONG1 / LONG4: two's complement, little-endian, as short as it goes.
pub(super) fn write_long(out: &mut Vec<u8>, b: &BigInt) {
    let digits = b.to_signed_bytes_le();
    match u8::try_from(digits.len()) {
        Ok(n) => out.extend_from_slice(&[0x8a, n]),
        Err(_) => {
            out.push(0x8b);
            // A BigInt of 2^31 bytes is not something a Value holds.
            out.extend_from_slice(&(digits.len() as u32).to_le_bytes());
        }
    }
    out.extend_from_slice(&digits);
}

/// Bytes, as the shortest of SHORT_BINBYTES / BINBYTES / BINBYTES8.
pub(super) fn write_bytes(out: &mut Vec<u8>, b: &[u8]) {
    write_sized(out, b, [b'C', b'B', 0x8e]);
}

/// A str, as the shortest of SHORT_BINUNICODE / BINUNICODE / BINUNICODE8.
pub(super) fn write_text(out: &mut Vec<u8>, s: &str) {
    write_sized(out, s.as_bytes(), [0x8c, b'X', 0x8d]);
}

/// A str or bytes with the shortest of its three length forms (u8, u32, u64).
fn write_sized(out: &mut Vec<u8>, data: &[u8], ops: [u8; 3]) {
    if let Ok(n) = u8::try_from(data.len()) {
        out.extend_from_slice(&[ops[0], n]);
    } else if let Ok(n) = u32::try_from(data.len()) {
        out.push(ops[1]);
        out.extend_from_slice(&n.to_le_bytes());
    } else {
        out.push(ops[2]);
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
    }
    put_bulk(out, data);
}
