//! Python's `decimal.Decimal` as sign, coefficient digits and exponent (or a special value),
//! read like `Decimal(str)` and written like `str(Decimal)`. Only pickle carries a Decimal as
//! such; serpent, json and msgpack write `str(d)`, marshal refuses it.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::{Error, ErrorKind, Result};

/// What kind of number a [`PyDecimal`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Finite,
    Infinity,
    /// Quiet NaN (its payload digits in `digits`).
    NaN,
    /// Signaling NaN.
    SNaN,
}

/// `decimal.Decimal`: exactly the number Python holds, trailing zeros included
/// (`Decimal('1.50')` stays `1.50`).
///
/// Equality is numeric, as in Python (`1.5 == 1.50`, `-0 == 0.000`), except that a NaN equals
/// a NaN of the same kind, sign and payload (so `Eq` holds; Python's `NaN != NaN`).
///
/// ```
/// use pyroxene_wire::value::PyDecimal;
/// let d: PyDecimal = "12.3e2".parse().unwrap();
/// assert_eq!(d.to_string(), "1.23E+3"); // Python's str(Decimal('12.3e2'))
/// assert_eq!("1.5".parse::<PyDecimal>().unwrap(), "1.50".parse().unwrap());
/// assert!("1.2.3".parse::<PyDecimal>().is_err());
/// ```
#[derive(Clone, Debug)]
pub struct PyDecimal {
    negative: bool,
    kind: Kind,
    /// ASCII digits of the coefficient without leading zeros ("0" for zero); a NaN's payload
    /// ("" for none).
    digits: Box<str>,
    exponent: i64,
}

/// Python's exponent bound on 64-bit builds (`decimal.MAX_EMAX`); keeps arithmetic in i64.
const MAX_EXPONENT: i64 = 999_999_999_999_999_999;

fn invalid(text: &str) -> Error {
    let mut message = String::from("Invalid literal for Decimal: ");
    crate::repr::write_str_repr(&mut message, text);
    Error::new(ErrorKind::Value, message)
}

impl FromStr for PyDecimal {
    type Err = Error;

    /// `Decimal(text)`: surrounding whitespace, a sign, digits with an optional point and
    /// exponent, `_` between digits, `Infinity`/`Inf`/`NaN`/`sNaN` (any case, NaN payloads).
    ///
    /// # Errors
    /// [`ErrorKind::Value`] "Invalid literal for Decimal: '...'".
    fn from_str(text: &str) -> Result<PyDecimal> {
        let cleaned: String = text.trim().chars().filter(|&c| c != '_').collect();
        if text.contains("__") || text.trim().starts_with('_') || text.trim().ends_with('_') {
            return Err(invalid(text));
        }
        let (negative, body) = match cleaned.as_bytes().first() {
            Some(b'-') => (true, &cleaned[1..]),
            Some(b'+') => (false, &cleaned[1..]),
            _ => (false, &cleaned[..]),
        };
        let lower = body.to_ascii_lowercase();
        if lower == "inf" || lower == "infinity" {
            return Ok(PyDecimal::special(negative, Kind::Infinity, ""));
        }
        for (prefix, kind) in [("snan", Kind::SNaN), ("nan", Kind::NaN)] {
            if let Some(payload) = lower.strip_prefix(prefix) {
                if !payload.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid(text));
                }
                return Ok(PyDecimal::special(
                    negative,
                    kind,
                    payload.trim_start_matches('0'),
                ));
            }
        }
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], Some(&body[i + 1..])),
            None => (body, None),
        };
        let (int_part, frac_part) = match mantissa.split_once('.') {
            Some((i, f)) => (i, f),
            None => (mantissa, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int_part.len() + frac_part.len() == 0 || !all_digits(int_part) || !all_digits(frac_part)
        {
            return Err(invalid(text));
        }
        let mut exp: i64 = match exponent {
            None => 0,
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty() || !all_digits(digits) {
                    return Err(invalid(text));
                }
                // Too many digits for i64 is out of Python's range too.
                e.parse().map_err(|_| invalid(text))?
            }
        };
        exp = exp
            .checked_sub(frac_part.len() as i64)
            .ok_or_else(|| invalid(text))?;
        let coefficient = format!("{int_part}{frac_part}");
        let coefficient = match coefficient.trim_start_matches('0') {
            "" => "0",
            c => c,
        };
        let adjusted = exp.saturating_add(coefficient.len() as i64 - 1);
        if !(-MAX_EXPONENT..=MAX_EXPONENT).contains(&adjusted) {
            return Err(invalid(text));
        }
        Ok(PyDecimal {
            negative,
            kind: Kind::Finite,
            digits: coefficient.into(),
            exponent: exp,
        })
    }
}

impl PyDecimal {
    fn special(negative: bool, kind: Kind, payload: &str) -> PyDecimal {
        PyDecimal {
            negative,
            kind,
            digits: payload.into(),
            exponent: 0,
        }
    }

    /// True for a finite number (not an infinity or NaN).
    pub fn is_finite(&self) -> bool {
        self.kind == Kind::Finite
    }

    /// True for a zero of any sign and exponent (`bool(d)` is its negation).
    pub fn is_zero(&self) -> bool {
        self.kind == Kind::Finite && &*self.digits == "0"
    }

    /// True for a negative number (including `-0`, `-Infinity` and `-NaN`).
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// The numeric identity of a finite value: zero has none beyond being zero; otherwise the
    /// coefficient without trailing zeros and the exponent adjusted for them.
    fn normalized(&self) -> Option<(bool, &str, i64)> {
        let trimmed = self.digits.trim_end_matches('0');
        if trimmed.is_empty() {
            return None;
        }
        let dropped = (self.digits.len() - trimmed.len()) as i64;
        Some((self.negative, trimmed, self.exponent + dropped))
    }
}

impl PartialEq for PyDecimal {
    fn eq(&self, other: &PyDecimal) -> bool {
        match (self.kind, other.kind) {
            (Kind::Finite, Kind::Finite) => self.normalized() == other.normalized(),
            (a, b) => a == b && self.negative == other.negative && self.digits == other.digits,
        }
    }
}

impl Eq for PyDecimal {}

impl Hash for PyDecimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self.kind {
            Kind::Finite => self.normalized().hash(state),
            kind => (kind, self.negative, &self.digits).hash(state),
        }
    }
}

impl fmt::Display for PyDecimal {
    /// `str(Decimal)`: scientific notation when the exponent is positive or the number is
    /// very small, as Python's `to_sci_string`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        match self.kind {
            Kind::Infinity => return f.write_str("Infinity"),
            Kind::NaN => return write!(f, "NaN{}", self.digits),
            Kind::SNaN => return write!(f, "sNaN{}", self.digits),
            Kind::Finite => {}
        }
        let digits = &*self.digits;
        let len = digits.len() as i64;
        let left_digits = self.exponent + len;
        let dot_place = if self.exponent <= 0 && left_digits > -6 {
            left_digits
        } else {
            1
        };
        if dot_place <= 0 {
            f.write_str("0.")?;
            for _ in 0..-dot_place {
                f.write_str("0")?;
            }
            f.write_str(digits)?;
        } else if dot_place >= len {
            f.write_str(digits)?;
            for _ in 0..dot_place - len {
                f.write_str("0")?;
            }
        } else {
            let (int, frac) = digits.split_at(dot_place as usize);
            write!(f, "{int}.{frac}")?;
        }
        if left_digits != dot_place {
            write!(f, "E{:+}", left_digits - dot_place)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::PyDecimal;

    /// Each input with `str(Decimal(input))` as CPython 3.11 prints it.
    #[test]
    fn str_like_python() {
        for (input, python) in [
            ("1.50", "1.50"),
            ("1E+2", "1E+2"),
            ("100", "100"),
            ("0.000001", "0.000001"),
            ("1e-7", "1E-7"),
            ("-0", "-0"),
            ("-0.00", "-0.00"),
            ("NaN0012", "NaN12"),
            ("-inf", "-Infinity"),
            ("sNaN", "sNaN"),
            ("1_000", "1000"),
            (" 1.5 ", "1.5"),
            ("+.5", "0.5"),
            ("5.", "5"),
            ("1e999999999999999999", "1E+999999999999999999"),
            ("0e-1000", "0E-1000"),
            ("123456789e-20", "1.23456789E-12"),
            ("1.23E+5", "1.23E+5"),
            ("12.3e2", "1.23E+3"),
        ] {
            let d: PyDecimal = input.parse().unwrap();
            assert_eq!(d.to_string(), python, "{input}");
        }
    }

    #[test]
    fn numeric_equality() {
        let d = |s: &str| s.parse::<PyDecimal>().unwrap();
        assert_eq!(d("1.5"), d("1.50"));
        assert_eq!(d("-0"), d("0.000"));
        assert_eq!(d("1E+2"), d("100"));
        assert_ne!(d("1.5"), d("-1.5"));
        assert_eq!(d("NaN"), d("NaN"));
        assert_ne!(d("NaN"), d("sNaN"));
        let fixed = foldhash::fast::FixedState::with_seed(3);
        use std::hash::BuildHasher;
        assert_eq!(fixed.hash_one(d("1.5")), fixed.hash_one(d("1.500")));
    }

    #[test]
    fn refuses_what_python_refuses() {
        for bad in [
            "",
            "1.2.3",
            "e5",
            "1e",
            "--1",
            "1__0",
            "_1",
            "nan1x",
            "1e1000000000000000000",
        ] {
            assert!(bad.parse::<PyDecimal>().is_err(), "{bad}");
        }
    }
}
