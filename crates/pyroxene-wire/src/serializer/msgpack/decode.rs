//! The msgpack decoder: every msgpack format, Pyro's ext types, hostile input refused with an
//! [`Error`] that carries the byte offset.

use bytes::Bytes;

use num_bigint::BigInt;
use rmp::Marker;

use super::ext;
use crate::serializer::call::CallItems;
use crate::serializer::{Reservations, bytes_value};
use crate::value::{Dict, KeyBudget, RandomState, check_key_depth};
use crate::{Error, MAX_DEPTH, Result, Value};

/// A cursor over the input.
pub(super) struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
    /// The buffer `buf` is a view of, when shared: big bytes values become views of it too.
    owner: Option<&'a Bytes>,
    /// Room for the items containers announce, shared by all of them.
    room: Reservations,
    /// What hashing nested map keys may still cost: the only work beyond reading that
    /// msgpack has (see [`Decoder::within`]).
    budget: KeyBudget,
}

impl<'a> Decoder<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Decoder {
            buf,
            pos: 0,
            owner: None,
            room: Reservations::new(buf.len()),
            budget: KeyBudget::new(buf.len(), usize::MAX),
        }
    }

    /// A decoder whose big bytes values share `owner` instead of copying out of it.
    pub(super) fn shared(owner: &'a Bytes) -> Self {
        Decoder {
            buf: owner,
            pos: 0,
            owner: Some(owner),
            room: Reservations::new(owner.len()),
            budget: KeyBudget::new(owner.len(), usize::MAX),
        }
    }

    /// The same decoder with its work budget lowered to `cap` bytes when that is less.
    pub(super) fn within(mut self, cap: usize) -> Self {
        self.budget = KeyBudget::new(self.buf.len(), cap);
        self
    }

    fn bytes(&mut self, n: usize) -> Result<Value> {
        let data = self.take(n)?;
        Ok(Value::Bytes(bytes_value(self.owner, data)))
    }

    /// Decodes the one value the input holds; anything after it is an error (Python's
    /// `unpackb` raises `ExtraData`).
    ///
    /// Containers are tracked on an explicit stack instead of by recursion, so the nesting
    /// limit costs heap, not thread stack (in debug builds too).
    pub(super) fn decode_all(mut self) -> Result<Value> {
        let value = self.value(0)?;
        self.finish(value)
    }

    /// The items of a call array `[object, method, vargs, kwargs]`, read without building the
    /// array, when the payload has the usual shape: a 4-item fixarray, object and method as str.
    /// `None` for anything else (and for anything that fails): the caller then decodes with
    /// [`Decoder::decode_all`] as before.
    ///
    /// Every item is read with the decoders the general loop uses for it, vargs and kwargs
    /// inside the array's one nesting level, so `Some` comes only where [`Decoder::decode_all`]
    /// succeeds, with the items it would put in the array.
    pub(crate) fn decode_call(mut self) -> Option<CallItems> {
        if self.u8().ok()? != 0x94 {
            return None;
        }
        // The general path charges the call's array of four like any container: without the
        // same charge here, a capped decode that ran out of budget one way found a type error
        // the other way (fuzz regression `call_decode/budget-of-the-call-array`).
        self.budget.charge_items(4)?;
        let object = self.name()?;
        let method = self.name()?;
        let vargs = self.value(1).ok()?;
        // The usual kwargs: nil, or an empty map not boxed into a dict only to be unboxed.
        let kwargs = match self.buf.get(self.pos) {
            Some(0x80) => {
                self.pos += 1;
                None
            }
            _ => Some(self.value(1).ok()?),
        };
        (self.pos == self.buf.len()).then_some(CallItems {
            object,
            method,
            vargs,
            kwargs,
        })
    }

    /// A str item (a call's object or method name), as [`Decoder::scalar`] reads it.
    fn name(&mut self) -> Option<String> {
        let start = self.pos;
        let byte = self.u8().ok()?;
        let n = match Marker::from_u8(byte) {
            Marker::FixStr(n) => usize::from(n),
            Marker::Str8 => usize::from(self.u8().ok()?),
            _ => {
                self.pos = start;
                return None;
            }
        };
        let bytes = self.take(n).ok()?;
        std::str::from_utf8(bytes).ok().map(str::to_owned)
    }

    /// One complete value inside `depth` enclosing containers (0: the top level; the caller
    /// checks what follows).
    fn value(&mut self, depth: usize) -> Result<Value> {
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            // Runs of scalars go straight into the innermost container (the hot path).
            let full = match stack.last_mut() {
                None => false,
                Some(Frame::List { items, left }) => self.fill_list(items, left)?,
                Some(Frame::Map { dict, key, left }) => self.fill_map(dict, key, left)?,
            };
            if full {
                if let Some(frame) = stack.pop()
                    && let Some(value) =
                        complete(&mut stack, frame.into_value(), self.pos, &mut self.budget)?
                {
                    return Ok(value);
                }
                continue;
            }
            // Here the next item is a container, or the top-level value, or missing.
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
                    match complete(&mut stack, value, self.pos, &mut self.budget)? {
                        Some(value) => return Ok(value),
                        None => continue,
                    }
                }
            };
            if stack.len() + depth >= MAX_DEPTH {
                return Err(Error::too_deep(start));
            }
            self.budget.charge_items(len).ok_or_else(|| {
                Error::new(
                    crate::ErrorKind::TooLarge,
                    "msgpack containers announce more items than this decode may build",
                )
                .at(start)
            })?;
            // Every item takes at least one byte, an entry two.
            let frame = if is_map {
                let cap = self.room.take(len, 2);
                Frame::Map {
                    dict: Dict::with_capacity_and_hasher(cap, RandomState::default()),
                    key: None,
                    left: len,
                }
            } else {
                Frame::List {
                    items: Vec::with_capacity(self.room.take(len, 1)),
                    left: len,
                }
            };
            if len > 0 {
                stack.push(frame);
            } else if let Some(value) =
                complete(&mut stack, frame.into_value(), self.pos, &mut self.budget)?
            {
                return Ok(value);
            }
        }
    }

    /// Whether the next byte starts a scalar (false for a container and at the end).
    #[inline]
    fn scalar_next(&self) -> bool {
        self.buf
            .get(self.pos)
            .is_some_and(|&b| !matches!(b, 0x80..=0x9f | 0xdc..=0xdf))
    }

    /// The scalar that [`Decoder::scalar_next`] saw.
    #[inline(always)]
    fn next_scalar(&mut self) -> Result<Value> {
        let start = self.pos;
        let byte = self.u8()?;
        self.scalar(Marker::from_u8(byte), start)
    }

    /// Appends the scalars that come next to a list; true once it has all its items.
    fn fill_list(&mut self, items: &mut Vec<Value>, left: &mut usize) -> Result<bool> {
        while *left > 0 && self.scalar_next() {
            let run = match self.buf.get(self.pos) {
                Some(0xca | 0xcb) => self.fill_run(items, left, float_item, Value::Float),
                Some(0x00..=0x7f | 0xe0..=0xff | 0xcc..=0xce | 0xd0..=0xd3) => {
                    self.fill_run(items, left, int_item, Value::Int)
                }
                _ => 0,
            };
            if run == 0 {
                items.push(self.next_scalar()?);
                *left -= 1;
            }
        }
        Ok(*left == 0)
    }

    /// Appends the run of at most `left` items that `item` recognises (returning each payload
    /// and size) as `make(payload)` values in one `extend`, and returns the run's length.
    ///
    /// Why runs of one variant: pushed one by one, or built by a match over several variants,
    /// each `Value` takes a detour over the stack, written as tag + payload and read back as
    /// 16-byte words, which stalls store forwarding; runs of floats or ints decode 2.5x faster.
    #[inline(always)]
    fn fill_run<T: Copy + Default>(
        &mut self,
        items: &mut Vec<Value>,
        left: &mut usize,
        item: impl Fn(&[u8]) -> Option<(T, usize)>,
        make: impl Fn(T) -> Value,
    ) -> usize {
        let rest = &self.buf[self.pos..];
        let (mut run, mut len) = (0, 0);
        while run < *left {
            match item(&rest[len..]) {
                Some((_, size)) => len += size,
                None => break,
            }
            run += 1;
        }
        let mut at = 0;
        items.extend((0..run).map(|_| {
            // Checked above: `item` recognises each of them.
            let (payload, size) = item(&rest[at..]).unwrap_or((T::default(), 1));
            at += size;
            make(payload)
        }));
        self.pos += len;
        *left -= run;
        run
    }

    /// Inserts the scalar keys and values that come next into a map; true once it has all its
    /// pairs. A repeated key keeps its first place and takes the last value, as a Python dict
    /// built from the pairs does.
    fn fill_map(
        &mut self,
        dict: &mut Dict,
        key: &mut Option<Value>,
        left: &mut usize,
    ) -> Result<bool> {
        while *left > 0 {
            let k = match key.take() {
                Some(k) => k,
                None if self.scalar_next() => self.next_scalar()?,
                None => break,
            };
            if !self.scalar_next() {
                *key = Some(k);
                break;
            }
            let v = self.next_scalar()?;
            // Empty arrays and maps count as scalars here; keys follow the general rule.
            let k = tuple_keys(k);
            let cost = check_key_depth(&k, self.pos, &self.budget)?;
            self.budget
                .charge(cost)
                .ok_or_else(|| over_budget(self.pos))?;
            dict.insert(k, v);
            *left -= 1;
        }
        Ok(*left == 0)
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

    /// How many input bytes are left.
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

    /// The next `N` bytes, or a truncation error.
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

    /// The next byte, or a truncation error.
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

    /// A big-endian 16-bit length.
    fn u16(&mut self) -> Result<usize> {
        Ok(usize::from(u16::from_be_bytes(self.array()?)))
    }

    /// A big-endian 32-bit length.
    fn u32(&mut self) -> Result<usize> {
        // usize is at least 32 bits on every target std supports with this crate.
        Ok(u32::from_be_bytes(self.array()?) as usize)
    }

    /// Any value but an array or a map, after its `marker` at offset `start`.
    ///
    /// Always inlined (as is [`Decoder::next_scalar`]): out of line, the `Result<Value>` goes
    /// through memory and decoding maps and strs gets 20% slower.
    #[inline(always)]
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
                self.bytes(usize::from(n))?
            }
            Marker::Bin16 => {
                let n = self.u16()?;
                self.bytes(n)?
            }
            Marker::Bin32 => {
                let n = self.u32()?;
                self.bytes(n)?
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
        ext::decode_ext(code, data, self.owner).map_err(|e| e.at(start))
    }
}

/// The big-endian `N` bytes after the marker at the start of `b`, if all there.
#[inline(always)]
fn be<const N: usize>(b: &[u8]) -> Option<[u8; N]> {
    let mut a = [0u8; N];
    a.copy_from_slice(b.get(1..=N)?);
    Some(a)
}

/// The float at the start of `b` and its encoded size, if it is one and complete.
#[inline(always)]
fn float_item(b: &[u8]) -> Option<(f64, usize)> {
    match b.first()? {
        0xcb => Some((f64::from_be_bytes(be(b)?), 9)),
        0xca => Some((f64::from(f32::from_be_bytes(be(b)?)), 5)),
        _ => None,
    }
}

/// The int that fits i64 at the start of `b` and its encoded size, if it is one and complete.
#[inline(always)]
fn int_item(b: &[u8]) -> Option<(i64, usize)> {
    let marker = *b.first()?;
    Some(match marker {
        0x00..=0x7f => (i64::from(marker), 1),
        0xe0..=0xff => (i64::from(marker as i8), 1),
        0xcc => (i64::from(u8::from_be_bytes(be(b)?)), 2),
        0xcd => (i64::from(u16::from_be_bytes(be(b)?)), 3),
        0xce => (i64::from(u32::from_be_bytes(be(b)?)), 5),
        0xd0 => (i64::from(i8::from_be_bytes(be(b)?)), 2),
        0xd1 => (i64::from(i16::from_be_bytes(be(b)?)), 3),
        0xd2 => (i64::from(i32::from_be_bytes(be(b)?)), 5),
        0xd3 => (i64::from_be_bytes(be(b)?), 9),
        _ => return None,
    })
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

fn over_budget(at: usize) -> Error {
    Error::new(
        crate::ErrorKind::TooLarge,
        "msgpack map keys nest too deep to hash within the decoding budget",
    )
    .at(at)
}

/// Adds a finished `value` to the innermost open container, closing every container this
/// fills up; returns the top-level value once it is complete. `at` locates key errors.
#[inline]
fn complete(
    stack: &mut Vec<Frame>,
    mut value: Value,
    at: usize,
    budget: &mut KeyBudget,
) -> Result<Option<Value>> {
    loop {
        let Some(top) = stack.last_mut() else {
            return Ok(Some(value));
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
                    // Array keys become tuples, as msgpack-python makes them when a peer
                    // doesn't insist on str keys.
                    let k = tuple_keys(k);
                    let cost = check_key_depth(&k, at, budget)?;
                    budget.charge(cost).ok_or_else(|| over_budget(at))?;
                    // A repeated key keeps its first place and takes the last value, as a
                    // Python dict built from the pairs does.
                    dict.insert(k, value);
                    *left -= 1;
                    *left == 0
                }
            },
        };
        if !full {
            return Ok(None);
        }
        // `top` exists, so this pops it.
        match stack.pop() {
            Some(frame) => value = frame.into_value(),
            None => return Ok(None),
        }
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

/// msgpack-python's key rule: arrays used as map keys are read as tuples (recursively).
pub(crate) fn tuple_keys(key: Value) -> Value {
    match key {
        Value::List(items) => Value::Tuple(items.into_iter().map(tuple_keys).collect()),
        other => other,
    }
}
