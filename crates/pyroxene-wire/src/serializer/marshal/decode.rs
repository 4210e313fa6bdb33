//! marshal decoder: CPython's `r_object`, references included. Iterative: containers in progress
//! live on a heap stack, so deep nesting costs no native stack.
//!
//! References are kept as the input offset of the object they name; an `r` re-reads the object
//! from there ("replay", with reference registration switched off, since the numbering was fixed
//! by the first read). So nothing is copied for the many flagged objects CPython output holds
//! that are never referenced, and every copy made for a reference is charged to a budget.

use bytes::Bytes;

use num_bigint::{BigInt, BigUint, Sign};

use crate::serializer::{Reservations, bytes_value};
use crate::value::{KeyBudget, RandomState, check_hashable_within};
use crate::{Dict, Error, ErrorKind, MAX_DEPTH, Result, Set, Value};

const FLAG_REF: u8 = 0x80;
/// A reference slot whose container is still being read.
const PENDING: usize = usize::MAX;
/// What one value costs the reference budget, on top of its str/bytes payload.
const VALUE_COST: usize = 32;
/// Fixed part of the reference budget.
const BUDGET_BASE: usize = 32 << 20;
/// Part of the reference budget per input byte. Python shares a referenced object; a Rust
/// `String` can't be shared, so copies are allowed up to twice the message (a server holding
/// a message then holds at most ~3 times it while decoding), not the billion-laughs expansion
/// a few references make possible. Twice, not 4 times as at first: two 16 MiB messages
/// naming one string 64 times peaked at 285-308 MB with 4 (issue 16's target: < 300 MB).
const BUDGET_PER_BYTE: usize = 2;

pub(super) fn from_slice(bytes: &[u8]) -> Result<Value> {
    decode(bytes, true, None, usize::MAX)
}

/// Decodes with big bytes values as views of `owner`, the work budget lowered to `cap`.
pub(super) fn from_bytes(owner: &Bytes, cap: usize) -> Result<Value> {
    decode(owner, true, Some(owner), cap)
}

/// Decodes without the fast lane, to test that both paths agree.
#[cfg(test)]
pub(super) fn from_slice_general(bytes: &[u8]) -> Result<Value> {
    decode(bytes, false, None, usize::MAX)
}

fn decode(bytes: &[u8], fast: bool, owner: Option<&Bytes>, cap: usize) -> Result<Value> {
    let mut r = Reader {
        data: bytes,
        owner,
        pos: 0,
        refs: Vec::new(),
        replaying: 0,
        budget: BUDGET_BASE
            .saturating_add(bytes.len().saturating_mul(BUDGET_PER_BYTE))
            .min(cap),
        key_budget: KeyBudget::new(bytes.len(), cap),
        room: Reservations::new(bytes.len()),
        fast,
    };
    // Like marshal.loads: one value, trailing bytes ignored.
    r.read()
}

/// Where an object being read goes when it is complete.
enum Frame {
    /// A list (or tuple) waiting for `left` more items.
    Seq {
        items: Vec<Value>,
        left: usize,
        tuple: bool,
        slot: Option<usize>,
        at: usize,
    },
    /// A set (or frozenset) waiting for `left` more items.
    Set {
        set: Set,
        frozen: bool,
        left: usize,
        slot: Option<usize>,
        at: usize,
    },
    /// A dict, with the key whose value is being read; ends at a NULL key or value.
    Dict {
        dict: Dict,
        key: Option<Value>,
        slot: Option<usize>,
        at: usize,
    },
    /// Re-reading a referenced object; reading goes on at `resume` afterwards.
    Replay { resume: usize },
}

/// What reading a container's header gives.
enum Opened {
    Frame(Frame),
    Empty(Value),
}

struct Reader<'a> {
    data: &'a [u8],
    /// The buffer `data` is a view of, when shared: big bytes values become views of it too.
    owner: Option<&'a Bytes>,
    pos: usize,
    /// Input offset of each referenceable object, or [`PENDING`].
    refs: Vec<usize>,
    /// What hashing nested set elements and dict keys may still cost ([`key_work_budget`]).
    key_budget: KeyBudget,
    /// > 0 while re-reading a referenced object.
    replaying: u32,
    budget: usize,
    /// Room for the items containers announce, shared by all of them.
    room: Reservations,
    /// Whether plain scalars may take the fast lane ([`Reader::fast_fill`]).
    fast: bool,
}

fn bad(at: usize, what: &str) -> Error {
    Error::syntax(at, format!("bad marshal data ({what})"))
}

fn null_error(container: &str, at: usize) -> Error {
    Error::new(
        ErrorKind::Type,
        format!("NULL object in marshal data for {container}"),
    )
    .at(at)
}

fn unsupported(what: &str, at: usize) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        format!("marshal data holds {what}, which has no Value equivalent"),
    )
    .at(at)
}

impl<'a> Reader<'a> {
    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let data = self.data;
        match data.get(self.pos..).and_then(|rest| rest.get(..n)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(Error::truncated(data.len())),
        }
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    #[inline]
    fn byte(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    #[inline]
    fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    #[inline]
    fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    /// A u32 length/count (read as CPython's signed long): negative is "out of range", more than
    /// the remaining input (each unit needs at least one byte) is too large.
    fn size(&mut self, what: &str) -> Result<usize> {
        let at = self.pos;
        let n = self.i32()?;
        let n = usize::try_from(n).map_err(|_| bad(at, &format!("{what} size out of range")))?;
        self.fits(n, at)?;
        Ok(n)
    }

    fn fits(&self, n: usize, at: usize) -> Result<()> {
        if n > self.remaining() {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!("length {n} is beyond the end of the marshal data"),
            )
            .at(at));
        }
        Ok(())
    }

    /// Charges copies made for references (only while replaying one).
    #[inline]
    fn charge(&mut self, cost: usize) -> Result<()> {
        if self.replaying > 0 {
            self.budget = self.budget.checked_sub(cost).ok_or_else(|| {
                Error::new(
                    ErrorKind::TooLarge,
                    "marshal references expand beyond the size limit",
                )
                .at(self.pos)
            })?;
        }
        Ok(())
    }

    /// Charges hashing a nested set element or dict key ([`check_hashable`]'s cost), which
    /// nested frozensets make quadratic: 190 of them around 100,000 ints took 224 ms.
    fn charge_key(&mut self, cost: usize, at: usize) -> Result<()> {
        self.key_budget.charge(cost).ok_or_else(|| {
            Error::new(
                ErrorKind::TooLarge,
                "marshal set elements or dict keys nest too deep to hash within the size limit",
            )
            .at(at)
        })?;
        Ok(())
    }

    fn payload(&mut self, n: usize) -> Result<&'a [u8]> {
        self.fits(n, self.pos)?;
        self.charge(n)?;
        self.take(n)
    }

    /// A bytes payload: free when it becomes a view of the input (`bytes_value` shares big
    /// ones), so a big bytes object referenced many times costs one copy, as in Python.
    fn bytes_payload(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.owner.is_some() && n >= crate::serializer::SHARE_MIN {
            self.fits(n, self.pos)?;
            return self.take(n);
        }
        self.payload(n)
    }

    /// One complete value, with everything nested in it.
    fn read(&mut self) -> Result<Value> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut depth = 0usize;
        loop {
            // Fast lane: fill the container on top with plain scalars as far as they go.
            let complete = match stack.last_mut() {
                Some(frame) if self.fast && self.replaying == 0 => self.fast_fill(frame),
                _ => false,
            };
            let at = self.pos;
            let mut item = if complete {
                depth -= 1;
                stack.pop().map(|frame| self.close(frame))
            } else {
                let code = self.byte()?;
                self.charge(VALUE_COST)?;
                match code & !FLAG_REF {
                    b'0' => None,
                    b'r' => {
                        let target = self.reference(at)?;
                        stack.push(Frame::Replay { resume: self.pos });
                        self.pos = target;
                        self.replaying += 1;
                        continue;
                    }
                    b'(' | b')' | b'[' | b'{' | b'<' | b'>' => {
                        if depth >= MAX_DEPTH {
                            return Err(Error::too_deep(at));
                        }
                        match self.open(code, at)? {
                            Opened::Frame(frame) => {
                                depth += 1;
                                stack.push(frame);
                                continue;
                            }
                            Opened::Empty(v) => Some(v),
                        }
                    }
                    _ => Some(self.scalar(code, at)?),
                }
            };
            // Hand the finished item (`None`: the NULL marker) to the containers it completes.
            loop {
                let Some(top) = stack.last_mut() else {
                    return item.ok_or_else(|| null_error("object", at));
                };
                match top {
                    Frame::Replay { resume } => {
                        self.pos = *resume;
                        self.replaying -= 1;
                        stack.pop();
                        continue;
                    }
                    Frame::Seq {
                        items, left, tuple, ..
                    } => {
                        let what = if *tuple { "tuple" } else { "list" };
                        items.push(item.take().ok_or_else(|| null_error(what, at))?);
                        *left -= 1;
                        if *left > 0 {
                            break;
                        }
                    }
                    Frame::Set { set, left, .. } => {
                        let element = item.take().ok_or_else(|| null_error("set", at))?;
                        let cost = check_hashable_within(&element, at, &self.key_budget)?;
                        self.charge_key(cost, at)?;
                        set.insert(element);
                        *left -= 1;
                        if *left > 0 {
                            break;
                        }
                    }
                    Frame::Dict { dict, key, .. } => match (key.take(), item.take()) {
                        (None, Some(k)) => {
                            *key = Some(k);
                            break;
                        }
                        (Some(k), Some(v)) => {
                            let cost = check_hashable_within(&k, at, &self.key_budget)?;
                            self.charge_key(cost, at)?;
                            dict.insert(k, v);
                            break;
                        }
                        // CPython ends a dict at a NULL key or a NULL value.
                        _ => {}
                    },
                }
                // The container on top is complete.
                depth -= 1;
                item = stack.pop().map(|frame| self.close(frame));
            }
        }
    }

    /// Reads plain scalars straight into `frame` while they come; true when that completes it.
    /// Anything else (containers, references, errors) is left to the general path.
    fn fast_fill(&mut self, frame: &mut Frame) -> bool {
        match frame {
            Frame::Seq { items, left, .. } => {
                while *left > 0 {
                    let Some(v) = self.fast_scalar() else {
                        return false;
                    };
                    items.push(v);
                    *left -= 1;
                }
                true
            }
            Frame::Set { set, left, .. } => {
                while *left > 0 {
                    let Some(v) = self.fast_scalar() else {
                        return false;
                    };
                    set.insert(v);
                    *left -= 1;
                }
                true
            }
            Frame::Dict {
                dict, key: None, ..
            } => loop {
                if self
                    .data
                    .get(self.pos)
                    .is_some_and(|&c| c & !FLAG_REF == b'0')
                {
                    self.pos += 1;
                    return true;
                }
                let Some(k) = self.fast_scalar() else {
                    return false;
                };
                let Some(v) = self.fast_scalar() else {
                    if let Frame::Dict { key, .. } = frame {
                        *key = Some(k);
                    }
                    return false;
                };
                dict.insert(k, v);
            },
            _ => false,
        }
    }

    /// The common scalars (None, bools, int32, float, str, bytes) when they are well-formed and
    /// complete; `None` (with nothing consumed) for anything else.
    #[inline]
    fn fast_scalar(&mut self) -> Option<Value> {
        let data = self.data;
        let at = self.pos;
        let code = *data.get(at)?;
        let singleton = match code & !FLAG_REF {
            b'N' => Some(Value::None),
            b'T' => Some(Value::Bool(true)),
            b'F' => Some(Value::Bool(false)),
            _ => None,
        };
        if singleton.is_some() {
            // Singletons never take a reference slot, whatever their flag says.
            self.pos = at + 1;
            return singleton;
        }
        let (v, end) = match code & !FLAG_REF {
            b'i' => {
                let b: [u8; 4] = data.get(at + 1..at + 5)?.try_into().ok()?;
                (Value::Int(i64::from(i32::from_le_bytes(b))), at + 5)
            }
            b'g' => {
                let b: [u8; 8] = data.get(at + 1..at + 9)?.try_into().ok()?;
                (Value::Float(f64::from_le_bytes(b)), at + 9)
            }
            b'z' | b'Z' => {
                let end = at + 2 + usize::from(*data.get(at + 1)?);
                let b = data.get(at + 2..end)?;
                if !b.is_ascii() {
                    return None;
                }
                (Value::Str(std::str::from_utf8(b).ok()?.to_owned()), end)
            }
            t @ (b'u' | b't' | b'a' | b'A' | b's') => {
                let n: [u8; 4] = data.get(at + 1..at + 5)?.try_into().ok()?;
                let n = usize::try_from(i32::from_le_bytes(n)).ok()?;
                let end = (at + 5).checked_add(n)?;
                let b = data.get(at + 5..end)?;
                if t == b's' {
                    (Value::Bytes(bytes_value(self.owner, b)), end)
                } else if (t == b'u' || t == b't') || b.is_ascii() {
                    (Value::Str(std::str::from_utf8(b).ok()?.to_owned()), end)
                } else {
                    return None;
                }
            }
            _ => return None,
        };
        if code & FLAG_REF != 0 {
            self.refs.push(at);
        }
        self.pos = end;
        Some(v)
    }

    /// `r` + index: the input offset of the referenced object.
    fn reference(&mut self, at: usize) -> Result<usize> {
        let n = self.i32()?;
        let target = usize::try_from(n)
            .ok()
            .and_then(|n| self.refs.get(n).copied())
            .ok_or_else(|| bad(at, "invalid reference"))?;
        if target == PENDING {
            return Err(unsupported("a container that contains itself", at));
        }
        Ok(target)
    }

    /// A container's header. Containers take their reference slot before their items, like
    /// CPython.
    fn open(&mut self, code: u8, at: usize) -> Result<Opened> {
        let ty = code & !FLAG_REF;
        let n = match ty {
            b')' => usize::from(self.byte()?),
            b'(' => self.size("tuple")?,
            b'[' => self.size("list")?,
            b'<' | b'>' => self.size("set")?,
            _ => 0, // dict: ends with NULL
        };
        let flagged = code & FLAG_REF != 0 && self.replaying == 0;
        if n == 0 && ty != b'{' {
            if flagged {
                self.refs.push(at);
            }
            return Ok(Opened::Empty(match ty {
                b'(' | b')' => Value::Tuple(Vec::new()),
                b'[' => Value::List(Vec::new()),
                b'>' => Value::FrozenSet(Box::default()),
                _ => Value::new_set(),
            }));
        }
        let slot = flagged.then(|| {
            self.refs.push(PENDING);
            self.refs.len() - 1
        });
        self.key_budget.charge_items(n).ok_or_else(|| {
            Error::new(
                ErrorKind::TooLarge,
                "marshal containers announce more items than this decode may build",
            )
            .at(at)
        })?;
        // One byte per item at least; all the containers of the input share that room.
        let cap = self.room.take(n, 1);
        Ok(Opened::Frame(match ty {
            b'(' | b')' | b'[' => Frame::Seq {
                items: Vec::with_capacity(cap),
                left: n,
                tuple: ty != b'[',
                slot,
                at,
            },
            b'{' => Frame::Dict {
                dict: Dict::with_hasher(RandomState::default()),
                key: None,
                slot,
                at,
            },
            _ => Frame::Set {
                set: Set::with_capacity_and_hasher(cap, RandomState::default()),
                frozen: ty == b'>',
                left: n,
                slot,
                at,
            },
        }))
    }

    /// The value of a complete container; its reference slot becomes usable.
    fn close(&mut self, frame: Frame) -> Value {
        let (value, slot, at) = match frame {
            Frame::Seq {
                items,
                tuple: true,
                slot,
                at,
                ..
            } => (Value::Tuple(items), slot, at),
            Frame::Seq {
                items, slot, at, ..
            } => (Value::List(items), slot, at),
            Frame::Set {
                set,
                frozen: true,
                slot,
                at,
                ..
            } => (Value::FrozenSet(Box::new(set)), slot, at),
            Frame::Set { set, slot, at, .. } => (Value::Set(Box::new(set)), slot, at),
            Frame::Dict { dict, slot, at, .. } => (Value::Dict(Box::new(dict)), slot, at),
            Frame::Replay { .. } => return Value::None, // never on top when a container closes
        };
        if let Some(slot) = slot {
            self.refs[slot] = at;
        }
        value
    }

    #[inline(never)]
    fn scalar(&mut self, code: u8, at: usize) -> Result<Value> {
        let v = match code & !FLAG_REF {
            // Singletons never take a reference slot, whatever their flag says.
            b'N' => return Ok(Value::None),
            b'T' => return Ok(Value::Bool(true)),
            b'F' => return Ok(Value::Bool(false)),
            b'S' => return Err(unsupported("StopIteration", at)),
            b'.' => return Err(unsupported("Ellipsis", at)),
            b'c' => return Err(unsupported("a code object", at)),
            b'i' => Value::Int(i64::from(self.i32()?)),
            b'I' => Value::Int(i64::from_le_bytes(self.array()?)),
            b'l' => self.long(at)?,
            b'g' => Value::Float(self.f64()?),
            b'y' => Value::Complex {
                re: self.f64()?,
                im: self.f64()?,
            },
            b'f' => Value::Float(self.text_float()?),
            b'x' => Value::Complex {
                re: self.text_float()?,
                im: self.text_float()?,
            },
            b's' => {
                let n = self.size("bytes object")?;
                Value::Bytes(bytes_value(self.owner, self.bytes_payload(n)?))
            }
            b'u' | b't' => {
                let n = self.size("string")?;
                Value::Str(utf8_surrogatepass(self.payload(n)?, self.pos - n)?)
            }
            b'a' | b'A' => {
                let n = self.size("string")?;
                Value::Str(latin1(self.payload(n)?))
            }
            b'z' | b'Z' => {
                let n = usize::from(self.byte()?);
                Value::Str(latin1(self.payload(n)?))
            }
            _ => return Err(bad(at, "unknown type code")),
        };
        if code & FLAG_REF != 0 && self.replaying == 0 {
            self.refs.push(at);
        }
        Ok(v)
    }

    /// `l`: signed count of 15-bit digits, then the digits, least significant first.
    fn long(&mut self, at: usize) -> Result<Value> {
        let n = self.i32()?;
        let count = n.unsigned_abs() as usize;
        self.fits(count.saturating_mul(2), self.pos)?;
        let digits = self.take(count * 2)?;
        let mut words: Vec<u32> = Vec::with_capacity(count * 15 / 32 + 1);
        let (mut acc, mut bits) = (0u64, 0u32);
        let mut last = 0u16;
        for pair in digits.chunks_exact(2) {
            last = u16::from_le_bytes([pair[0], pair[1]]);
            if last >= 0x8000 {
                return Err(bad(at, "digit out of range in long"));
            }
            acc |= u64::from(last) << bits;
            bits += 15;
            if bits >= 32 {
                words.push(acc as u32);
                acc >>= 32;
                bits -= 32;
            }
        }
        if count > 0 && last == 0 {
            return Err(bad(at, "unnormalized long data"));
        }
        if bits > 0 {
            words.push(acc as u32);
        }
        let sign = if n < 0 { Sign::Minus } else { Sign::Plus };
        Ok(Value::from_bigint(BigInt::from_biguint(
            sign,
            BigUint::new(words),
        )))
    }

    /// `f`/`x` parts: u8 length + the float as text (`repr`), parsed like Python's `float()`.
    fn text_float(&mut self) -> Result<f64> {
        let at = self.pos;
        let n = usize::from(self.byte()?);
        let text = self.take(n)?;
        std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Value,
                    format!(
                        "could not convert string to float: {:?}",
                        String::from_utf8_lossy(text)
                    ),
                )
                .at(at)
            })
    }
}

/// `a`/`z` strings: CPython makes a one-byte-kind str, i.e. reads the bytes as Latin-1.
fn latin1(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) if bytes.is_ascii() => s.to_owned(),
        _ => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// UTF-8 with CPython's `surrogatepass`: an encoded surrogate (`ED A0..BF 80..BF`) becomes
/// U+FFFD; any other invalid sequence is an error, as in CPython.
fn utf8_surrogatepass(bytes: &[u8], at: usize) -> Result<String> {
    let mut rest = match std::str::from_utf8(bytes) {
        Ok(s) => return Ok(s.to_owned()),
        Err(_) => bytes,
    };
    let mut out = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return Ok(out);
            }
            Err(e) => {
                let (valid, bad_part) = rest.split_at(e.valid_up_to());
                // `valid` is valid UTF-8 by construction.
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                match bad_part {
                    [0xED, 0xA0..=0xBF, 0x80..=0xBF, tail @ ..] => {
                        out.push('\u{FFFD}');
                        rest = tail;
                    }
                    _ => {
                        return Err(Error::new(
                            ErrorKind::Value,
                            "invalid UTF-8 in marshal str ('utf-8' codec can't decode it)",
                        )
                        .at(at + (bytes.len() - bad_part.len())));
                    }
                }
            }
        }
    }
}
