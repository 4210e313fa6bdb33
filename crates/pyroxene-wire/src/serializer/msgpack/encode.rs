//! The msgpack encoder: the bytes of Pyro5's `msgpack.packb(value, use_bin_type=True,
//! default=...)`.

use num_bigint::BigInt;
use num_traits::ToPrimitive;
use rmp::Marker;

use super::ext::datetime_timestamp;
use super::{EXT_BIGINT, EXT_COMPLEX, EXT_DATE, EXT_DATETIME};
use crate::repr::bigint_decimal;
use crate::serializer::check_nesting;
use crate::serializer::{put_bulk, reserve_run};
use crate::{Dict, Error, ErrorKind, Result, Value};

/// A container whose items are being written.
enum Frame<'a> {
    /// A list or tuple.
    Seq(std::slice::Iter<'a, Value>),
    /// A set.
    Set(indexmap::set::Iter<'a, Value>),
    /// A dict, and the value of the key just written.
    Dict(indexmap::map::Iter<'a, Value, Value>, Option<&'a Value>),
}

/// Appends the msgpack form of `value` to `out`.
///
/// Containers are tracked on an explicit stack instead of by recursion, so the nesting limit
/// costs heap, not thread stack (in debug builds too).
pub(super) fn encode(out: &mut Vec<u8>, value: &Value) -> Result<()> {
    encode_in(out, value, 0)
}

/// The bytes of the call array `[object, method, vargs, kwargs]` (kwargs `None` as nil),
/// written straight into one buffer: the same bytes, and the same error for an argument msgpack
/// refuses, as [`encode`] of that array, without building it.
pub(crate) fn call_to_vec(
    object: &str,
    method: &str,
    vargs: &Value,
    kwargs: Option<&Dict>,
) -> Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(object.len() + method.len() + 64);
    let out = &mut buf;
    write_array_header(out, 4);
    write_str(out, object)?;
    write_str(out, method)?;
    // Inside the call array: one level of nesting is used up already.
    encode_in(out, vargs, 1)?;
    match kwargs {
        None => out.push(Marker::Null.to_u8()),
        Some(kwargs) => {
            check_nesting(1)?;
            write_map_header(out, len_u32(kwargs.len(), "dict is too large")?);
            // Usually empty: then there is no stack to allocate.
            if !kwargs.is_empty() {
                encode_from(out, vec![Frame::Dict(kwargs.iter(), None)], None, 1)?;
            }
        }
    }
    Ok(buf)
}

/// Appends `value`, found inside `depth` containers.
fn encode_in(out: &mut Vec<u8>, value: &Value, depth: usize) -> Result<()> {
    encode_from(out, Vec::new(), Some(value), depth)
}

/// Appends `first` (if any) and the rest of the containers open on `stack` (all inside `depth`
/// others).
fn encode_from<'a>(
    out: &mut Vec<u8>,
    mut stack: Vec<Frame<'a>>,
    first: Option<&'a Value>,
    depth: usize,
) -> Result<()> {
    let mut value = match first {
        Some(v) => v,
        None => match next_value(&mut stack) {
            Some(v) => v,
            None => return Ok(()),
        },
    };
    loop {
        match value {
            Value::List(items) | Value::Tuple(items) => {
                check_nesting(stack.len() + depth)?;
                write_array_header(out, len_u32(items.len(), "list is too large")?);
                stack.push(Frame::Seq(items.iter()));
            }
            Value::FrozenSet(_) => {
                // Pyro's `default` hook converts only `set`; a frozenset falls through to its
                // class_to_dict, which refuses it.
                return Err(Error::unsupported("frozenset", SERIALIZER));
            }
            Value::Set(items) => {
                // Pyro's `default` hook turns a set into a tuple: an array in the set's order.
                check_nesting(stack.len() + depth)?;
                write_array_header(out, len_u32(items.len(), "list is too large")?);
                stack.push(Frame::Set(items.iter()));
            }
            Value::Dict(d) => {
                check_nesting(stack.len() + depth)?;
                write_map_header(out, len_u32(d.len(), "dict is too large")?);
                stack.push(Frame::Dict(d.iter(), None));
            }
            scalar => encode_scalar(out, scalar)?,
        }
        value = match next_value(&mut stack) {
            Some(v) => v,
            None => return Ok(()),
        };
    }
}

/// The next item of the innermost container that has one left, closing the finished ones.
fn next_value<'a>(stack: &mut Vec<Frame<'a>>) -> Option<&'a Value> {
    loop {
        let next = match stack.last_mut()? {
            Frame::Seq(items) => items.next(),
            Frame::Set(items) => items.next(),
            Frame::Dict(pairs, pending) => match pending.take() {
                Some(v) => Some(v),
                None => pairs.next().map(|(k, v)| {
                    *pending = Some(v);
                    k
                }),
            },
        };
        match next {
            Some(v) => return Some(v),
            None => {
                stack.pop();
            }
        }
    }
}

/// Appends any value but a container.
fn encode_scalar(out: &mut Vec<u8>, value: &Value) -> Result<()> {
    match value {
        Value::None => out.push(Marker::Null.to_u8()),
        Value::Bool(false) => out.push(Marker::False.to_u8()),
        Value::Bool(true) => out.push(Marker::True.to_u8()),
        Value::Int(i) => write_int(out, *i),
        Value::BigInt(b) => write_bigint(out, b)?,
        Value::Float(f) => {
            let b = f.to_bits().to_be_bytes();
            out.extend_from_slice(&[Marker::F64.to_u8(), b[0], b[1], b[2], b[3]]);
            out.extend_from_slice(&b[4..]);
        }
        Value::Complex { re, im } => {
            // Python: ExtType(0x30, struct.pack("dd", re, im)), native (little-endian) order.
            write_ext_header(out, EXT_COMPLEX, 16);
            out.extend_from_slice(&re.to_le_bytes());
            out.extend_from_slice(&im.to_le_bytes());
        }
        Value::Str(s) => write_str(out, s)?,
        Value::Bytes(b) => {
            write_bin_header(out, len_u32(b.len(), "bytes object is too large")?);
            put_bulk(out, b);
        }
        Value::DateTime(dt) => {
            // Python: ExtType(0x32, struct.pack("d", dt.timestamp())), naive datetimes only.
            write_ext_header(out, EXT_DATETIME, 8);
            out.extend_from_slice(&datetime_timestamp(dt)?.to_le_bytes());
        }
        Value::Date(d) => {
            // Python: ExtType(0x33, struct.pack("l", d.toordinal())), a 64-bit C long.
            write_ext_header(out, EXT_DATE, 8);
            out.extend_from_slice(&d.ordinal().to_le_bytes());
        }
        Value::Time(_) => return Err(Error::unsupported("datetime.time", SERIALIZER)),
        // Pyro's `default` writes str(d) / str(u).
        Value::Decimal(d) => write_str(out, &d.to_string())?,
        Value::Uuid(u) => write_str(out, &u.to_string())?,
        Value::Ext { code, data } => {
            write_ext_header(
                out,
                *code,
                len_u32(data.len(), "bytes object is too large")?,
            );
            put_bulk(out, data);
        }
        // encode() handles containers before calling this.
        Value::List(_) | Value::Tuple(_) | Value::Set(_) | Value::FrozenSet(_) | Value::Dict(_) => {
        }
    }
    Ok(())
}

/// The wrapper class named in Python's "don't know how to serialize" errors.
const SERIALIZER: &str = "MsgpackSerializer";

/// A str: its header, then its UTF-8 bytes.
fn write_str(out: &mut Vec<u8>, s: &str) -> Result<()> {
    write_str_header(out, len_u32(s.len(), "unicode string is too large")?);
    put_bulk(out, s.as_bytes());
    Ok(())
}

/// A length as u32, or msgpack-python's `ValueError` for anything longer.
fn len_u32(len: usize, message: &str) -> Result<u32> {
    u32::try_from(len).map_err(|_| Error::new(ErrorKind::TooLarge, message))
}

/// A 16- or 32-bit length after marker `m16` or `m32`, whichever is the smallest that fits.
fn write_len16_32(out: &mut Vec<u8>, len: u32, m16: Marker, m32: Marker) {
    if len <= 0xffff {
        let b = (len as u16).to_be_bytes();
        out.extend_from_slice(&[m16.to_u8(), b[0], b[1]]);
    } else {
        let b = len.to_be_bytes();
        out.extend_from_slice(&[m32.to_u8(), b[0], b[1], b[2], b[3]]);
    }
}

/// fixstr (up to 31 bytes), str 8, str 16 or str 32.
fn write_str_header(out: &mut Vec<u8>, len: u32) {
    reserve_run(out, len as usize + 5);
    if len <= 31 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[Marker::Str8.to_u8(), len as u8]);
    } else {
        write_len16_32(out, len, Marker::Str16, Marker::Str32);
    }
}

/// bin 8, bin 16 or bin 32 (there is no fix form).
fn write_bin_header(out: &mut Vec<u8>, len: u32) {
    reserve_run(out, len as usize + 5);
    if len <= 0xff {
        out.extend_from_slice(&[Marker::Bin8.to_u8(), len as u8]);
    } else {
        write_len16_32(out, len, Marker::Bin16, Marker::Bin32);
    }
}

/// fixarray (up to 15 items), array 16 or array 32.
fn write_array_header(out: &mut Vec<u8>, len: u32) {
    if len <= 15 {
        out.push(0x90 | len as u8);
    } else {
        write_len16_32(out, len, Marker::Array16, Marker::Array32);
    }
}

/// fixmap (up to 15 pairs), map 16 or map 32.
fn write_map_header(out: &mut Vec<u8>, len: u32) {
    if len <= 15 {
        out.push(0x80 | len as u8);
    } else {
        write_len16_32(out, len, Marker::Map16, Marker::Map32);
    }
}

/// An ext header the way msgpack-python picks it: fixext 1/2/4/8/16 when the length is one of
/// those, else ext 8/16/32.
fn write_ext_header(out: &mut Vec<u8>, code: i8, len: u32) {
    let code = code as u8;
    match len {
        1 => out.extend_from_slice(&[Marker::FixExt1.to_u8(), code]),
        2 => out.extend_from_slice(&[Marker::FixExt2.to_u8(), code]),
        4 => out.extend_from_slice(&[Marker::FixExt4.to_u8(), code]),
        8 => out.extend_from_slice(&[Marker::FixExt8.to_u8(), code]),
        16 => out.extend_from_slice(&[Marker::FixExt16.to_u8(), code]),
        0..=0xff => out.extend_from_slice(&[Marker::Ext8.to_u8(), len as u8, code]),
        0x100..=0xffff => {
            let b = (len as u16).to_be_bytes();
            out.extend_from_slice(&[Marker::Ext16.to_u8(), b[0], b[1], code]);
        }
        _ => {
            let b = len.to_be_bytes();
            out.extend_from_slice(&[Marker::Ext32.to_u8(), b[0], b[1], b[2], b[3], code]);
        }
    }
}

/// The smallest int format, as msgpack-python picks it: fixints for -32..=127, uint 8/16/32/64
/// for the other non-negative values, int 8/16/32/64 for the other negative ones.
fn write_int(out: &mut Vec<u8>, i: i64) {
    if i >= 0 {
        write_uint(out, i as u64);
    } else if i >= -32 {
        out.push(i as u8);
    } else if i >= i64::from(i8::MIN) {
        out.extend_from_slice(&[Marker::I8.to_u8(), i as u8]);
    } else if i >= i64::from(i16::MIN) {
        let b = (i as i16).to_be_bytes();
        out.extend_from_slice(&[Marker::I16.to_u8(), b[0], b[1]]);
    } else if i >= i64::from(i32::MIN) {
        let b = (i as i32).to_be_bytes();
        out.extend_from_slice(&[Marker::I32.to_u8(), b[0], b[1], b[2], b[3]]);
    } else {
        out.push(Marker::I64.to_u8());
        out.extend_from_slice(&i.to_be_bytes());
    }
}

fn write_uint(out: &mut Vec<u8>, u: u64) {
    if u <= 0x7f {
        out.push(u as u8);
    } else if u <= 0xff {
        out.extend_from_slice(&[Marker::U8.to_u8(), u as u8]);
    } else if u <= 0xffff {
        let b = (u as u16).to_be_bytes();
        out.extend_from_slice(&[Marker::U16.to_u8(), b[0], b[1]]);
    } else if u <= 0xffff_ffff {
        let b = (u as u32).to_be_bytes();
        out.extend_from_slice(&[Marker::U32.to_u8(), b[0], b[1], b[2], b[3]]);
    } else {
        out.push(Marker::U64.to_u8());
        out.extend_from_slice(&u.to_be_bytes());
    }
}

/// An int of any size: native formats up to u64, else Pyro's ext 0x31 with the decimal text.
fn write_bigint(out: &mut Vec<u8>, b: &BigInt) -> Result<()> {
    if let Some(i) = b.to_i64() {
        write_int(out, i);
    } else if let Some(u) = b.to_u64() {
        write_uint(out, u);
    } else {
        // Python's `str(int)` refuses over-long ints (and a Python receiver's `int(data)` would).
        let text = bigint_decimal(b)?;
        write_ext_header(
            out,
            EXT_BIGINT,
            len_u32(text.len(), "bytes object is too large")?,
        );
        out.extend_from_slice(text.as_bytes());
    }
    Ok(())
}
