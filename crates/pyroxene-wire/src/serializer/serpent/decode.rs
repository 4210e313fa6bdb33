//! serpent text -> Value: the Python literal grammar of `ast.literal_eval`.
//!
//! The parser is iterative: containers live on an explicit stack (at most [`MAX_DEPTH`] deep),
//! so hostile nesting can never overflow the call stack. Scalars are lexed in `number.rs` and
//! `string.rs`.

use super::encode::HEADER;
use super::scan::find_plain_end;
use crate::serializer::call::CallItems;
use crate::value::{StrKey, check_hashable};
use crate::{Dict, Error, MAX_DEPTH, Result, Set, Value};

pub(super) fn decode(input: &[u8]) -> Result<Value> {
    let src = match std::str::from_utf8(input) {
        Ok(src) => src,
        Err(e) if e.error_len().is_none() => return Err(Error::truncated(e.valid_up_to())),
        Err(e) => {
            return Err(Error::syntax(
                e.valid_up_to(),
                "serpent data is not valid UTF-8",
            ));
        }
    };
    // Python's serpent.loads refuses a NUL character anywhere before parsing. Instead of a
    // separate pass, the lexers never accept a NUL, and any error is reported as the NUL.
    parse(&mut Lexer::after_header(src)).map_err(|e| match input.iter().position(|&b| b == 0) {
        Some(at) => nul_error(at),
        None => e,
    })
}

/// The input and a read position; the scalar lexers are methods on it.
pub(super) struct Lexer<'a> {
    pub(super) src: &'a str,
    pub(super) pos: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer for `src`, past serpent's usual header line if it starts with one: the parser
    /// would skip it first thing as a comment anyway, and a known line needs no scanning.
    pub(super) fn after_header(src: &'a str) -> Self {
        let pos = if src.starts_with(HEADER) {
            HEADER.len()
        } else {
            0
        };
        Lexer { src, pos }
    }

    /// The byte at `at`, if any.
    #[inline]
    pub(super) fn byte(&self, at: usize) -> Option<u8> {
        self.src.as_bytes().get(at).copied()
    }

    /// The byte at the read position, if any.
    #[inline]
    pub(super) fn peek(&self) -> Option<u8> {
        self.byte(self.pos)
    }

    /// Skips what Python's tokenizer skips between tokens: spaces, tabs, form feeds, newlines,
    /// `#` comments (the serpent header is one) and backslash line continuations.
    #[inline]
    pub(super) fn skip_ws(&mut self) {
        match self.peek() {
            Some(c) if c > b' ' && c != b'#' && c != b'\\' => {}
            None => {}
            Some(_) => self.skip_ws_slow(),
        }
    }

    fn skip_ws_slow(&mut self) {
        let b = self.src.as_bytes();
        while let Some(&c) = b.get(self.pos) {
            match c {
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => self.pos += 1,
                b'#' => {
                    self.pos += b[self.pos..]
                        .iter()
                        .position(|&c| c == b'\n' || c == b'\r' || c == 0)
                        .unwrap_or(b.len() - self.pos);
                }
                b'\\' if matches!(b.get(self.pos + 1), Some(b'\n' | b'\r')) => self.pos += 2,
                _ => return,
            }
        }
    }

    /// Consumes `want` (after whitespace) or fails.
    fn expect(&mut self, want: u8) -> Result<()> {
        self.skip_ws();
        match self.peek() {
            Some(c) if c == want => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.unexpected(&format!("'{}'", want as char))),
            None => Err(Error::truncated(self.pos)),
        }
    }

    /// A syntax error for the character at the read position, or truncation at the end.
    pub(super) fn unexpected(&self, expected: &str) -> Error {
        let rest = self.src.get(self.pos..).unwrap_or("\u{fffd}");
        match rest.chars().next() {
            None => Error::truncated(self.pos),
            Some('\0') => nul_error(self.pos),
            Some(c) => Error::syntax(
                self.pos,
                format!("unexpected {c:?} in serpent data, expected {expected}"),
            ),
        }
    }

    /// One scalar: a number (possibly complex), string, bytes, `None`/`True`/`False`, `set()`.
    fn scalar(&mut self, c: u8) -> Result<Value> {
        match c {
            b'\'' | b'"' => self.strings(0),
            b'0'..=b'9' | b'.' | b'-' | b'+' => self.number_expr(),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => self.word(),
            _ => Err(self.unexpected("a value")),
        }
    }

    fn word(&mut self) -> Result<Value> {
        let start = self.pos;
        let b = self.src.as_bytes();
        let mut end = start;
        while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
            end += 1;
        }
        if end < b.len() && b[end] >= 0x80 {
            return Err(Error::syntax(start, "not a literal: a name"));
        }
        self.pos = end;
        let word = &self.src[start..end];
        match word {
            "None" => Ok(Value::None),
            "True" => Ok(Value::Bool(true)),
            "False" => Ok(Value::Bool(false)),
            "set" => {
                // `set()` is the one call ast.literal_eval accepts: an empty set.
                self.expect(b'(')?;
                self.expect(b')')?;
                Ok(Value::new_set())
            }
            _ if matches!(self.peek(), Some(b'\'' | b'"')) && word.len() <= 2 => {
                self.pos = start;
                self.strings(word.len())
            }
            // The data ends inside what may become a literal: `Tru`, `b` (of `b'..'`).
            _ if end == b.len()
                && ["None", "True", "False", "set", "br", "rb"]
                    .iter()
                    .any(|w| w.starts_with(word) || w.starts_with(&*word.to_ascii_lowercase())) =>
            {
                Err(Error::truncated(end))
            }
            _ => Err(Error::syntax(
                start,
                format!("malformed serpent data: name {word:?} is not a literal"),
            )),
        }
    }
}

/// Python's serpent refuses data with NUL characters before parsing it.
pub(super) fn nul_error(at: usize) -> Error {
    Error::syntax(
        at,
        "The serpent data contains 0-bytes so it cannot be parsed by ast.literal_eval. \
         Has it been corrupted?",
    )
}

/// A container being parsed.
enum Frame {
    List(Vec<Value>),
    /// `(`: a tuple once a comma is seen, else just parentheses around one value.
    Paren(Vec<Value>, bool),
    /// `{` with nothing in it yet: a dict or a set, decided by what follows the first item.
    Brace,
    Set(Set),
    /// A dict and the key waiting for its value.
    Dict(Dict, Option<Value>),
    /// A tuple without parentheses at the top level (`1, 2`), which Python also accepts.
    Bare(Vec<Value>),
}

/// Parses the one value that fills the input (a top-level bare tuple included).
fn parse(lx: &mut Lexer<'_>) -> Result<Value> {
    parse_value(lx, 0)
}

/// Parses the value at the read position, inside `depth` enclosing containers. At the top
/// (`depth` 0) the value must fill the rest of the input (or be a bare tuple that does); inside
/// a container (an item of a call tuple parsed by [`decode_call`]) it stops right after the
/// value, where the caller reads what the enclosing container expects next.
fn parse_value(lx: &mut Lexer<'_>, depth: usize) -> Result<Value> {
    let mut stack: Vec<Frame> = Vec::new();
    // Whether a closing bracket may come instead of a value (right after an opening bracket or
    // a comma).
    let mut may_close = false;
    'value: loop {
        lx.skip_ws();
        let Some(c) = lx.peek() else {
            // The end of the data closes a bare tuple after its trailing comma: `1, 2,`.
            if may_close && let Some(Frame::Bare(items)) = stack.last_mut() {
                let value = Value::Tuple(std::mem::take(items));
                stack.pop();
                return Ok(value);
            }
            return Err(Error::truncated(lx.pos));
        };
        let mut value = match c {
            b'[' | b'(' | b'{' => {
                if stack.len() + depth >= MAX_DEPTH {
                    return Err(Error::too_deep(lx.pos));
                }
                lx.pos += 1;
                stack.push(match c {
                    b'[' => Frame::List(Vec::new()),
                    b'(' => Frame::Paren(Vec::new(), false),
                    _ => Frame::Brace,
                });
                may_close = true;
                continue 'value;
            }
            b']' | b')' | b'}' if may_close => {
                let value = match (stack.pop(), c) {
                    (Some(Frame::List(items)), b']') => Value::List(items),
                    (Some(Frame::Paren(items, _)), b')') => Value::Tuple(items),
                    (Some(Frame::Brace), b'}') => Value::new_dict(),
                    (Some(Frame::Set(set)), b'}') => Value::Set(Box::new(set)),
                    (Some(Frame::Dict(dict, None)), b'}') => finish_dict(dict),
                    _ => return Err(lx.unexpected("a value")),
                };
                lx.pos += 1;
                value
            }
            _ => lx.scalar(c)?,
        };
        // `value` is complete: hand it to the enclosing containers, closing as many as end here.
        loop {
            if depth > 0 && stack.is_empty() {
                return Ok(value);
            }
            lx.skip_ws();
            let Some(top) = stack.last_mut() else {
                match lx.peek() {
                    None => return Ok(value),
                    Some(b',') => {
                        lx.pos += 1;
                        stack.push(Frame::Bare(vec![value]));
                        may_close = true;
                        continue 'value;
                    }
                    Some(_) => return Err(lx.unexpected("the end of the data")),
                }
            };
            let Some(c) = lx.peek() else {
                if let Frame::Bare(items) = top {
                    items.push(value);
                    let value = Value::Tuple(std::mem::take(items));
                    stack.pop();
                    return Ok(value);
                }
                return Err(Error::truncated(lx.pos));
            };
            lx.pos += 1;
            match (top, c) {
                (Frame::List(items) | Frame::Bare(items), b',') => items.push(value),
                (Frame::List(items), b']') => {
                    items.push(value);
                    value = Value::List(std::mem::take(items));
                    stack.pop();
                    continue;
                }
                (Frame::Paren(items, tuple), b',') => {
                    items.push(value);
                    *tuple = true;
                }
                (Frame::Paren(items, tuple), b')') => {
                    if *tuple {
                        items.push(value);
                        value = Value::Tuple(std::mem::take(items));
                    }
                    stack.pop();
                    continue;
                }
                (top @ Frame::Brace, b':') => {
                    check_hashable(&value, lx.pos - 1)?;
                    *top = Frame::Dict(Dict::default(), Some(value));
                    may_close = false;
                    continue 'value;
                }
                (top @ Frame::Brace, b',' | b'}') => {
                    check_hashable(&value, lx.pos - 1)?;
                    let mut set = Set::default();
                    set.insert(value);
                    if c == b'}' {
                        value = Value::Set(Box::new(set));
                        stack.pop();
                        continue;
                    }
                    *top = Frame::Set(set);
                }
                (Frame::Set(set), b',' | b'}') => {
                    check_hashable(&value, lx.pos - 1)?;
                    set.insert(value);
                    if c == b'}' {
                        value = Value::Set(Box::new(std::mem::take(set)));
                        stack.pop();
                        continue;
                    }
                }
                (Frame::Dict(_, key @ None), b':') => {
                    check_hashable(&value, lx.pos - 1)?;
                    *key = Some(value);
                    may_close = false;
                    continue 'value;
                }
                (Frame::Dict(dict, key @ Some(_)), b',' | b'}') => {
                    if let Some(key) = key.take() {
                        dict.insert(key, value);
                    }
                    if c == b'}' {
                        value = finish_dict(std::mem::take(dict));
                        stack.pop();
                        continue;
                    }
                }
                (top, _) => {
                    lx.pos -= 1;
                    let expected = match top {
                        Frame::List(_) => "',' or ']'",
                        Frame::Paren(..) => "',' or ')'",
                        Frame::Brace => "':', ',' or '}'",
                        Frame::Set(_) => "',' or '}'",
                        Frame::Dict(_, None) => "':'",
                        Frame::Dict(_, Some(_)) => "',' or '}'",
                        Frame::Bare(_) => "',' or the end of the data",
                    };
                    return Err(lx.unexpected(expected));
                }
            }
            // A comma: the next value, or the closing bracket of a trailing comma.
            may_close = true;
            continue 'value;
        }
    }
}

/// The four items of a call payload `(object, method, vargs, kwargs)`, parsed without building
/// the tuple, when the payload is the plain shape Pyro sends: object and method as string
/// literals without escapes or prefixes, vargs and kwargs any literal. `None` for anything else
/// (escapes, bytes or concatenated names, a list or a bare tuple, a trailing comma, invalid
/// data, ...): the caller then decodes with [`decode`] as before.
///
/// Every step is one the general parser takes at the same position on the same input (the same
/// lexers, the same whitespace skipping, [`parse_value`] with the call tuple's nesting level for
/// vargs and kwargs), and `Some` only comes out where that parser succeeds; so the items are the
/// ones [`decode`] would put in the tuple, and errors stay its own.
pub(super) fn decode_call(input: &[u8]) -> Option<CallItems> {
    let src = std::str::from_utf8(input).ok()?;
    let lx = &mut Lexer::after_header(src);
    lx.skip_ws();
    lx.eat(b'(')?;
    lx.skip_ws();
    let object = lx.plain_str()?;
    lx.skip_ws();
    lx.eat(b',')?;
    lx.skip_ws();
    let method = lx.plain_str()?;
    lx.skip_ws();
    lx.eat(b',')?;
    lx.skip_ws();
    let vargs = match lx.flat_seq() {
        Some(vargs) => vargs,
        None => parse_value(lx, 1).ok()?,
    };
    lx.skip_ws();
    lx.eat(b',')?;
    lx.skip_ws();
    // The usual empty kwargs: skip boxing a dict that the call would unbox again.
    let kwargs = if src.as_bytes().get(lx.pos..lx.pos + 2) == Some(b"{}") {
        lx.pos += 2;
        None
    } else {
        Some(parse_value(lx, 1).ok()?)
    };
    lx.skip_ws();
    lx.eat(b')')?;
    lx.skip_ws();
    (lx.pos == src.len()).then(|| CallItems {
        object: object.to_owned(),
        method: method.to_owned(),
        vargs,
        kwargs,
    })
}

impl<'a> Lexer<'a> {
    /// Consumes `want` if it is the next byte.
    #[inline]
    fn eat(&mut self, want: u8) -> Option<()> {
        (self.peek()? == want).then(|| self.pos += 1)
    }

    /// A string literal without prefix, escapes, control chars (line ends, tabs, NUL) or triple
    /// quotes: borrowed from the input, the read position moved past it. `None` for anything
    /// else, where the caller goes the general way. The caller checks what follows (an adjacent
    /// literal would concatenate).
    pub(super) fn plain_str(&mut self) -> Option<&'a str> {
        let b = self.src.as_bytes();
        let quote = self.peek().filter(|&q| q == b'\'' || q == b'"')?;
        let body = self.pos + 1;
        if b.get(body) == Some(&quote) && b.get(body + 1) == Some(&quote) {
            return None;
        }
        let end = find_plain_end(b, body, quote);
        if b.get(end) != Some(&quote) {
            return None;
        }
        self.pos = end + 1;
        self.src.get(body..end)
    }

    /// A tuple or list of scalars only (the usual call arguments) at the read position, parsed
    /// the way [`parse_value`] does inside one container but without its stack; `None` (with
    /// the read position unchanged) for anything else, which [`parse_value`] then reads.
    fn flat_seq(&mut self) -> Option<Value> {
        let start = self.pos;
        let parsed = self.flat_seq_at();
        if parsed.is_none() {
            self.pos = start;
        }
        parsed
    }

    fn flat_seq_at(&mut self) -> Option<Value> {
        let close = match self.peek()? {
            b'(' => b')',
            b'[' => b']',
            _ => return None,
        };
        // Opened inside the call tuple, one level deep, which MAX_DEPTH always allows.
        const _: () = assert!(MAX_DEPTH > 1);
        self.pos += 1;
        self.skip_ws();
        // Sized at once for the usual few arguments (growing from empty costs more than the
        // allocation itself); `()` allocates nothing.
        let mut items = if self.peek() == Some(close) {
            Vec::new()
        } else {
            Vec::with_capacity(4)
        };
        // A parenthesized value is a tuple once it has a comma; a list always is a list.
        let mut seq = close == b']';
        loop {
            self.skip_ws();
            let c = self.peek()?;
            if c == close {
                // Right after the opening bracket or a comma.
                self.pos += 1;
                return Some(seq_value(close, items));
            }
            if matches!(c, b'(' | b'[' | b'{' | b')' | b']' | b'}') {
                return None;
            }
            let item = self.scalar(c).ok()?;
            self.skip_ws();
            match self.peek()? {
                b',' => {
                    self.pos += 1;
                    items.push(item);
                    seq = true;
                }
                c if c == close => {
                    self.pos += 1;
                    if !seq {
                        return Some(item);
                    }
                    items.push(item);
                    return Some(seq_value(close, items));
                }
                _ => return None,
            }
        }
    }
}

/// The tuple or list that `close` ends.
fn seq_value(close: u8, items: Vec<Value>) -> Value {
    if close == b']' {
        Value::List(items)
    } else {
        Value::Tuple(items)
    }
}

/// A finished dict, or the float it stands for: Pyro's serpent loader turns
/// `{'__class__':'float','value':'nan'}` into a float (serpent writes NaN that way).
fn finish_dict(dict: Dict) -> Value {
    if let Some(Value::Str(class)) = dict.get(&StrKey("__class__"))
        && class == "float"
        && let Some(Value::Str(text)) = dict.get(&StrKey("value"))
        && let Ok(f) = text.trim().parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Dict(Box::new(dict))
}
