//! Number literals: Python's int, float and imaginary tokens, unary signs, and the
//! `<real> +/- <imag>j` sums `ast.literal_eval` accepts, with Python 3.11's arithmetic.

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use super::decode::Lexer;
use crate::repr::{INT_MAX_STR_DIGITS, str_to_int_too_long_message};
use crate::{Error, ErrorKind, Result, Value};

/// One number token.
enum Num {
    Int(i128),
    Big(BigInt),
    Float(f64),
    Imag(f64),
}

/// A signed real number, the left operand of a complex sum.
enum Real {
    Int(i128),
    Big(BigInt),
    Float(f64),
}

impl Lexer<'_> {
    /// `[+|-] number [(+|-) imaginary]`: a real, an imaginary or a complex sum.
    pub(super) fn number_expr(&mut self) -> Result<Value> {
        let start = self.pos;
        let sign = match self.peek() {
            Some(c @ (b'-' | b'+')) => {
                self.pos += 1;
                self.skip_ws();
                Some(c)
            }
            _ => None,
        };
        let neg = sign == Some(b'-');
        let real = match self.number()? {
            Num::Imag(im) => {
                // -(0+imj) = (-0.0, -im); +x is x. No further `+`/`-` may follow a complex.
                return Ok(match neg {
                    true => Value::Complex { re: -0.0, im: -im },
                    false => Value::Complex { re: 0.0, im },
                });
            }
            Num::Int(i) => Real::Int(if neg { -i } else { i }),
            Num::Big(b) => Real::Big(if neg { -b } else { b }),
            Num::Float(f) => Real::Float(if neg { -f } else { f }),
        };
        // A complex sum `real + imag j` / `real - imag j` (serpent writes complex that way).
        let after_real = self.pos;
        self.skip_ws();
        let op = match self.peek() {
            Some(op @ (b'+' | b'-')) => op,
            _ => {
                self.pos = after_real;
                return Ok(match real {
                    Real::Int(i) => int_value(i),
                    Real::Big(b) => Value::from_bigint(b),
                    Real::Float(f) => Value::Float(f),
                });
            }
        };
        self.pos += 1;
        self.skip_ws();
        let imag_at = self.pos;
        if !matches!(self.peek(), Some(b'0'..=b'9' | b'.')) {
            return Err(self.unexpected("an imaginary number"));
        }
        let Num::Imag(im) = self.number()? else {
            if self.pos == self.src.len() {
                return Err(Error::truncated(self.pos));
            }
            return Err(Error::syntax(
                imag_at,
                "malformed serpent data: only an imaginary number may be added to a number",
            ));
        };
        let re = match real {
            Real::Int(i) => i as f64,
            Real::Float(f) => f,
            Real::Big(b) => match b.to_f64() {
                Some(f) if f.is_finite() => f,
                _ => {
                    return Err(
                        Error::new(ErrorKind::Value, "int too large to convert to float").at(start),
                    );
                }
            },
        };
        // Python 3.11 promotes the real to complex(re, 0.0) and adds component-wise, which
        // decides the sign of zero parts: (-0.0+0.0j) is 0j, (1.0-0.0j) is (1+0j).
        Ok(if op == b'+' {
            Value::Complex {
                re: re + 0.0,
                im: 0.0 + im,
            }
        } else {
            Value::Complex {
                re: re - 0.0,
                im: 0.0 - im,
            }
        })
    }

    /// One unsigned number token: `0x1f`, `0o17`, `0b1`, `123`, `1_000`, `1.5e-3`, `.5`, `2j`.
    fn number(&mut self) -> Result<Num> {
        let start = self.pos;
        let b = self.src.as_bytes();
        if b.get(start) == Some(&b'0') {
            let radix = match b.get(start + 1) {
                Some(b'x' | b'X') => 16,
                Some(b'o' | b'O') => 8,
                Some(b'b' | b'B') => 2,
                _ => 0,
            };
            if radix != 0 {
                self.pos += 2;
                return self.radix_int(start, radix);
            }
        }
        let (int_digits, mut underscores) = self.digits(10, false)?;
        let mut is_float = false;
        let mut frac_digits = 0;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            is_float = true;
            let (n, u) = self.digits(10, false)?;
            frac_digits = n;
            underscores |= u;
        }
        if int_digits == 0 && frac_digits == 0 {
            return Err(self.unexpected("a number"));
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            is_float = true;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            let (n, u) = self.digits(10, false)?;
            if n == 0 {
                return Err(self.bad_literal(start, "invalid decimal literal"));
            }
            underscores |= u;
        }
        let end = self.pos;
        let imag = matches!(self.peek(), Some(b'j' | b'J'));
        if imag {
            self.pos += 1;
        }
        self.check_token_end(start, if imag { "imaginary" } else { "decimal" })?;
        let text = &self.src[start..end];
        if is_float || imag {
            let f = parse_float(text, underscores)
                .ok_or_else(|| Error::syntax(start, "invalid decimal literal"))?;
            return Ok(if imag { Num::Imag(f) } else { Num::Float(f) });
        }
        // A decimal int: no leading zeros unless it is all zeros.
        let digits = text.bytes().filter(|&c| c != b'_');
        if text.starts_with('0') {
            if digits.clone().any(|c| c != b'0') {
                return Err(Error::syntax(
                    start,
                    "leading zeros in decimal integer literals are not permitted; \
                     use an 0o prefix for octal integers",
                ));
            }
            return Ok(Num::Int(0));
        }
        if int_digits <= 38 {
            // Fits in i128: 38 nines < 2^127.
            let v = digits.fold(0i128, |acc, c| acc * 10 + i128::from(c - b'0'));
            return Ok(Num::Int(v));
        }
        if int_digits > INT_MAX_STR_DIGITS {
            // Python's parser adds a hint to int()'s message.
            let message = str_to_int_too_long_message(int_digits)
                + " - Consider hexadecimal for big integer literals to bypass this limit.";
            return Err(Error::new(ErrorKind::Value, message).at(start));
        }
        big_int(text, 10, start)
    }

    /// The digits of a `0x`/`0o`/`0b` int, the read position just after the prefix.
    fn radix_int(&mut self, start: usize, radix: u32) -> Result<Num> {
        let digits_start = self.pos;
        let (n, _) = self.digits(radix, true)?;
        let kind = match radix {
            16 => "hexadecimal",
            8 => "octal",
            _ => "binary",
        };
        if n == 0 {
            return Err(self.bad_literal(start, &format!("invalid {kind} literal")));
        }
        if matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.bad_literal(self.pos, &format!("invalid digit in {kind} literal")));
        }
        self.check_token_end(start, kind)?;
        let text = &self.src[digits_start..self.pos];
        let bits_per_digit = radix.trailing_zeros() as usize;
        if n * bits_per_digit <= 126 {
            let v = text
                .bytes()
                .filter(|&c| c != b'_')
                .fold(0i128, |acc, c| acc * radix as i128 + hex_value(c));
            return Ok(Num::Int(v));
        }
        big_int(text, radix, start)
    }

    /// Consumes `digit (_? digit)*` in `radix` (with `leading_underscore`, also `_digit...` as
    /// after `0x`); returns the number of digits and whether underscores were seen.
    fn digits(&mut self, radix: u32, leading_underscore: bool) -> Result<(usize, bool)> {
        let b = self.src.as_bytes();
        let mut n = 0;
        let mut underscores = false;
        while let Some(&c) = b.get(self.pos) {
            if (c as char).is_digit(radix) {
                n += 1;
                self.pos += 1;
            } else if c == b'_' && (n > 0 || leading_underscore) {
                match b.get(self.pos + 1) {
                    Some(&d) if (d as char).is_digit(radix) => {
                        underscores = true;
                        self.pos += 1;
                    }
                    Some(_) => return Err(Error::syntax(self.pos, "invalid number literal")),
                    None => return Err(Error::truncated(self.pos + 1)),
                }
            } else {
                break;
            }
        }
        Ok((n, underscores))
    }

    /// A number directly followed by a letter, digit or `_` is a syntax error in Python.
    fn check_token_end(&self, start: usize, kind: &str) -> Result<()> {
        match self.peek() {
            Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                Err(self.bad_literal(start, &format!("invalid {kind} literal")))
            }
            _ => Ok(()),
        }
    }

    /// A malformed number: truncated if the input ends inside it, else a syntax error.
    fn bad_literal(&self, at: usize, message: &str) -> Error {
        if self.pos >= self.src.len() {
            return Error::truncated(self.pos);
        }
        Error::syntax(at, message.to_owned())
    }
}

fn int_value(i: i128) -> Value {
    match i64::try_from(i) {
        Ok(i) => Value::Int(i),
        Err(_) => Value::from_bigint(BigInt::from(i)),
    }
}

fn hex_value(c: u8) -> i128 {
    i128::from((c as char).to_digit(16).unwrap_or(0))
}

fn big_int(text: &str, radix: u32, at: usize) -> Result<Num> {
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'_').collect();
    BigInt::parse_bytes(&digits, radix)
        .map(Num::Big)
        .ok_or_else(|| Error::syntax(at, "invalid integer literal"))
}

/// Parses a validated float token (`1.5e3`, `.5`, `1.`, with `_` separators); huge exponents
/// give ±inf and tiny ones 0, as in Python.
fn parse_float(text: &str, underscores: bool) -> Option<f64> {
    if underscores {
        text.replace('_', "").parse().ok()
    } else {
        text.parse().ok()
    }
}
