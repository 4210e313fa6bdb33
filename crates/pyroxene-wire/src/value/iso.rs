//! Reading the `isoformat()` strings back (Python's `fromisoformat` for the forms Python
//! writes): how a datetime a Python peer sent through serpent or json, which arrives as a str,
//! still fills a Rust datetime field.

use super::date_time::{PyDate, PyDateTime, PyTime, PyTimeZone};
use crate::{Error, ErrorKind, Result};

fn invalid(what: &str, text: &str) -> Error {
    let mut message = format!("Invalid isoformat string for {what}: ");
    crate::repr::write_str_repr(&mut message, text);
    Error::new(ErrorKind::Value, message)
}

/// A cursor over ASCII digits and separators.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let (head, tail) = self.rest.split_at_checked(n)?;
        if !head.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.rest = tail;
        Some(head.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
    }

    fn eat(&mut self, c: u8) -> bool {
        match self.rest.split_first() {
            Some((&first, tail)) if first == c => {
                self.rest = tail;
                true
            }
            _ => false,
        }
    }

    /// `.ffffff` (1 to 6 digits, or more, cut to 6 as Python does), if present.
    fn fraction(&mut self) -> Option<u32> {
        if !(self.eat(b'.') || self.eat(b',')) {
            return Some(0);
        }
        let n = self.rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let mut micros = 0u32;
        for (i, d) in self.rest[..n].iter().enumerate() {
            if i < 6 {
                micros = micros * 10 + u32::from(d - b'0');
            }
        }
        for _ in n..6 {
            micros *= 10;
        }
        self.rest = &self.rest[n..];
        Some(micros)
    }

    fn date(&mut self) -> Option<Result<PyDate>> {
        let year = self.digits(4)?;
        let dashed = self.eat(b'-');
        let month = self.digits(2)?;
        if dashed && !self.eat(b'-') {
            return None;
        }
        let day = self.digits(2)?;
        Some(PyDate::new(year as i32, month as u8, day as u8))
    }

    /// `HH[:MM[:SS[.ffffff]]]` and an optional offset.
    fn time(&mut self) -> Option<Result<PyTime>> {
        let hour = self.digits(2)?;
        let (mut minute, mut second, mut micros) = (0, 0, 0);
        if self.eat(b':') {
            minute = self.digits(2)?;
            if self.eat(b':') {
                second = self.digits(2)?;
                micros = self.fraction()?;
            }
        }
        let tz = match self.offset()? {
            Ok(tz) => tz,
            Err(e) => return Some(Err(e)),
        };
        Some(PyTime::new(hour as u8, minute as u8, second as u8, micros).map(|t| t.with_tz(tz)))
    }

    /// `Z`, `±HH:MM[:SS[.ffffff]]` or nothing.
    fn offset(&mut self) -> Option<Result<Option<PyTimeZone>>> {
        if self.eat(b'Z') {
            return Some(Ok(Some(PyTimeZone::utc())));
        }
        let sign = if self.eat(b'+') {
            1
        } else if self.eat(b'-') {
            -1
        } else {
            return Some(Ok(None));
        };
        let hours = i64::from(self.digits(2)?);
        let mut minutes = 0;
        let (mut seconds, mut micros) = (0, 0);
        if self.eat(b':') {
            minutes = i64::from(self.digits(2)?);
            if self.eat(b':') {
                seconds = i64::from(self.digits(2)?);
                micros = i64::from(self.fraction()?);
            }
        }
        let total = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + micros;
        Some(PyTimeZone::new(sign * total).map(Some))
    }
}

/// `date.fromisoformat(text)`: `YYYY-MM-DD` (or `YYYYMMDD`).
///
/// # Errors
/// [`ErrorKind::Value`]: "Invalid isoformat string for date: '...'" or the range error.
pub fn parse_date(text: &str) -> Result<PyDate> {
    let mut c = Cursor {
        rest: text.as_bytes(),
    };
    match c.date() {
        Some(date) if c.rest.is_empty() => date,
        _ => Err(invalid("date", text)),
    }
}

/// `time.fromisoformat(text)`: `HH[:MM[:SS[.ffffff]]]` and an optional `Z`/`±HH:MM` offset.
///
/// # Errors
/// [`ErrorKind::Value`] for anything else, or a field out of range.
pub fn parse_time(text: &str) -> Result<PyTime> {
    let mut c = Cursor {
        rest: text.as_bytes(),
    };
    c.eat(b'T');
    match c.time() {
        Some(time) if c.rest.is_empty() => time,
        _ => Err(invalid("time", text)),
    }
}

/// `datetime.fromisoformat(text)`: a date, then optionally `T` (or a space) and a time.
///
/// ```
/// use pyroxene_wire::value::iso;
/// let dt = iso::parse_datetime("2020-01-02T03:04:05.006789+02:30").unwrap();
/// assert_eq!(dt.to_string(), "2020-01-02T03:04:05.006789+02:30");
/// assert!(iso::parse_datetime("2020-01-02 03:04").is_ok());
/// assert!(iso::parse_datetime("yesterday").is_err());
/// ```
///
/// # Errors
/// [`ErrorKind::Value`] for anything else, or a field out of range.
pub fn parse_datetime(text: &str) -> Result<PyDateTime> {
    let mut c = Cursor {
        rest: text.as_bytes(),
    };
    let Some(date) = c.date() else {
        return Err(invalid("datetime", text));
    };
    let date = date?;
    if c.rest.is_empty() {
        return Ok(PyDateTime::new(date, PyTime::MIDNIGHT));
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return Err(invalid("datetime", text));
    }
    match c.time() {
        Some(time) if c.rest.is_empty() => Ok(PyDateTime::new(date, time?)),
        _ => Err(invalid("datetime", text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_isoformat_writes() {
        for text in [
            "2020-01-02T03:04:05.006789",
            "2020-01-02T03:04:05",
            "0001-01-01T00:00:00+00:00",
            "9999-12-31T23:59:59.999999-23:59:59.999999",
            "2020-01-02T03:04:05.006789+02:30",
        ] {
            assert_eq!(parse_datetime(text).unwrap().to_string(), text);
        }
        assert_eq!(parse_date("2021-12-31").unwrap().to_string(), "2021-12-31");
        assert_eq!(
            parse_time("03:04:05+01:00").unwrap().to_string(),
            "03:04:05+01:00"
        );
        assert_eq!(
            parse_datetime("2020-01-02T03:04Z").unwrap().to_string(),
            "2020-01-02T03:04:00+00:00"
        );
    }

    #[test]
    fn refuses_other_text() {
        for text in [
            "",
            "2020-1-2",
            "2020-01-02T",
            "2020-01-02T03:04:05.",
            "2020-02-30",
        ] {
            assert!(parse_datetime(text).is_err(), "{text}");
        }
        assert_eq!(
            parse_date("x").unwrap_err().message(),
            "Invalid isoformat string for date: 'x'"
        );
    }
}
