//! Conversions between our date/time types and the `time` crate's (always) and `chrono`'s
//! (feature `chrono`). Python has microseconds: nanoseconds are truncated on the way in.
//! A conversion that would lose meaning fails with [`ErrorKind::Value`]: a year outside
//! 1..=9999, an aware value into a naive type or back, an offset Python or the other crate
//! can't hold.

use super::date_time::{PyDate, PyDateTime, PyTime, PyTimeZone};
use crate::{Error, ErrorKind, Result};

fn value_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Value, message)
}

fn aware_error() -> Error {
    value_error("an aware datetime or time (with a UTC offset) where a naive one is expected")
}

impl TryFrom<time::Date> for PyDate {
    type Error = Error;
    fn try_from(d: time::Date) -> Result<PyDate> {
        PyDate::new(d.year(), u8::from(d.month()), d.day())
    }
}

impl From<PyDate> for time::Date {
    fn from(d: PyDate) -> time::Date {
        // Julian day 1_721_426 is 0001-01-01; every PyDate is within time's range.
        time::Date::from_julian_day((d.ordinal() + 1_721_425) as i32).unwrap_or(time::Date::MIN)
    }
}

impl From<time::Time> for PyTime {
    /// Naive, nanoseconds truncated to microseconds.
    fn from(t: time::Time) -> PyTime {
        PyTime::new(t.hour(), t.minute(), t.second(), t.microsecond()).unwrap_or(PyTime::MIDNIGHT)
    }
}

impl TryFrom<&PyTime> for time::Time {
    type Error = Error;
    /// The wall clock of a naive time.
    fn try_from(t: &PyTime) -> Result<time::Time> {
        if t.tz().is_some() {
            return Err(aware_error());
        }
        time::Time::from_hms_micro(t.hour(), t.minute(), t.second(), t.microsecond())
            .map_err(|e| value_error(e.to_string()))
    }
}

impl TryFrom<time::PrimitiveDateTime> for PyDateTime {
    type Error = Error;
    fn try_from(dt: time::PrimitiveDateTime) -> Result<PyDateTime> {
        Ok(PyDateTime::new(dt.date().try_into()?, dt.time().into()))
    }
}

impl TryFrom<&PyDateTime> for time::PrimitiveDateTime {
    type Error = Error;
    fn try_from(dt: &PyDateTime) -> Result<time::PrimitiveDateTime> {
        Ok(time::PrimitiveDateTime::new(
            dt.date().into(),
            dt.time().try_into()?,
        ))
    }
}

impl TryFrom<time::UtcOffset> for PyTimeZone {
    type Error = Error;
    fn try_from(offset: time::UtcOffset) -> Result<PyTimeZone> {
        PyTimeZone::new(i64::from(offset.whole_seconds()) * 1_000_000)
    }
}

impl TryFrom<&PyTimeZone> for time::UtcOffset {
    type Error = Error;
    fn try_from(tz: &PyTimeZone) -> Result<time::UtcOffset> {
        let micros = tz.offset_micros();
        if micros % 1_000_000 != 0 {
            return Err(value_error(
                "a UTC offset with microseconds has no time::UtcOffset",
            ));
        }
        time::UtcOffset::from_whole_seconds((micros / 1_000_000) as i32)
            .map_err(|e| value_error(e.to_string()))
    }
}

impl TryFrom<time::OffsetDateTime> for PyDateTime {
    type Error = Error;
    /// Aware, with the same offset.
    fn try_from(dt: time::OffsetDateTime) -> Result<PyDateTime> {
        let naive = PyDateTime::try_from(time::PrimitiveDateTime::new(dt.date(), dt.time()))?;
        Ok(naive.with_tz(Some(dt.offset().try_into()?)))
    }
}

impl TryFrom<&PyDateTime> for time::OffsetDateTime {
    type Error = Error;
    /// An aware datetime at its offset; a naive one is taken as UTC (how the msgpack
    /// timestamps of Pyro's naive datetimes are read, see [`crate::serializer::msgpack`]).
    fn try_from(dt: &PyDateTime) -> Result<time::OffsetDateTime> {
        let offset = match dt.tz() {
            Some(tz) => tz.try_into()?,
            None => time::UtcOffset::UTC,
        };
        let naive = dt.clone().with_tz(None);
        Ok(time::PrimitiveDateTime::try_from(&naive)?.assume_offset(offset))
    }
}

#[cfg(feature = "chrono")]
mod chrono_impls {
    use chrono::{Datelike, Timelike};

    use super::{PyDate, PyDateTime, PyTime, PyTimeZone, aware_error, value_error};
    use crate::{Error, Result};

    impl TryFrom<chrono::NaiveDate> for PyDate {
        type Error = Error;
        fn try_from(d: chrono::NaiveDate) -> Result<PyDate> {
            PyDate::new(d.year(), d.month() as u8, d.day() as u8)
        }
    }

    impl From<PyDate> for chrono::NaiveDate {
        fn from(d: PyDate) -> chrono::NaiveDate {
            chrono::NaiveDate::from_ymd_opt(d.year(), u32::from(d.month()), u32::from(d.day()))
                .unwrap_or(chrono::NaiveDate::MIN)
        }
    }

    impl From<chrono::NaiveTime> for PyTime {
        /// Naive, nanoseconds truncated; a leap second's extra second is dropped.
        fn from(t: chrono::NaiveTime) -> PyTime {
            let micros = (t.nanosecond() % 1_000_000_000) / 1000;
            PyTime::new(t.hour() as u8, t.minute() as u8, t.second() as u8, micros)
                .unwrap_or(PyTime::MIDNIGHT)
        }
    }

    impl TryFrom<&PyTime> for chrono::NaiveTime {
        type Error = Error;
        fn try_from(t: &PyTime) -> Result<chrono::NaiveTime> {
            if t.tz().is_some() {
                return Err(aware_error());
            }
            chrono::NaiveTime::from_hms_micro_opt(
                u32::from(t.hour()),
                u32::from(t.minute()),
                u32::from(t.second()),
                t.microsecond(),
            )
            .ok_or_else(|| value_error("time out of range"))
        }
    }

    impl TryFrom<chrono::NaiveDateTime> for PyDateTime {
        type Error = Error;
        fn try_from(dt: chrono::NaiveDateTime) -> Result<PyDateTime> {
            Ok(PyDateTime::new(dt.date().try_into()?, dt.time().into()))
        }
    }

    impl TryFrom<&PyDateTime> for chrono::NaiveDateTime {
        type Error = Error;
        fn try_from(dt: &PyDateTime) -> Result<chrono::NaiveDateTime> {
            Ok(chrono::NaiveDateTime::new(
                dt.date().into(),
                dt.time().try_into()?,
            ))
        }
    }

    impl TryFrom<chrono::FixedOffset> for PyTimeZone {
        type Error = Error;
        fn try_from(offset: chrono::FixedOffset) -> Result<PyTimeZone> {
            PyTimeZone::new(i64::from(offset.local_minus_utc()) * 1_000_000)
        }
    }

    impl TryFrom<&PyTimeZone> for chrono::FixedOffset {
        type Error = Error;
        fn try_from(tz: &PyTimeZone) -> Result<chrono::FixedOffset> {
            let micros = tz.offset_micros();
            if micros % 1_000_000 != 0 {
                return Err(value_error(
                    "a UTC offset with microseconds has no chrono::FixedOffset",
                ));
            }
            chrono::FixedOffset::east_opt((micros / 1_000_000) as i32)
                .ok_or_else(|| value_error("UTC offset out of range"))
        }
    }

    impl<Tz: chrono::TimeZone> TryFrom<chrono::DateTime<Tz>> for PyDateTime {
        type Error = Error;
        /// Aware, at the datetime's offset.
        fn try_from(dt: chrono::DateTime<Tz>) -> Result<PyDateTime> {
            let fixed = dt.fixed_offset();
            let naive = PyDateTime::try_from(fixed.naive_local())?;
            Ok(naive.with_tz(Some((*fixed.offset()).try_into()?)))
        }
    }

    impl TryFrom<&PyDateTime> for chrono::DateTime<chrono::FixedOffset> {
        type Error = Error;
        /// An aware datetime at its offset; a naive one is taken as UTC.
        fn try_from(dt: &PyDateTime) -> Result<chrono::DateTime<chrono::FixedOffset>> {
            let offset = match dt.tz() {
                Some(tz) => tz.try_into()?,
                None => chrono::FixedOffset::east_opt(0).ok_or_else(|| value_error("offset"))?,
            };
            let naive = chrono::NaiveDateTime::try_from(&dt.clone().with_tz(None))?;
            naive
                .and_local_timezone(offset)
                .single()
                .ok_or_else(|| value_error("datetime out of range"))
        }
    }

    impl TryFrom<&PyDateTime> for chrono::DateTime<chrono::Utc> {
        type Error = Error;
        /// The same instant in UTC; a naive datetime is taken as UTC.
        fn try_from(dt: &PyDateTime) -> Result<chrono::DateTime<chrono::Utc>> {
            chrono::DateTime::<chrono::FixedOffset>::try_from(dt).map(|d| d.to_utc())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_crate_round_trips() {
        let odt = time::OffsetDateTime::from_unix_timestamp_nanos(1_577_934_245_006_789_123)
            .unwrap()
            .to_offset(time::UtcOffset::from_hms(2, 30, 0).unwrap());
        let py = PyDateTime::try_from(odt).unwrap();
        assert_eq!(py.to_string(), "2020-01-02T05:34:05.006789+02:30");
        let back = time::OffsetDateTime::try_from(&py).unwrap();
        assert_eq!(back.unix_timestamp_nanos(), 1_577_934_245_006_789_000);
        assert_eq!(back.offset(), odt.offset());
        let naive = py.clone().with_tz(None);
        assert!(time::PrimitiveDateTime::try_from(&py).is_err());
        let pdt = time::PrimitiveDateTime::try_from(&naive).unwrap();
        assert_eq!(PyDateTime::try_from(pdt).unwrap(), naive);
        let date = PyDate::new(2021, 12, 31).unwrap();
        assert_eq!(PyDate::try_from(time::Date::from(date)).unwrap(), date);
        assert!(PyDate::try_from(time::Date::MIN).is_err());
    }
}
