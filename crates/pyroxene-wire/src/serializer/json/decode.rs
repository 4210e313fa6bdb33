//! json decoder: a parser over bytes with `json.loads`' rules, iterative (containers in
//! progress live on a heap stack), so deep nesting costs no native stack.

use num_bigint::BigInt;

use crate::repr::{INT_MAX_STR_DIGITS, str_to_int_too_long_message};
use crate::value::RandomState;
use crate::{Dict, Error, ErrorKind, MAX_DEPTH, Result, Value};

pub(super) fn from_slice(bytes: &[u8]) -> Result<Value> {
    let mut p = Parser {
        input: bytes,
        pos: 0,
        scratch: Vec::new(),
    };
    let value = p.parse()?;
    p.skip_ws();
    if p.pos < bytes.len() {
        return Err(Error::syntax(p.pos, "Extra data"));
    }
    Ok(value)
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
    /// Reused buffer for strings with escapes.
    scratch: Vec<u8>,
}

/// A container being filled. The parser keeps these on a heap stack instead of recursing, so
/// its native stack use doesn't grow with the nesting.
enum Frame {
    Array(Vec<Value>),
    /// The object so far and the key whose value is being parsed.
    Object(Dict, String),
}

impl Parser<'_> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// An error at the current position: truncation at the end of input, else `msg`.
    fn fail(&self, msg: &str) -> Error {
        if self.pos >= self.input.len() {
            Error::truncated(self.pos)
        } else {
            Error::syntax(self.pos, msg)
        }
    }

    /// One value with everything nested in it.
    fn parse(&mut self) -> Result<Value> {
        let mut stack: Vec<Frame> = Vec::new();
        'value: loop {
            self.skip_ws();
            let mut value = match self.peek() {
                Some(open @ (b'[' | b'{')) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(Error::too_deep(self.pos));
                    }
                    self.pos += 1;
                    self.skip_ws();
                    if open == b'[' {
                        if self.peek() == Some(b']') {
                            self.pos += 1;
                            Value::List(Vec::new())
                        } else {
                            stack.push(Frame::Array(Vec::new()));
                            continue 'value;
                        }
                    } else if self.peek() == Some(b'}') {
                        self.pos += 1;
                        Value::new_dict()
                    } else {
                        let key = self.key()?;
                        stack.push(Frame::Object(
                            Dict::with_hasher(RandomState::default()),
                            key,
                        ));
                        continue 'value;
                    }
                }
                _ => self.scalar()?,
            };
            // Hand the finished value to the containers it completes.
            loop {
                let Some(top) = stack.last_mut() else {
                    return Ok(value);
                };
                self.skip_ws();
                let close = match top {
                    Frame::Array(items) => {
                        items.push(value);
                        b']'
                    }
                    Frame::Object(dict, key) => {
                        // Like Python's dict: a repeated key keeps its first position, the last
                        // value wins.
                        dict.insert(Value::Str(std::mem::take(key)), value);
                        b'}'
                    }
                };
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if let Frame::Object(_, key) = top {
                            self.skip_ws();
                            *key = self.key()?;
                        }
                        continue 'value;
                    }
                    Some(b) if b == close => self.pos += 1,
                    _ => return Err(self.fail("Expecting ',' delimiter")),
                }
                value = match stack.pop() {
                    Some(Frame::Array(items)) => Value::List(items),
                    Some(Frame::Object(dict, _)) => Value::Dict(Box::new(dict)),
                    None => return Err(self.fail("Expecting value")), // `top` was on the stack
                };
            }
        }
    }

    /// An object key and its colon.
    fn key(&mut self) -> Result<String> {
        if self.peek() != Some(b'"') {
            return Err(self.fail("Expecting property name enclosed in double quotes"));
        }
        let key = self.string()?;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.fail("Expecting ':' delimiter"));
        }
        self.pos += 1;
        Ok(key)
    }

    fn scalar(&mut self) -> Result<Value> {
        match self.peek() {
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal(b"true", Value::Bool(true)),
            Some(b'f') => self.literal(b"false", Value::Bool(false)),
            Some(b'n') => self.literal(b"null", Value::None),
            Some(b'N') => self.literal(b"NaN", Value::Float(f64::NAN)),
            Some(b'I') => self.literal(b"Infinity", Value::Float(f64::INFINITY)),
            _ => Err(self.fail("Expecting value")),
        }
    }

    fn literal(&mut self, word: &[u8], value: Value) -> Result<Value> {
        let rest = &self.input[self.pos..];
        if rest.starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else if word.starts_with(rest) {
            Err(Error::truncated(self.input.len()))
        } else {
            Err(Error::syntax(self.pos, "Expecting value"))
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, or `-Infinity`.
    fn number(&mut self) -> Result<Value> {
        let input = self.input;
        let start = self.pos;
        let mut i = start;
        if input.get(i) == Some(&b'-') {
            i += 1;
            if input[i..].starts_with(b"Infinity") {
                self.pos = i + 8;
                return Ok(Value::Float(f64::NEG_INFINITY));
            }
        }
        let int_start = i;
        match input.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = input.get(i) {
                    i += 1;
                }
            }
            _ if i >= input.len() || b"Infinity".starts_with(&input[i..]) => {
                return Err(Error::truncated(input.len()));
            }
            _ => return Err(Error::syntax(start, "Expecting value")),
        }
        let int_end = i;
        let mut is_float = false;
        // A fraction or exponent only counts when digits follow (else the number ends before it,
        // and whatever follows is an error of the enclosing context, as in Python).
        if input.get(i) == Some(&b'.') && input.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 2;
            while let Some(b'0'..=b'9') = input.get(i) {
                i += 1;
            }
            is_float = true;
        }
        if let Some(b'e' | b'E') = input.get(i) {
            let mut j = i + 1;
            if let Some(b'+' | b'-') = input.get(j) {
                j += 1;
            }
            if input.get(j).is_some_and(u8::is_ascii_digit) {
                while let Some(b'0'..=b'9') = input.get(j) {
                    j += 1;
                }
                i = j;
                is_float = true;
            }
        }
        self.pos = i;
        let text = &input[start..i];
        if is_float {
            // The text is ASCII digits and signs, which is also what Rust's parser accepts; it
            // rounds correctly like Python's float() (and overflows to infinity the same way).
            let f = std::str::from_utf8(text)
                .ok()
                .and_then(|t| t.parse::<f64>().ok())
                .ok_or_else(|| Error::syntax(start, "invalid number"))?;
            return Ok(Value::Float(f));
        }
        let digits = int_end - int_start;
        let negative = int_start > start;
        if digits <= 18 {
            let mut n: i64 = 0;
            for &d in &input[int_start..int_end] {
                n = n * 10 + i64::from(d - b'0');
            }
            return Ok(Value::Int(if negative { -n } else { n }));
        }
        if digits <= 38 {
            let mut n: i128 = 0;
            for &d in &input[int_start..int_end] {
                n = n * 10 + i128::from(d - b'0');
            }
            let n = if negative { -n } else { n };
            return Ok(
                i64::try_from(n).map_or_else(|_| Value::from_bigint(BigInt::from(n)), Value::Int)
            );
        }
        if digits > INT_MAX_STR_DIGITS {
            return Err(
                Error::new(ErrorKind::Value, str_to_int_too_long_message(digits)).at(start),
            );
        }
        BigInt::parse_bytes(text, 10)
            .map(Value::from_bigint)
            .ok_or_else(|| Error::syntax(start, "invalid number"))
    }

    /// A string starting at the opening quote; leaves `pos` after the closing quote.
    fn string(&mut self) -> Result<String> {
        let input = self.input;
        let start = self.pos;
        self.pos += 1;
        // Fast path: no escapes.
        let mut i = self.pos;
        while i < input.len() {
            match input[i] {
                b'"' => {
                    let text = std::str::from_utf8(&input[self.pos..i])
                        .map_err(|e| bad_utf8(self.pos + e.valid_up_to()))?;
                    self.pos = i + 1;
                    return Ok(text.to_owned());
                }
                b'\\' => break,
                0..0x20 => return Err(Error::syntax(i, "Invalid control character")),
                _ => i += 1,
            }
        }
        if i >= input.len() {
            return Err(Error::truncated(input.len()).at(start));
        }
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        let result = self.string_slow(&mut buf, i, start);
        let text = result.and_then(|()| match std::str::from_utf8(&buf) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(bad_utf8(start + 1 + e.valid_up_to())),
        });
        self.scratch = buf;
        text
    }

    /// The rest of a string with escapes: raw runs and decoded escapes go to `buf` (validated
    /// as UTF-8 by the caller; escapes only add whole characters, so that check is exact).
    fn string_slow(&mut self, buf: &mut Vec<u8>, mut i: usize, start: usize) -> Result<()> {
        let input = self.input;
        buf.extend_from_slice(&input[self.pos..i]);
        loop {
            let Some(&b) = input.get(i) else {
                return Err(Error::truncated(input.len()).at(start));
            };
            match b {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(());
                }
                b'\\' => {
                    let Some(&e) = input.get(i + 1) else {
                        return Err(Error::truncated(input.len()));
                    };
                    let simple = match e {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => 0,
                        _ => return Err(Error::syntax(i, "Invalid \\escape")),
                    };
                    if e != b'u' {
                        buf.push(simple);
                        i += 2;
                        continue;
                    }
                    let unit = hex4(input, i + 2)?;
                    i += 6;
                    let c = if (0xD800..0xDC00).contains(&unit) {
                        // A high surrogate: combined with a following `\uDC00`..`\uDFFF`.
                        let low = if input.get(i) == Some(&b'\\') && input.get(i + 1) == Some(&b'u')
                        {
                            Some(hex4(input, i + 2)?)
                        } else {
                            None
                        };
                        match low {
                            Some(lo @ 0xDC00..0xE000) => {
                                i += 6;
                                0x10000 + ((unit - 0xD800) << 10) + (lo - 0xDC00)
                            }
                            _ => return Err(lone_surrogate(unit, i - 6)),
                        }
                    } else {
                        unit
                    };
                    let c = char::from_u32(c).ok_or_else(|| lone_surrogate(c, i - 6))?;
                    let mut utf8 = [0u8; 4];
                    buf.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                }
                0..0x20 => return Err(Error::syntax(i, "Invalid control character")),
                _ => {
                    let run_start = i;
                    i += 1;
                    while let Some(&c) = input.get(i) {
                        if c == b'"' || c == b'\\' || c < 0x20 {
                            break;
                        }
                        i += 1;
                    }
                    buf.extend_from_slice(&input[run_start..i]);
                }
            }
        }
    }
}

/// The four hex digits of a `\uXXXX` escape at `at`.
fn hex4(input: &[u8], at: usize) -> Result<u32> {
    let digits = input.get(at..).unwrap_or_default();
    let mut n = 0u32;
    for k in 0..4 {
        let Some(&d) = digits.get(k) else {
            return Err(Error::truncated(input.len()));
        };
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return Err(Error::syntax(at - 2, "Invalid \\uXXXX escape")),
        };
        n = n * 16 + u32::from(v);
    }
    Ok(n)
}

fn bad_utf8(offset: usize) -> Error {
    Error::new(ErrorKind::Value, "invalid UTF-8 in json text").at(offset)
}

/// A `\uXXXX` surrogate without its partner. Python's `json.loads` keeps it in its str, whose
/// UTF-8 encoding then fails ("surrogates not allowed") as soon as it is written anywhere; a
/// Rust `String` can't hold it at all, so it is refused here, with serpent's words.
fn lone_surrogate(code: u32, at: usize) -> Error {
    crate::serializer::lone_surrogate(code).at(at)
}
