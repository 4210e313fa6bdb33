//! Value -> serpent text, byte-identical to Python's serpent 1.43.

use std::fmt::Write as _;

use num_bigint::{BigInt, Sign};

use super::Options;
use super::scan::{find_escape, plain_ascii};
use crate::repr::{
    INT_MAX_STR_DIGITS, int_to_str_too_long, is_printable, write_bytes_repr, write_float_repr,
};
use crate::serializer::check_nesting;
use crate::serializer::room_for;
use crate::{Dict, Error, ErrorKind, Result, Value};

/// The header line Python's serpent writes before the literal.
pub(super) const HEADER: &str = "# serpent utf-8 python3.2\n";

/// What serpent writes for a float NaN (there is no NaN literal).
const NAN_DICT: &str = "{'__class__':'float','value':'nan'}";

/// Any int of at least this many bits has more than [`INT_MAX_STR_DIGITS`] decimal digits
/// (2^14299 has 4305), so it is refused without converting it.
const INT_TOO_LONG_BITS: u64 = 14300;

pub(super) fn encode(value: &Value, options: Options) -> Result<Vec<u8>> {
    let mut enc = Encoder {
        out: String::with_capacity(HEADER.len() + 64),
        bytes_repr: options.bytes_repr,
    };
    enc.out.push_str(HEADER);
    enc.write(value, 0)?;
    Ok(enc.out.into_bytes())
}

/// The bytes of the 4-tuple `(object, method, vargs, kwargs)` (kwargs `None` as None), written
/// straight into one buffer: the same bytes, and the same error for an argument serpent refuses,
/// as [`encode`] of that tuple, without building it (two `String`s and a `Vec` per call).
pub(crate) fn call_to_vec(
    object: &str,
    method: &str,
    vargs: &Value,
    kwargs: Option<&Dict>,
) -> Result<Vec<u8>> {
    // Calls use Pyro's default options, as Python's proxies do.
    let mut enc = Encoder {
        out: String::with_capacity(HEADER.len() + object.len() + method.len() + 64),
        bytes_repr: Options::default().bytes_repr,
    };
    enc.out.push_str(HEADER);
    enc.out.push('(');
    write_str(&mut enc.out, object);
    enc.out.push(',');
    write_str(&mut enc.out, method);
    enc.out.push(',');
    // Inside the call tuple: one level of nesting is used up already.
    enc.write(vargs, 1)?;
    match kwargs {
        None => enc.out.push_str(",None)"),
        Some(kwargs) if kwargs.is_empty() => enc.out.push_str(",{})"),
        Some(kwargs) => {
            enc.out.push(',');
            enc.write_dict(kwargs, 1)?;
            enc.out.push(')');
        }
    }
    Ok(enc.out.into_bytes())
}

struct Encoder {
    out: String,
    bytes_repr: bool,
}

/// A container being written, with the items still to come.
enum Open<'v> {
    List(std::slice::Iter<'v, Value>),
    /// A tuple; `true` for one item, which needs a trailing comma.
    Tuple(std::slice::Iter<'v, Value>, bool),
    Set(indexmap::set::Iter<'v, Value>),
    /// A dict, and the value to write after the key just written.
    Dict(indexmap::map::Iter<'v, Value, Value>, Option<&'v Value>),
}

impl Encoder {
    /// Writes `root`, found inside `depth` containers. Containers go on an explicit stack
    /// instead of recursing, so nesting up to [`crate::MAX_DEPTH`] costs no call stack, even in debug
    /// builds.
    fn write(&mut self, root: &Value, depth: usize) -> Result<()> {
        // A scalar (a typical method result) or a flat list/tuple (typical call arguments)
        // needs none of the general loop's stack.
        match root {
            Value::List(items) | Value::Tuple(items) if items.iter().all(is_scalar) => {
                self.flat(root, items, depth)
            }
            _ if is_scalar(root) => self.scalar(root),
            _ => self.write_from(Vec::new(), Some(root), depth),
        }
    }

    /// Writes a dict found inside `depth` containers (a call's kwargs, which come unboxed).
    fn write_dict(&mut self, dict: &Dict, depth: usize) -> Result<()> {
        check_nesting(depth)?;
        self.out.push('{');
        self.write_from(vec![Open::Dict(dict.iter(), None)], None, depth)
    }

    /// A list or tuple of scalars only (most call arguments): written without the stack the
    /// general loop allocates, with the same bytes and the same depth limit.
    fn flat(&mut self, root: &Value, items: &[Value], depth: usize) -> Result<()> {
        check_nesting(depth)?;
        let (open, close) = match root {
            Value::List(_) => ('[', "]"),
            _ if items.len() == 1 => ('(', ",)"),
            _ => ('(', ")"),
        };
        self.out.push(open);
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.scalar(item)?;
        }
        self.out.push_str(close);
        Ok(())
    }

    /// The general loop: `stack` holds the containers already open (inside `depth` others),
    /// `next` the value to write first.
    fn write_from<'v>(
        &mut self,
        mut stack: Vec<Open<'v>>,
        mut next: Option<&'v Value>,
        depth: usize,
    ) -> Result<()> {
        loop {
            if let Some(v) = next.take()
                && let Some(open) = self.start(v)?
            {
                check_nesting(stack.len() + depth)?;
                stack.push(open);
            }
            let Some(top) = stack.last_mut() else {
                return Ok(());
            };
            // No value ends in an opening bracket, so one at the end means "no item yet".
            let first = self.out.ends_with(['[', '(', '{']);
            let item = match top {
                Open::List(items) | Open::Tuple(items, _) => items.next(),
                Open::Set(items) => items.next(),
                Open::Dict(items, pending) => match pending.take() {
                    Some(item) => {
                        self.out.push(':');
                        next = Some(item);
                        continue;
                    }
                    None => items.next().map(|(key, item)| {
                        *pending = Some(item);
                        key
                    }),
                },
            };
            match item {
                Some(item) => {
                    if !first {
                        self.out.push(',');
                    }
                    if matches!(top, Open::Set(_) | Open::Dict(..)) {
                        check_key(item, self.bytes_repr)?;
                    }
                    next = Some(item);
                }
                None => {
                    self.out.push_str(match top {
                        Open::List(_) => "]",
                        Open::Tuple(_, true) => ",)",
                        Open::Tuple(_, false) => ")",
                        Open::Set(_) | Open::Dict(..) => "}",
                    });
                    stack.pop();
                }
            }
        }
    }

    /// Writes a scalar, or the opening bracket of a container and returns its items.
    fn start<'v>(&mut self, v: &'v Value) -> Result<Option<Open<'v>>> {
        let (bracket, open) = match v {
            Value::List(items) => ('[', Open::List(items.iter())),
            Value::Tuple(items) => ('(', Open::Tuple(items.iter(), items.len() == 1)),
            // No empty-set literal exists; serpent writes an empty tuple instead.
            Value::Set(set) | Value::FrozenSet(set) if set.is_empty() => {
                ('(', Open::Tuple([].iter(), false))
            }
            Value::Set(set) | Value::FrozenSet(set) => ('{', Open::Set(set.iter())),
            Value::Dict(dict) => ('{', Open::Dict(dict.iter(), None)),
            scalar => {
                self.scalar(scalar)?;
                return Ok(None);
            }
        };
        self.out.push(bracket);
        Ok(Some(open))
    }

    fn scalar(&mut self, v: &Value) -> Result<()> {
        match v {
            Value::None => self.out.push_str("None"),
            Value::Bool(true) => self.out.push_str("True"),
            Value::Bool(false) => self.out.push_str("False"),
            Value::Int(i) => self.out.push_str(itoa::Buffer::new().format(*i)),
            Value::BigInt(b) => self.bigint(b)?,
            Value::Float(f) => self.float(*f),
            Value::Complex { re, im } => self.complex(*re, *im),
            Value::Str(s) => write_str(&mut self.out, s),
            Value::Bytes(b) => self.bytes(b),
            // serpent writes these as their isoformat() / str(), quoted.
            Value::DateTime(dt) => write_str(&mut self.out, &dt.to_string()),
            Value::Date(d) => write_str(&mut self.out, &d.to_string()),
            Value::Time(t) => write_str(&mut self.out, &t.to_string()),
            Value::Decimal(d) => write_str(&mut self.out, &d.to_string()),
            Value::Uuid(u) => write_str(&mut self.out, &u.to_string()),
            // msgpack's ExtType is a namedtuple: serpent writes the tuple (code, data).
            Value::Ext { code, data } => {
                self.out.push('(');
                self.out.push_str(itoa::Buffer::new().format(*code));
                self.out.push(',');
                self.bytes(data);
                self.out.push(')');
            }
            Value::List(_)
            | Value::Tuple(_)
            | Value::Set(_)
            | Value::FrozenSet(_)
            | Value::Dict(_) => {}
        }
        Ok(())
    }

    fn bigint(&mut self, b: &BigInt) -> Result<()> {
        if b.bits() >= INT_TOO_LONG_BITS {
            return Err(int_to_str_too_long());
        }
        let start = self.out.len();
        let _ = write!(self.out, "{b}");
        let digits = self.out.len() - start - usize::from(b.sign() == Sign::Minus);
        if digits > INT_MAX_STR_DIGITS {
            self.out.truncate(start);
            return Err(int_to_str_too_long());
        }
        Ok(())
    }

    fn float(&mut self, f: f64) {
        if f.is_nan() {
            self.out.push_str(NAN_DICT);
        } else if f == f64::INFINITY {
            self.out.push_str("1e30000");
        } else if f == f64::NEG_INFINITY {
            self.out.push_str("-1e30000");
        } else {
            write_float_repr(&mut self.out, f);
        }
    }

    fn complex(&mut self, re: f64, im: f64) {
        if re.is_nan() || im.is_nan() {
            self.out.push_str("{'__class__':'complex','real':");
            self.float(re);
            self.out.push_str(",'imag':");
            self.float(im);
            self.out.push('}');
            return;
        }
        self.out.push('(');
        self.float(re);
        if im.is_sign_positive() {
            self.out.push('+');
        }
        self.float(im);
        self.out.push_str("j)");
    }

    fn bytes(&mut self, b: &[u8]) {
        if self.bytes_repr {
            write_bytes_repr(&mut self.out, b);
        } else {
            // Python's repr() of the dict {'data': <base64 str>, 'encoding': 'base64'}.
            self.out.push_str("{'data': '");
            // Base64 plus the rest of the call after it, so the buffer doesn't double later.
            self.out.reserve(room_for(b.len().div_ceil(3) * 4));
            // SIMD base64: 4x the base64 crate's chunked String encoder on 1 MB payloads.
            base64_simd::STANDARD.encode_append(b, &mut self.out);
            self.out.push_str("', 'encoding': 'base64'}");
        }
    }
}

/// Whether `v` is written without brackets of its own (not a list, tuple, set or dict).
fn is_scalar(v: &Value) -> bool {
    !matches!(
        v,
        Value::List(_) | Value::Tuple(_) | Value::Set(_) | Value::FrozenSet(_) | Value::Dict(_)
    )
}

/// serpent only allows bool, bytes, str, tuple and numbers as dict keys and set elements.
fn check_key(key: &Value, bytes_repr: bool) -> Result<()> {
    let class = match key {
        Value::None => "NoneType",
        Value::List(_) => "list",
        Value::Dict(_) => "dict",
        // A set inside a dict key or set is a frozenset in Python.
        Value::Set(_) | Value::FrozenSet(_) => "frozenset",
        Value::DateTime(_) => "datetime.datetime",
        Value::Date(_) => "datetime.date",
        Value::Time(_) => "datetime.time",
        Value::Uuid(_) => "uuid.UUID",
        Value::Ext { .. } => "msgpack.ext.ExtType",
        // A Decimal is a number to serpent: allowed, written as its str.
        _ => return check_key_literal(key, bytes_repr),
    };
    Err(Error::new(
        ErrorKind::Type,
        format!(
            "one of the keys in a dict or set is not of a primitive hashable type: \
             <class '{class}'>. Use simple types as keys or use a list or tuple as container."
        ),
    ))
}

/// Python's serpent would write these keys, but as dicts (bytes as the base64 dict, a complex
/// with a nan part as a class dict) or lists inside a tuple, which nobody can read back as a
/// key (`unhashable type`). We refuse them instead of writing unreadable data.
fn check_key_literal(key: &Value, bytes_repr: bool) -> Result<()> {
    let problem = match key {
        Value::Bytes(_) if !bytes_repr => "bytes (without bytes_repr)",
        Value::Complex { re, im } if re.is_nan() || im.is_nan() => "a complex with a nan part",
        Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::FrozenSet(_) => {
            "a list, dict or set inside a tuple"
        }
        Value::Tuple(items) => {
            return items
                .iter()
                .try_for_each(|i| check_key_literal(i, bytes_repr));
        }
        _ => return Ok(()),
    };
    Err(Error::new(
        ErrorKind::Type,
        format!(
            "{problem} can't be part of a serpent dict key or set element: Python couldn't read it back"
        ),
    ))
}

/// Appends Python's `repr(s)`, like [`crate::repr::write_str_repr`] (and tested against it), but
/// copying whole runs of plain text at a time and checking common printable blocks first.
pub(super) fn write_str(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let quote = match plain_ascii(b) {
        // Most strings: printable ASCII that repr() copies between quotes.
        Some((single, double)) if !(single && double) => {
            let quote = if single { '"' } else { '\'' };
            out.reserve(room_for(s.len() + 2));
            out.push(quote);
            out.push_str(s);
            out.push(quote);
            return;
        }
        Some((single, double)) => single && !double,
        None => s.contains('\'') && !s.contains('"'),
    };
    let quote = if quote { b'"' } else { b'\'' };
    out.reserve(room_for(s.len() + 2));
    out.push(char::from(quote));
    // Copy runs of text that needs no escaping (printable ASCII and printable non-ASCII chars)
    // in one go; `run` and `i` are always char boundaries.
    let mut run = 0;
    let mut i = 0;
    loop {
        i = find_escape(b, i, quote);
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        if c >= '\u{a0}' && (fast_printable(c) || is_printable(c)) {
            i += c.len_utf8();
            continue;
        }
        out.push_str(&s[run..i]);
        i += c.len_utf8();
        run = i;
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ if c == char::from(quote) => {
                out.push('\\');
                out.push(c);
            }
            _ => push_hex_escape(out, c as u32),
        }
    }
    out.push_str(&s[run..]);
    out.push(char::from(quote));
}

/// Big blocks of code points that are all printable (so `repr()` keeps them), checked before
/// the full table; the `fast_printable_blocks_are_printable` test holds them to it.
pub(super) const PRINTABLE_BLOCKS: [(char, char); 9] = [
    ('\u{a1}', '\u{ac}'),
    ('\u{ae}', '\u{377}'),
    ('\u{3a3}', '\u{52f}'),
    ('\u{20a0}', '\u{20c0}'),
    ('\u{2190}', '\u{2426}'),
    ('\u{2460}', '\u{2b73}'),
    ('\u{3220}', '\u{a48c}'),
    ('\u{ac00}', '\u{d7a3}'),
    ('\u{1f300}', '\u{1f6d7}'),
];

#[inline]
fn fast_printable(c: char) -> bool {
    PRINTABLE_BLOCKS
        .iter()
        .any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// `\xNN`, `\uNNNN` or `\UNNNNNNNN` (lowercase hex), as `repr()` escapes a char.
fn push_hex_escape(out: &mut String, code: u32) {
    let (prefix, digits) = match code {
        0..=0xff => ("\\x", 2),
        0x100..=0xffff => ("\\u", 4),
        _ => ("\\U", 8),
    };
    out.push_str(prefix);
    for k in (0..digits).rev() {
        let nibble = (code >> (4 * k)) & 0xf;
        out.push(char::from_digit(nibble, 16).unwrap_or('0'));
    }
}
