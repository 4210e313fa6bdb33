//! marshal encoder: CPython's `w_object` for version 4, without FLAG_REF. Iterative: the
//! containers being written live on a heap stack, so deep values cost no native stack.

use num_bigint::{BigInt, Sign};

use crate::serializer::check_nesting;
use crate::serializer::put_bulk;
use crate::{Dict, Error, ErrorKind, Result, Value};

pub(super) fn to_vec(value: &Value) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(64);
    write_from(&mut out, Vec::new(), Some(value), 0)?;
    Ok(out)
}

/// The bytes of the call tuple `(object, method, vargs, kwargs)` (kwargs `None` as None, a
/// tuple of vargs as a list, as Pyro sends it), written straight into one buffer: the same
/// bytes, and the same error for an argument marshal refuses, as [`to_vec`] of that tuple,
/// without building it.
pub(crate) fn call_to_vec(
    object: &str,
    method: &str,
    vargs: &Value,
    kwargs: Option<&Dict>,
) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(object.len() + method.len() + 64);
    out.extend_from_slice(b")\x04");
    write_str(&mut out, object)?;
    write_str(&mut out, method)?;
    // Inside the call tuple: one level of nesting is used up already. Pyro sends a tuple of
    // arguments as a list.
    match vargs {
        Value::Tuple(items) => {
            write_size(&mut out, b'[', items.len())?;
            check_nesting(1)?;
            if !items.is_empty() {
                write_from(&mut out, vec![Items::Seq(items.iter())], None, 1)?;
            }
        }
        other => write_from(&mut out, Vec::new(), Some(other), 1)?,
    }
    match kwargs {
        None => out.push(b'N'),
        Some(kwargs) => {
            check_nesting(1)?;
            out.push(b'{');
            // Usually empty: then there is no stack to allocate, just the end mark.
            if kwargs.is_empty() {
                out.push(b'0');
            } else {
                write_from(&mut out, vec![Items::Dict(kwargs.iter(), None)], None, 1)?;
            }
        }
    }
    Ok(out)
}

/// Writes `next` and everything in it, then the rest of the containers open on `stack` (all
/// inside `depth` others).
fn write_from<'a>(
    out: &mut Vec<u8>,
    mut stack: Vec<Items<'a>>,
    mut next: Option<&'a Value>,
    depth: usize,
) -> Result<()> {
    loop {
        if let Some(v) = next
            && let Some(items) = write(out, v)?
        {
            check_nesting(stack.len() + depth)?;
            stack.push(items);
        }
        next = next_item(out, &mut stack);
        if next.is_none() {
            return Ok(());
        }
    }
}

/// The items of a container still to be written.
enum Items<'a> {
    Seq(std::slice::Iter<'a, Value>),
    Set(indexmap::set::Iter<'a, Value>),
    /// Dict entries, and the value to write after the key just written.
    Dict(indexmap::map::Iter<'a, Value, Value>, Option<&'a Value>),
}

/// The next value to write, closing finished containers (a dict ends with `0`).
fn next_item<'a>(out: &mut Vec<u8>, stack: &mut Vec<Items<'a>>) -> Option<&'a Value> {
    loop {
        let next = match stack.last_mut()? {
            Items::Seq(it) => it.next(),
            Items::Set(it) => it.next(),
            Items::Dict(it, pending) => match pending.take() {
                Some(v) => Some(v),
                None => it.next().map(|(k, v)| {
                    *pending = Some(v);
                    k
                }),
            },
        };
        if next.is_some() {
            return next;
        }
        if let Some(Items::Dict(..)) = stack.pop() {
            out.push(b'0');
        }
    }
}

/// The wrapper class named in Python's "don't know how to serialize" errors.
const SERIALIZER: &str = "MarshalSerializer";

/// CPython's limit for any length or count (`SIZE32_MAX`).
const SIZE32_MAX: usize = i32::MAX as usize;

fn unmarshallable() -> Error {
    Error::new(ErrorKind::Value, "unmarshallable object")
}

/// Type byte + u32 length, refusing what CPython can't write either.
#[inline]
fn write_size(out: &mut Vec<u8>, ty: u8, n: usize) -> Result<()> {
    if n > SIZE32_MAX {
        return Err(unmarshallable());
    }
    out.push(ty);
    out.extend_from_slice(&(n as u32).to_le_bytes());
    Ok(())
}

/// Writes a scalar, or a container's header and returns its items.
fn write<'a>(out: &mut Vec<u8>, v: &'a Value) -> Result<Option<Items<'a>>> {
    match v {
        Value::None => out.push(b'N'),
        Value::Bool(true) => out.push(b'T'),
        Value::Bool(false) => out.push(b'F'),
        Value::Int(i) => match i32::try_from(*i) {
            Ok(small) => {
                out.push(b'i');
                out.extend_from_slice(&small.to_le_bytes());
            }
            Err(_) => write_long(out, *i < 0, &[i.unsigned_abs()]),
        },
        Value::BigInt(b) => write_bigint(out, b),
        Value::Float(f) => {
            out.push(b'g');
            out.extend_from_slice(&f.to_le_bytes());
        }
        Value::Complex { re, im } => {
            out.push(b'y');
            out.extend_from_slice(&re.to_le_bytes());
            out.extend_from_slice(&im.to_le_bytes());
        }
        Value::Str(s) => write_str(out, s)?,
        Value::Bytes(b) => {
            write_size(out, b's', b.len())?;
            put_bulk(out, b);
        }
        Value::Tuple(items) => {
            if items.len() < 256 {
                out.push(b')');
                out.push(items.len() as u8);
            } else {
                write_size(out, b'(', items.len())?;
            }
            return Ok(Some(Items::Seq(items.iter())));
        }
        Value::List(items) => {
            write_size(out, b'[', items.len())?;
            return Ok(Some(Items::Seq(items.iter())));
        }
        Value::Set(items) => {
            write_size(out, b'<', items.len())?;
            return Ok(Some(Items::Set(items.iter())));
        }
        Value::FrozenSet(items) => {
            write_size(out, b'>', items.len())?;
            return Ok(Some(Items::Set(items.iter())));
        }
        // Pyro's MarshalSerializer turns a UUID into its str; other classes it can't write.
        Value::Uuid(u) => write_str(out, &u.to_string())?,
        Value::DateTime(_) => return Err(Error::unsupported("datetime.datetime", SERIALIZER)),
        Value::Date(_) => return Err(Error::unsupported("datetime.date", SERIALIZER)),
        Value::Time(_) => return Err(Error::unsupported("datetime.time", SERIALIZER)),
        Value::Decimal(_) => return Err(Error::unsupported("decimal.Decimal", SERIALIZER)),
        // An ExtType is a tuple subclass, which marshal refuses.
        Value::Ext { .. } => return Err(unmarshallable()),
        Value::Dict(d) => {
            out.push(b'{');
            return Ok(Some(Items::Dict(d.iter(), None)));
        }
    }
    Ok(None)
}

/// A str: `z` (short ASCII), `a` (ASCII) or `u` (UTF-8), as CPython picks.
fn write_str(out: &mut Vec<u8>, s: &str) -> Result<()> {
    let b = s.as_bytes();
    if !s.is_ascii() {
        write_size(out, b'u', b.len())?;
    } else if b.len() < 256 {
        out.push(b'z');
        out.push(b.len() as u8);
    } else {
        write_size(out, b'a', b.len())?;
    }
    put_bulk(out, b);
    Ok(())
}

fn write_bigint(out: &mut Vec<u8>, b: &BigInt) {
    let limbs: Vec<u64> = b.magnitude().iter_u64_digits().collect();
    write_long(out, b.sign() == Sign::Minus, &limbs);
}

/// `l` + signed count of 15-bit digits + the digits (u16 LE, least significant first) of the
/// magnitude given as little-endian u64 limbs (at least one non-zero; ints that fit in 32 bits
/// never get here).
fn write_long(out: &mut Vec<u8>, negative: bool, limbs: &[u64]) {
    let top = limbs.iter().rposition(|&l| l != 0).unwrap_or(0);
    let bits = top * 64 + (64 - limbs.get(top).map_or(64, |l| l.leading_zeros() as usize));
    let ndigits = bits.div_ceil(15);
    // An int of 2^31 15-bit digits would need 4 GiB of memory in any Value; the count fits.
    let count = ndigits as i32;
    out.push(b'l');
    out.extend_from_slice(&(if negative { -count } else { count }).to_le_bytes());
    out.reserve(ndigits * 2);
    for k in 0..ndigits {
        let bit = k * 15;
        let (limb, shift) = (bit / 64, bit % 64);
        let mut word = limbs[limb] >> shift;
        if shift > 64 - 15 && limb + 1 < limbs.len() {
            word |= limbs[limb + 1] << (64 - shift);
        }
        out.extend_from_slice(&((word & 0x7fff) as u16).to_le_bytes());
    }
}
