//! String and bytes literals: quotes, triple quotes, `r`/`u`/`b` prefixes, escapes, and the
//! concatenation of adjacent literals.

use std::borrow::Cow;

use super::decode::{Lexer, nul_error};
use super::scan::find_special;
use crate::{Error, ErrorKind, Result, Value};

/// One literal's content, borrowed from the input when it has no escapes.
enum Lit<'a> {
    Str(Cow<'a, str>),
    Bytes(Cow<'a, [u8]>),
}

/// How to read a literal's body.
#[derive(Clone, Copy)]
struct Kind {
    quote: u8,
    triple: bool,
    raw: bool,
    bytes: bool,
}

impl<'a> Lexer<'a> {
    /// One string or bytes literal (its prefix is `prefix_len` letters at the read position),
    /// concatenated with the literals that directly follow it, as Python does.
    pub(super) fn strings(&mut self, prefix_len: usize) -> Result<Value> {
        // Most literals are plain `'text'` with nothing after them to concatenate: read those
        // without the general machinery (prefix, escapes, triple quotes, concatenation). The
        // steps and the result are the general ones; anything else starts over below.
        let start = self.pos;
        if prefix_len == 0
            && let Some(text) = self.plain_str()
        {
            let after = self.pos;
            self.skip_ws();
            if self.string_start().is_none() {
                self.pos = after;
                return Ok(Value::Str(text.to_owned()));
            }
            self.pos = start;
        }
        let mut value = match self.literal(prefix_len)? {
            Lit::Str(s) => Value::Str(s.into_owned()),
            Lit::Bytes(b) => Value::Bytes(b.into_owned().into()),
        };
        loop {
            let after = self.pos;
            self.skip_ws();
            let Some(prefix_len) = self.string_start() else {
                self.pos = after;
                return Ok(value);
            };
            let at = self.pos;
            match (&mut value, self.literal(prefix_len)?) {
                (Value::Str(s), Lit::Str(more)) => s.push_str(&more),
                (Value::Bytes(b), Lit::Bytes(more)) => {
                    // Rare (adjacent literals): rebuild rather than keep a growable buffer.
                    *b = [b.as_ref(), more.as_ref()].concat().into();
                }
                _ => {
                    return Err(Error::syntax(at, "cannot mix bytes and nonbytes literals"));
                }
            }
        }
    }

    /// If a literal starts at the read position: the length of its prefix (0 to 2 letters).
    fn string_start(&self) -> Option<usize> {
        (0..=2).find_map(|len| match self.byte(self.pos + len)? {
            b'\'' | b'"' => Some(Some(len)),
            c if c.is_ascii_alphabetic() => None,
            _ => Some(None),
        })?
    }

    fn literal(&mut self, prefix_len: usize) -> Result<Lit<'a>> {
        let start = self.pos;
        let prefix = &self.src.as_bytes()[start..start + prefix_len];
        // Matched as bytes: lowercasing into a String cost an allocation check per literal.
        let (raw, bytes) = match prefix {
            [] | [b'u' | b'U'] => (false, false),
            [b'r' | b'R'] => (true, false),
            [b'b' | b'B'] => (false, true),
            [b'b' | b'B', b'r' | b'R'] | [b'r' | b'R', b'b' | b'B'] => (true, true),
            _ => {
                let prefix = self.src[start..start + prefix_len].to_ascii_lowercase();
                return Err(Error::syntax(
                    start,
                    format!("malformed serpent data: {prefix:?}-prefixed strings are not literals"),
                ));
            }
        };
        let b = self.src.as_bytes();
        let body = start + prefix_len;
        let quote = b[body];
        let triple = b.get(body + 1) == Some(&quote) && b.get(body + 2) == Some(&quote);
        let kind = Kind {
            quote,
            triple,
            raw,
            bytes,
        };
        let body = body + if triple { 3 } else { 1 };
        // Fast path: a body without backslashes or carriage returns is borrowed as it is.
        let mut i = body;
        loop {
            i = find_special(b, i, quote, bytes);
            let Some(&c) = b.get(i) else {
                return Err(Error::truncated(b.len()));
            };
            match c {
                b'\\' | b'\r' => return self.literal_slow(body, i, kind),
                0 => return Err(nul_error(i)),
                b'\n' if !triple => return Err(unterminated(i)),
                0x80.. if bytes => return Err(non_ascii_bytes(i)),
                _ if c == quote && kind.ends_at(b, i) => break,
                _ => i += 1,
            }
        }
        self.pos = i + if triple { 3 } else { 1 };
        Ok(if bytes {
            Lit::Bytes(Cow::Borrowed(&b[body..i]))
        } else {
            Lit::Str(Cow::Borrowed(&self.src[body..i]))
        })
    }

    /// A body with escapes or `\r` from `i` on (`body..i` is plain text), copied into a buffer.
    fn literal_slow(&mut self, body: usize, i: usize, kind: Kind) -> Result<Lit<'a>> {
        if kind.bytes {
            let (buf, end) = self.body_into(Vec::new(), body, i, kind)?;
            self.pos = end;
            return Ok(Lit::Bytes(Cow::Owned(buf)));
        }
        let (buf, end) = self.body_into(String::new(), body, i, kind)?;
        self.pos = end;
        Ok(Lit::Str(Cow::Owned(buf)))
    }

    /// Appends the literal body from `body` on to `buf`; returns it and the position after the
    /// closing quote.
    fn body_into<S: Sink>(
        &self,
        mut buf: S,
        body: usize,
        mut i: usize,
        kind: Kind,
    ) -> Result<(S, usize)> {
        let b = self.src.as_bytes();
        buf.reserve(i - body + 16);
        buf.text(self.src, body, i)?;
        loop {
            let Some(&c) = b.get(i) else {
                return Err(Error::truncated(b.len()));
            };
            match c {
                b'\\' => i = escape(b, i, &mut buf, kind)?,
                0 => return Err(nul_error(i)),
                b'\n' | b'\r' if !kind.triple => return Err(unterminated(i)),
                b'\r' => {
                    // Python reads source with universal newlines: \r\n and \r become \n.
                    buf.ascii(b'\n');
                    i += 1 + usize::from(b.get(i + 1) == Some(&b'\n'));
                }
                0x80.. if kind.bytes => return Err(non_ascii_bytes(i)),
                _ if c == kind.quote && kind.ends_at(b, i) => break,
                _ => {
                    let run = i;
                    i = find_special(b, i + 1, kind.quote, kind.bytes);
                    buf.text(self.src, run, i)?;
                }
            }
        }
        Ok((buf, i + if kind.triple { 3 } else { 1 }))
    }
}

/// Where a literal's content goes: a `String` for str, a `Vec<u8>` for bytes.
trait Sink {
    fn reserve(&mut self, additional: usize);
    /// Appends `src[from..to]` (both ends are char boundaries by construction).
    fn text(&mut self, src: &str, from: usize, to: usize) -> Result<()>;
    /// Appends an ASCII byte.
    fn ascii(&mut self, b: u8);
    /// Appends the char (str) or byte (bytes, masked to 8 bits) of an escape at `at`.
    fn code(&mut self, code: u32, at: usize) -> Result<()>;
}

impl Sink for String {
    fn reserve(&mut self, additional: usize) {
        String::reserve(self, additional);
    }

    fn text(&mut self, src: &str, from: usize, to: usize) -> Result<()> {
        let text = src
            .get(from..to)
            .ok_or_else(|| Error::syntax(from, "invalid UTF-8 in a string"))?;
        self.push_str(text);
        Ok(())
    }

    fn ascii(&mut self, b: u8) {
        self.push(char::from(b));
    }

    fn code(&mut self, code: u32, at: usize) -> Result<()> {
        match char::from_u32(code) {
            Some(c) => {
                self.push(c);
                Ok(())
            }
            None if (0xD800..0xE000).contains(&code) => {
                Err(crate::serializer::lone_surrogate(code).at(at))
            }
            None => Err(Error::syntax(at, "illegal Unicode character in \\U escape")),
        }
    }
}

impl Sink for Vec<u8> {
    fn reserve(&mut self, additional: usize) {
        Vec::reserve(self, additional);
    }

    fn text(&mut self, src: &str, from: usize, to: usize) -> Result<()> {
        self.extend_from_slice(&src.as_bytes()[from..to]);
        Ok(())
    }

    fn ascii(&mut self, b: u8) {
        self.push(b);
    }

    fn code(&mut self, code: u32, _at: usize) -> Result<()> {
        self.push((code & 0xff) as u8);
        Ok(())
    }
}

impl Kind {
    /// Whether the quote at `i` closes the literal.
    fn ends_at(self, b: &[u8], i: usize) -> bool {
        !self.triple || (b.get(i + 1) == Some(&self.quote) && b.get(i + 2) == Some(&self.quote))
    }
}

/// Handles the backslash at `i`, appending what it stands for; returns where reading goes on.
fn escape<S: Sink>(b: &[u8], i: usize, buf: &mut S, kind: Kind) -> Result<usize> {
    let Some(&n) = b.get(i + 1) else {
        return Err(Error::truncated(b.len()));
    };
    if n == b'\n' || n == b'\r' {
        // A line continuation; a raw literal keeps the backslash and the newline.
        if kind.raw {
            buf.ascii(b'\\');
            buf.ascii(b'\n');
        }
        return Ok(i + 2 + usize::from(n == b'\r' && b.get(i + 2) == Some(&b'\n')));
    }
    if kind.raw {
        // The backslash stays, and the next char (even a quote) cannot end the literal.
        buf.ascii(b'\\');
        if n == 0 {
            return Err(nul_error(i + 1));
        }
        if n < 0x80 {
            buf.ascii(n);
            return Ok(i + 2);
        }
        return Ok(i + 1);
    }
    let simple = match n {
        b'\\' | b'\'' | b'"' => n,
        b'a' => 0x07,
        b'b' => 0x08,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'v' => 0x0b,
        _ => 0,
    };
    if simple != 0 {
        buf.ascii(simple);
        return Ok(i + 2);
    }
    match n {
        b'0'..=b'7' => {
            let mut j = i + 1;
            let mut code = 0u32;
            while j < i + 4 && matches!(b.get(j), Some(b'0'..=b'7')) {
                code = code * 8 + u32::from(b[j] - b'0');
                j += 1;
            }
            buf.code(code, i)?;
            Ok(j)
        }
        b'x' => {
            buf.code(hex_escape(b, i, 2)?, i)?;
            Ok(i + 4)
        }
        b'u' | b'U' if !kind.bytes => {
            let len = if n == b'u' { 4 } else { 8 };
            buf.code(hex_escape(b, i, len)?, i)?;
            Ok(i + 2 + len)
        }
        b'N' if !kind.bytes => Err(Error::new(
            ErrorKind::Unsupported,
            "\\N{...} escapes (Unicode character names) are not supported in serpent data",
        )
        .at(i)),
        _ => {
            // Not an escape: Python keeps the backslash (the next char is copied as usual).
            buf.ascii(b'\\');
            Ok(i + 1)
        }
    }
}

/// The `len` hex digits after the `\x`/`\u`/`\U` at `i`.
fn hex_escape(b: &[u8], i: usize, len: usize) -> Result<u32> {
    let mut code = 0u32;
    for k in 0..len {
        match b.get(i + 2 + k) {
            Some(&c) if c.is_ascii_hexdigit() => {
                code = code * 16 + (c as char).to_digit(16).unwrap_or(0);
            }
            Some(_) => {
                let name = match len {
                    2 => "\\xXX",
                    4 => "\\uXXXX",
                    _ => "\\UXXXXXXXX",
                };
                return Err(Error::syntax(i, format!("truncated {name} escape")));
            }
            None => return Err(Error::truncated(b.len())),
        }
    }
    Ok(code)
}

fn unterminated(at: usize) -> Error {
    Error::syntax(at, "unterminated string literal")
}

fn non_ascii_bytes(at: usize) -> Error {
    Error::syntax(at, "bytes can only contain ASCII literal characters")
}
