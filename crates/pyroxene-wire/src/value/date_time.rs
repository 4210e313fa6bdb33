//! Python's `datetime.date`, `datetime.time`, `datetime.datetime` and the fixed-offset
//! `datetime.timezone`, as small plain types of our own: they hold exactly what the Python
//! peers carry (pickle: every field, fold and a timezone's name included; msgpack: naive
//! datetimes and dates; serpent/json: their `isoformat()` strings), and convert to and from
//! the `time` crate (and `chrono`, behind the `chrono` feature) in [`super::datetime_convert`].
//!
//! Constructors check ranges as Python's do, with Python's `ValueError` texts
//! ([`ErrorKind::Value`]). Equality and hashing follow Python (see the table in
//! [`crate::value`]): naive values compare by their fields, aware ones by the instant they
//! name, a naive one never equals an aware one, and `fold` is ignored.

use std::fmt::{self, Write};
use std::hash::{Hash, Hasher};

use crate::{Error, ErrorKind, Result};

fn value_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Value, message)
}

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// `datetime.date`: a proleptic Gregorian date, years 1 to 9999.
///
/// ```
/// use pyroxene_wire::value::PyDate;
/// let d = PyDate::new(2021, 12, 31).unwrap();
/// assert_eq!(d.to_string(), "2021-12-31"); // Display: isoformat(); Value's Display: repr()
/// assert_eq!(d.ordinal(), 738_155);
/// assert_eq!(PyDate::new(2021, 2, 29).unwrap_err().message(), "day is out of range for month");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PyDate {
    year: u16,
    month: u8,
    day: u8,
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days before January 1st of `year` since 0001-01-01 (Python's `_days_before_year`).
fn days_before_year(year: i32) -> i64 {
    let y = i64::from(year) - 1;
    y * 365 + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400)
}

const DAYS_BEFORE_MONTH: [u16; 13] = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

impl PyDate {
    /// The earliest date Python has, 0001-01-01.
    pub const MIN: PyDate = PyDate {
        year: 1,
        month: 1,
        day: 1,
    };

    /// `date(year, month, day)`.
    ///
    /// # Errors
    /// [`ErrorKind::Value`] with Python's text ("year 0 is out of range", "month must be in
    /// 1..12", "day is out of range for month").
    pub fn new(year: i32, month: u8, day: u8) -> Result<PyDate> {
        if !(1..=9999).contains(&year) {
            return Err(value_error(format!("year {year} is out of range")));
        }
        if !(1..=12).contains(&month) {
            return Err(value_error("month must be in 1..12"));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(value_error("day is out of range for month"));
        }
        Ok(PyDate {
            year: year as u16,
            month,
            day,
        })
    }

    /// The year, 1..=9999.
    pub fn year(&self) -> i32 {
        i32::from(self.year)
    }

    /// The month, 1..=12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, 1..=31.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// `date.toordinal()`: 1 for 0001-01-01.
    pub fn ordinal(&self) -> i64 {
        let year = self.year();
        let leap_day = i64::from(self.month > 2 && is_leap(year));
        days_before_year(year)
            + i64::from(DAYS_BEFORE_MONTH[usize::from(self.month)])
            + leap_day
            + i64::from(self.day)
    }

    /// `date.fromordinal(n)`.
    ///
    /// # Errors
    /// [`ErrorKind::Value`]: "ordinal must be >= 1", "year 10000 is out of range".
    pub fn from_ordinal(n: i64) -> Result<PyDate> {
        if n < 1 {
            return Err(value_error("ordinal must be >= 1"));
        }
        if n > PyDate::MAX_ORDINAL {
            return Err(value_error("year 10000 is out of range"));
        }
        // The year from an estimate, corrected by at most one either way.
        let mut year = ((n - 1) * 400 / 146_097 + 1) as i32;
        while days_before_year(year) >= n {
            year -= 1;
        }
        while days_before_year(year + 1) < n {
            year += 1;
        }
        let mut day_of_year = (n - days_before_year(year)) as u16; // 1..=366
        let mut month = 1u8;
        loop {
            let len = u16::from(days_in_month(year, month));
            if day_of_year <= len {
                break;
            }
            day_of_year -= len;
            month += 1;
        }
        PyDate::new(year, month, day_of_year as u8)
    }

    /// The ordinal of 9999-12-31.
    pub(crate) const MAX_ORDINAL: i64 = 3_652_059;
}

impl fmt::Display for PyDate {
    /// `date.isoformat()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// `datetime.timezone`: a fixed offset from UTC, optionally named. Python's `timezone.utc` is
/// the offset 0 without a name.
///
/// Two timezones are equal when their offsets are (the name does not count, as in Python).
///
/// ```
/// use pyroxene_wire::value::PyTimeZone;
/// let cest = PyTimeZone::with_name(7_200_000_000, "CEST").unwrap();
/// assert_eq!(cest.offset_micros(), 7_200_000_000);
/// assert_eq!(cest, PyTimeZone::new(7_200_000_000).unwrap());
/// assert_eq!(cest.to_string(), "+02:00");
/// ```
#[derive(Clone, Debug)]
pub struct PyTimeZone {
    offset_micros: i64,
    name: Option<Box<str>>,
}

impl PyTimeZone {
    /// `timezone.utc`.
    pub fn utc() -> PyTimeZone {
        PyTimeZone {
            offset_micros: 0,
            name: None,
        }
    }

    /// `timezone(timedelta(microseconds=offset_micros))`.
    ///
    /// # Errors
    /// [`ErrorKind::Value`] unless the offset is strictly within ±24 hours, as Python requires.
    pub fn new(offset_micros: i64) -> Result<PyTimeZone> {
        if offset_micros <= -MICROS_PER_DAY || offset_micros >= MICROS_PER_DAY {
            let mut text = String::new();
            write_timedelta_repr(&mut text, offset_micros);
            return Err(value_error(format!(
                "offset must be a timedelta strictly between -timedelta(hours=24) and \
                 timedelta(hours=24), not {text}."
            )));
        }
        Ok(PyTimeZone {
            offset_micros,
            name: None,
        })
    }

    /// `timezone(timedelta(microseconds=offset_micros), name)`.
    ///
    /// # Errors
    /// As [`PyTimeZone::new`].
    pub fn with_name(offset_micros: i64, name: impl Into<String>) -> Result<PyTimeZone> {
        let mut tz = PyTimeZone::new(offset_micros)?;
        tz.name = Some(name.into().into_boxed_str());
        Ok(tz)
    }

    /// The offset from UTC in microseconds (east positive), strictly within ±24 hours.
    pub fn offset_micros(&self) -> i64 {
        self.offset_micros
    }

    /// The name given to `timezone(offset, name)`, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Python's `repr()` of this timezone.
    pub(crate) fn write_repr(&self, out: &mut String) {
        if self.offset_micros == 0 && self.name.is_none() {
            out.push_str("datetime.timezone.utc");
            return;
        }
        out.push_str("datetime.timezone(");
        write_timedelta_repr(out, self.offset_micros);
        if let Some(name) = &self.name {
            out.push_str(", ");
            crate::repr::write_str_repr(out, name);
        }
        out.push(')');
    }
}

impl PartialEq for PyTimeZone {
    fn eq(&self, other: &PyTimeZone) -> bool {
        self.offset_micros == other.offset_micros
    }
}

impl Eq for PyTimeZone {}

impl Hash for PyTimeZone {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.offset_micros.hash(state);
    }
}

impl fmt::Display for PyTimeZone {
    /// The `+HH:MM[:SS[.ffffff]]` suffix `isoformat()` writes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.offset_micros < 0 { '-' } else { '+' };
        let off = self.offset_micros.unsigned_abs();
        let (secs, micros) = (off / 1_000_000, off % 1_000_000);
        write!(f, "{sign}{:02}:{:02}", secs / 3600, secs / 60 % 60)?;
        if secs % 60 != 0 || micros != 0 {
            write!(f, ":{:02}", secs % 60)?;
        }
        if micros != 0 {
            write!(f, ".{micros:06}")?;
        }
        Ok(())
    }
}

/// `repr(timedelta(microseconds=micros))`: days, seconds and microseconds normalized as
/// Python does (seconds and microseconds never negative).
pub(crate) fn write_timedelta_repr(out: &mut String, micros: i64) {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let rest = micros.rem_euclid(MICROS_PER_DAY);
    let (seconds, us) = (rest / MICROS_PER_SECOND, rest % MICROS_PER_SECOND);
    out.push_str("datetime.timedelta(");
    let mut parts = Vec::new();
    if days != 0 {
        parts.push(format!("days={days}"));
    }
    if seconds != 0 {
        parts.push(format!("seconds={seconds}"));
    }
    if us != 0 {
        parts.push(format!("microseconds={us}"));
    }
    if parts.is_empty() {
        out.push('0');
    }
    out.push_str(&parts.join(", "));
    out.push(')');
}

/// `datetime.time`: a time of day with microseconds, an optional fixed-offset timezone and
/// Python's `fold` (which of two repeated wall-clock times is meant; pickle carries it).
///
/// ```
/// use pyroxene_wire::value::{PyTime, PyTimeZone};
/// let t = PyTime::new(3, 4, 5, 6789).unwrap();
/// assert_eq!(t.to_string(), "03:04:05.006789");
/// let aware = t.clone().with_tz(Some(PyTimeZone::new(-18_000_000_000).unwrap()));
/// assert_eq!(aware.to_string(), "03:04:05.006789-05:00");
/// assert_ne!(t, aware); // naive and aware are never equal
/// ```
#[derive(Clone, Debug)]
pub struct PyTime {
    hour: u8,
    minute: u8,
    second: u8,
    fold: bool,
    microsecond: u32,
    /// Boxed: keeps [`crate::Value`] small; most times are naive.
    tz: Option<Box<PyTimeZone>>,
}

impl PyTime {
    /// Midnight, naive.
    pub const MIDNIGHT: PyTime = PyTime {
        hour: 0,
        minute: 0,
        second: 0,
        fold: false,
        microsecond: 0,
        tz: None,
    };

    /// `time(hour, minute, second, microsecond)`, naive, fold 0.
    ///
    /// # Errors
    /// [`ErrorKind::Value`] with Python's text ("hour must be in 0..23", ...).
    pub fn new(hour: u8, minute: u8, second: u8, microsecond: u32) -> Result<PyTime> {
        if hour > 23 {
            return Err(value_error("hour must be in 0..23"));
        }
        if minute > 59 {
            return Err(value_error("minute must be in 0..59"));
        }
        if second > 59 {
            return Err(value_error("second must be in 0..59"));
        }
        if microsecond > 999_999 {
            return Err(value_error("microsecond must be in 0..999999"));
        }
        Ok(PyTime {
            hour,
            minute,
            second,
            fold: false,
            microsecond,
            tz: None,
        })
    }

    /// This time with timezone `tz` (`None`: naive).
    pub fn with_tz(mut self, tz: Option<PyTimeZone>) -> PyTime {
        self.tz = tz.map(Box::new);
        self
    }

    /// This time with Python's `fold` attribute (`true` for `fold=1`).
    pub fn with_fold(mut self, fold: bool) -> PyTime {
        self.fold = fold;
        self
    }

    /// The hour, 0..=23.
    pub fn hour(&self) -> u8 {
        self.hour
    }

    /// The minute, 0..=59.
    pub fn minute(&self) -> u8 {
        self.minute
    }

    /// The second, 0..=59.
    pub fn second(&self) -> u8 {
        self.second
    }

    /// The microsecond, 0..=999_999.
    pub fn microsecond(&self) -> u32 {
        self.microsecond
    }

    /// Python's `fold` (`true` for `fold=1`).
    pub fn fold(&self) -> bool {
        self.fold
    }

    /// The timezone, `None` when naive.
    pub fn tz(&self) -> Option<&PyTimeZone> {
        self.tz.as_deref()
    }

    /// Microseconds since midnight (wall clock, offset not applied).
    pub(crate) fn micros_of_day(&self) -> i64 {
        (i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second))
            * MICROS_PER_SECOND
            + i64::from(self.microsecond)
    }

    /// The naive fields as a comparable tuple.
    fn fields(&self) -> (u8, u8, u8, u32) {
        (self.hour, self.minute, self.second, self.microsecond)
    }

    /// Python's `repr()` of this time.
    pub(crate) fn write_repr(&self, out: &mut String) {
        out.push_str("datetime.time(");
        self.write_clock_args(out);
        if let Some(tz) = &self.tz {
            out.push_str(", tzinfo=");
            tz.write_repr(out);
        }
        if self.fold {
            out.push_str(", fold=1");
        }
        out.push(')');
    }

    /// `h, m[, s[, us]]` as Python's reprs list them (trailing zeros left out).
    fn write_clock_args(&self, out: &mut String) {
        let _ = write!(out, "{}, {}", self.hour, self.minute);
        if self.second != 0 || self.microsecond != 0 {
            let _ = write!(out, ", {}", self.second);
        }
        if self.microsecond != 0 {
            let _ = write!(out, ", {}", self.microsecond);
        }
    }

    /// `HH:MM:SS[.ffffff]` without the offset.
    fn write_iso_clock(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}:{:02}", self.hour, self.minute, self.second)?;
        if self.microsecond != 0 {
            write!(f, ".{:06}", self.microsecond)?;
        }
        Ok(())
    }
}

impl PartialEq for PyTime {
    fn eq(&self, other: &PyTime) -> bool {
        match (&self.tz, &other.tz) {
            (None, None) => self.fields() == other.fields(),
            (Some(a), Some(b)) => {
                self.micros_of_day() - a.offset_micros == other.micros_of_day() - b.offset_micros
            }
            _ => false,
        }
    }
}

impl Eq for PyTime {}

impl Hash for PyTime {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.tz {
            None => {
                state.write_u8(0);
                self.fields().hash(state);
            }
            Some(tz) => {
                state.write_u8(1);
                state.write_i64(self.micros_of_day() - tz.offset_micros);
            }
        }
    }
}

impl fmt::Display for PyTime {
    /// `time.isoformat()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_iso_clock(f)?;
        match &self.tz {
            Some(tz) => write!(f, "{tz}"),
            None => Ok(()),
        }
    }
}

/// `datetime.datetime`: a [`PyDate`] and a [`PyTime`] (whose timezone and fold are the
/// datetime's).
///
/// ```
/// use pyroxene_wire::value::{PyDate, PyDateTime, PyTime};
/// use pyroxene_wire::Value;
/// let dt = PyDateTime::new(PyDate::new(2020, 1, 2).unwrap(), PyTime::new(3, 4, 5, 6789).unwrap());
/// assert_eq!(dt.to_string(), "2020-01-02T03:04:05.006789");
/// assert_eq!(Value::DateTime(dt).to_string(), "datetime.datetime(2020, 1, 2, 3, 4, 5, 6789)");
/// ```
#[derive(Clone, Debug)]
pub struct PyDateTime {
    date: PyDate,
    time: PyTime,
}

impl PyDateTime {
    /// The datetime of `date` at `time` (with `time`'s timezone and fold).
    pub fn new(date: PyDate, time: PyTime) -> PyDateTime {
        PyDateTime { date, time }
    }

    /// The date part.
    pub fn date(&self) -> PyDate {
        self.date
    }

    /// The time part, with the timezone and fold.
    pub fn time(&self) -> &PyTime {
        &self.time
    }

    /// The timezone, `None` when naive.
    pub fn tz(&self) -> Option<&PyTimeZone> {
        self.time.tz()
    }

    /// This datetime with timezone `tz` (`None`: naive), the wall clock unchanged.
    pub fn with_tz(mut self, tz: Option<PyTimeZone>) -> PyDateTime {
        self.time = self.time.with_tz(tz);
        self
    }

    /// Microseconds from 0001-01-01T00:00 to this wall-clock time (offset not applied).
    pub(crate) fn wall_micros(&self) -> i64 {
        (self.date.ordinal() - 1) * MICROS_PER_DAY + self.time.micros_of_day()
    }

    /// The wall-clock datetime `micros` after 0001-01-01T00:00, naive.
    ///
    /// # Errors
    /// [`ErrorKind::Value`] outside years 1..=9999.
    pub(crate) fn from_wall_micros(micros: i64) -> Result<PyDateTime> {
        let days = micros.div_euclid(MICROS_PER_DAY);
        let rest = micros.rem_euclid(MICROS_PER_DAY);
        let date = match days.checked_add(1) {
            Some(n) if n >= 1 => PyDate::from_ordinal(n)?,
            _ => return Err(value_error("year 0 is out of range")),
        };
        let secs = rest / MICROS_PER_SECOND;
        let time = PyTime::new(
            (secs / 3600) as u8,
            (secs / 60 % 60) as u8,
            (secs % 60) as u8,
            (rest % MICROS_PER_SECOND) as u32,
        )?;
        Ok(PyDateTime { date, time })
    }

    /// Python's `repr()` of this datetime.
    pub(crate) fn write_repr(&self, out: &mut String) {
        let d = self.date;
        let _ = write!(
            out,
            "datetime.datetime({}, {}, {}, ",
            d.year, d.month, d.day
        );
        self.time.write_clock_args(out);
        if self.time.fold {
            out.push_str(", fold=1");
        }
        if let Some(tz) = &self.time.tz {
            out.push_str(", tzinfo=");
            tz.write_repr(out);
        }
        out.push(')');
    }

    /// What naive fields compare as.
    fn fields(&self) -> (PyDate, (u8, u8, u8, u32)) {
        (self.date, self.time.fields())
    }
}

impl PartialEq for PyDateTime {
    fn eq(&self, other: &PyDateTime) -> bool {
        match (self.tz(), other.tz()) {
            (None, None) => self.fields() == other.fields(),
            (Some(a), Some(b)) => {
                self.wall_micros() - a.offset_micros == other.wall_micros() - b.offset_micros
            }
            _ => false,
        }
    }
}

impl Eq for PyDateTime {}

impl Hash for PyDateTime {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self.tz() {
            None => {
                state.write_u8(0);
                self.fields().hash(state);
            }
            Some(tz) => {
                state.write_u8(1);
                state.write_i64(self.wall_micros() - tz.offset_micros);
            }
        }
    }
}

impl fmt::Display for PyDateTime {
    /// `datetime.isoformat()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}T", self.date)?;
        self.time.fmt(f)
    }
}
