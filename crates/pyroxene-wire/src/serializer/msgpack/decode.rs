//! The msgpack decoder: every msgpack format, Pyro's ext types, hostile input refused with an
//! [`Error`] that carries the byte offset.

use num_bigint::BigInt;
use rmp::Marker;

use super::ext;
use crate::value::{Dict, RandomState};
use crate::{Error, MAX_DEPTH, Result, Value};

/// A cursor over the input.
pub(super) struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Decoder { buf, pos: 0 }
    }

    /// Decodes the one value the input holds; anything after it is an error (Python's
    /// `unpackb` raises `ExtraData`).
    ///
    /// Containers are tracked on an explicit stack instead of by recursion, so the nesting
    /// limit costs heap, not thread stack (in debug builds too).
    pub(super) fn decode_all(mut self) -> Result<Value> {
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            let start = self.pos;
            let byte = self.u8()?;
            let (len, is_map) = match Marker::from_u8(byte) {
                Marker::FixArray(n) => (usize::from(n), false),
                Marker::Array16 => (self.u16()?, false),
                Marker::Array32 => (self.u32()?, false),
                Marker::FixMap(n) => (usize::from(n), true),
                Marker::Map16 => (self.u16()?, true),
                Marker::Map32 => (self.u32()?, true),
                marker => {
                    let value = self.scalar(marker, start)?;
                    match complete(&mut stack, value) {
                        Some(value) => return self.finish(value),
                        None => continue,
                    }
                }
            };
            if stack.len() >= MAX_DEPTH {
                return Err(Error::too_deep(start));
            }
            // Every item takes at least one byte: never reserve more than the input can hold.
            let frame = if is_map {
                let cap = len.min(self.remaining() / 2);
                Frame::Map {
                    dict: Dict::with_capacity_and_hasher(cap, RandomState::default()),
                    key: None,
                    left: len,
                }
            } else {
                Frame::List {
                    items: Vec::with_capacity(len.min(self.remaining())),
                    left: len,
                }
            };
            if len > 0 {
                stack.push(frame);
            } else if let Some(value) = complete(&mut stack, frame.into_value()) {
                return self.finish(value);
            }
        }
    }

    /// The top-level `value`, if nothing follows it.
    fn finish(&self, value: Value) -> Result<Value> {
        if self.pos != self.buf.len() {
            return Err(Error::syntax(
                self.pos,
                format!(
                    "extra data after the msgpack value ({} bytes)",
                    self.buf.len() - self.pos
                ),
            ));
        }
        Ok(value)
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The next `n` bytes, or a truncation error.
    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(Error::truncated(self.pos));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        match self.buf.get(self.pos..self.pos + N) {
            Some(s) => {
                let mut a = [0u8; N];
                a.copy_from_slice(s);
                self.pos += N;
                Ok(a)
            }
            None => Err(Error::truncated(self.pos)),
        }
    }

    #[inline]
    fn u8(&mut self) -> Result<u8> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(Error::truncated(self.pos)),
        }
    }

    fn u16(&mut self) -> Result<usize> {
        Ok(usize::from(u16::from_be_bytes(self.array()?)))
    }

    fn u32(&mut self) -> Result<usize> {
        // usize is at least 32 bits on every target std supports with this crate.
        Ok(u32::from_be_bytes(self.array()?) as usize)
    }

    /// Any value but an array or a map, after its `marker` at offset `start`.
    fn scalar(&mut self, marker: Marker, start: usize) -> Result<Value> {
        Ok(match marker {
            Marker::FixPos(n) => Value::Int(i64::from(n)),
            Marker::FixNeg(n) => Value::Int(i64::from(n)),
            Marker::Null => Value::None,
            Marker::False => Value::Bool(false),
            Marker::True => Value::Bool(true),
            Marker::U8 => Value::Int(i64::from(self.u8()?)),
            Marker::U16 => Value::Int(i64::from(u16::from_be_bytes(self.array()?))),
            Marker::U32 => Value::Int(i64::from(u32::from_be_bytes(self.array()?))),
            Marker::U64 => {
                let u = u64::from_be_bytes(self.array()?);
                match i64::try_from(u) {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::BigInt(Box::new(BigInt::from(u))),
                }
            }
            Marker::I8 => Value::Int(i64::from(self.u8()? as i8)),
            Marker::I16 => Value::Int(i64::from(i16::from_be_bytes(self.array()?))),
            Marker::I32 => Value::Int(i64::from(i32::from_be_bytes(self.array()?))),
            Marker::I64 => Value::Int(i64::from_be_bytes(self.array()?)),
            Marker::F32 => Value::Float(f64::from(f32::from_be_bytes(self.array()?))),
            Marker::F64 => Value::Float(f64::from_be_bytes(self.array()?)),
            Marker::FixStr(n) => self.str(usize::from(n))?,
            Marker::Str8 => {
                let n = self.u8()?;
                self.str(usize::from(n))?
            }
            Marker::Str16 => {
                let n = self.u16()?;
                self.str(n)?
            }
            Marker::Str32 => {
                let n = self.u32()?;
                self.str(n)?
            }
            Marker::Bin8 => {
                let n = self.u8()?;
                Value::Bytes(self.take(usize::from(n))?.to_vec())
            }
            Marker::Bin16 => {
                let n = self.u16()?;
                Value::Bytes(self.take(n)?.to_vec())
            }
            Marker::Bin32 => {
                let n = self.u32()?;
                Value::Bytes(self.take(n)?.to_vec())
            }
            Marker::FixExt1 => self.ext(1, start)?,
            Marker::FixExt2 => self.ext(2, start)?,
            Marker::FixExt4 => self.ext(4, start)?,
            Marker::FixExt8 => self.ext(8, start)?,
            Marker::FixExt16 => self.ext(16, start)?,
            Marker::Ext8 => {
                let n = self.u8()?;
                self.ext(usize::from(n), start)?
            }
            Marker::Ext16 => {
                let n = self.u16()?;
                self.ext(n, start)?
            }
            Marker::Ext32 => {
                let n = self.u32()?;
                self.ext(n, start)?
            }
            Marker::Reserved => return Err(Error::syntax(start, "reserved msgpack byte 0xc1")),
            Marker::FixArray(_)
            | Marker::Array16
            | Marker::Array32
            | Marker::FixMap(_)
            | Marker::Map16
            | Marker::Map32 => {
                // decode_all handles containers before calling this.
                return Err(Error::syntax(start, "unexpected container"));
            }
        })
    }

    /// A str of `n` UTF-8 bytes.
    fn str(&mut self, n: usize) -> Result<Value> {
        let at = self.pos;
        let bytes = self.take(n)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Value::Str(s.to_owned())),
            Err(e) => Err(utf8_error(bytes, at, &e)),
        }
    }

    /// An ext value of `n` data bytes: its type byte, then the data.
    #[inline(never)]
    fn ext(&mut self, n: usize, start: usize) -> Result<Value> {
        let code = self.u8()? as i8;
        let data = self.take(n)?;
        ext::decode_ext(code, data).map_err(|e| e.at(start))
    }
}

/// A container being filled.
enum Frame {
    /// An array with `left` items still to come.
    List { items: Vec<Value>, left: usize },
    /// A map with `left` pairs still to come; `key` holds a key whose value is next.
    Map {
        dict: Dict,
        key: Option<Value>,
        left: usize,
    },
}

impl Frame {
    fn into_value(self) -> Value {
        match self {
            Frame::List { items, .. } => Value::List(items),
            Frame::Map { dict, .. } => Value::Dict(Box::new(dict)),
        }
    }
}

/// Adds a finished `value` to the innermost open container, closing every container this
/// fills up; returns the top-level value once it is complete.
#[inline]
fn complete(stack: &mut Vec<Frame>, mut value: Value) -> Option<Value> {
    loop {
        let Some(top) = stack.last_mut() else {
            return Some(value);
        };
        let full = match top {
            Frame::List { items, left } => {
                items.push(value);
                *left -= 1;
                *left == 0
            }
            Frame::Map { dict, key, left } => match key.take() {
                None => {
                    *key = Some(value);
                    false
                }
                Some(k) => {
                    // A repeated key keeps its first place and takes the last value, as a
                    // Python dict built from the pairs does.
                    dict.insert(k, value);
                    *left -= 1;
                    *left == 0
                }
            },
        };
        if !full {
            return None;
        }
        // `top` exists, so this pops it.
        value = stack.pop()?.into_value();
    }
}

/// Python's wording for undecodable UTF-8 (`UnicodeDecodeError`), located in the input.
#[cold]
fn utf8_error(bytes: &[u8], at: usize, e: &std::str::Utf8Error) -> Error {
    let pos = e.valid_up_to();
    let byte = bytes.get(pos).copied().unwrap_or(0);
    let message = match e.error_len() {
        None if bytes.len() - pos > 1 => format!(
            "'utf-8' codec can't decode bytes in position {}-{}: unexpected end of data",
            pos,
            bytes.len() - 1
        ),
        None => format!(
            "'utf-8' codec can't decode byte 0x{byte:02x} in position {pos}: unexpected end of data"
        ),
        Some(_) => {
            let reason = if matches!(byte, 0x80..=0xc1 | 0xf5..=0xff) {
                "invalid start byte"
            } else {
                "invalid continuation byte"
            };
            format!("'utf-8' codec can't decode byte 0x{byte:02x} in position {pos}: {reason}")
        }
    };
    Error::syntax(at + pos, message)
}
