//! serde for the date/time, decimal and UUID types: `Serialize`/`Deserialize` of
//! [`PyDateTime`], [`PyDate`], [`PyTime`], [`PyDecimal`] and [`PyUuid`] themselves, and the
//! [`datetime`] field helper for the `time` (and `chrono`) types.
//!
//! Each type serializes as a newtype with a private marker name around its Python text
//! (`isoformat()` / `str()`): [`crate::to_value`] recognises the marker and builds the Value
//! variant, other formats see the text (what Python's own json serializer writes too). Each
//! deserializes from its variant or from that text (what a serpent or json peer sends).

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

use super::date_time::{PyDate, PyDateTime, PyTime};
use super::decimal::PyDecimal;
use super::iso;
use super::serde_impls::{DATE_MARKER, DATETIME_MARKER, DECIMAL_MARKER, TIME_MARKER, UUID_MARKER};
use super::uuid::PyUuid;

/// Serializes `text` under `marker` (a newtype the Value serializer unwraps).
struct Text<'a>(&'static str, &'a dyn fmt::Display);

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(self.0, &format_args!("{}", self.1))
    }
}

/// Reads the text of a value (the Value deserializer hands the variants over as their text).
struct TextVisitor<T>(&'static str, fn(&str) -> crate::Result<T>, PhantomData<T>);

impl<T> Visitor<'_> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.1)(v).map_err(|e| E::custom(e.message()))
    }
}

macro_rules! text_serde {
    ($($ty:ty, $marker:expr, $what:expr, $parse:expr;)*) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                Text($marker, self).serialize(serializer)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
                deserializer.deserialize_str(TextVisitor($what, $parse, PhantomData))
            }
        }
    )*};
}

text_serde! {
    PyDateTime, DATETIME_MARKER, "a datetime (or its isoformat() text)", iso::parse_datetime;
    PyDate, DATE_MARKER, "a date (or its isoformat() text)", iso::parse_date;
    PyTime, TIME_MARKER, "a time (or its isoformat() text)", iso::parse_time;
    PyDecimal, DECIMAL_MARKER, "a Decimal (or its text)", PyDecimal::from_str;
    PyUuid, UUID_MARKER, "a UUID (or its text)", PyUuid::from_str;
}

/// Serde helpers for date and time fields of the `time` crate's types (and `chrono`'s, with
/// the `chrono` feature), `Option`s of them included:
///
/// | Rust | Value written | Values read |
/// |---|---|---|
/// | `time::OffsetDateTime`, `chrono::DateTime<FixedOffset>` / `<Utc>` | aware `DateTime` | `DateTime` (a naive one is taken as UTC), its isoformat str |
/// | `time::PrimitiveDateTime`, `chrono::NaiveDateTime` | naive `DateTime` | naive `DateTime`, its isoformat str |
/// | `time::Date`, `chrono::NaiveDate` | `Date` | `Date`, `'YYYY-MM-DD'` |
/// | `time::Time`, `chrono::NaiveTime` | naive `Time` | naive `Time`, its isoformat str |
///
/// Nanoseconds are truncated to Python's microseconds. A naive datetime read as UTC is what
/// msgpack delivers anyway (Pyro's msgpack carries naive datetimes only, as timestamps, read
/// in UTC); for Python clients using msgpack, write `PrimitiveDateTime`s: msgpack can't carry
/// an aware datetime ("msgpack cannot serialize datetime with timezone info").
///
/// ```
/// use pyroxene_wire::{from_value, to_value, Value};
///
/// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
/// struct Event {
///     #[serde(with = "pyroxene_wire::value::datetime")]
///     at: time::PrimitiveDateTime,
///     #[serde(with = "pyroxene_wire::value::datetime")]
///     day: Option<time::Date>,
/// }
/// let at = time::macros::datetime!(2020-01-02 03:04:05.006789);
/// let v = to_value(&Event { at, day: None }).unwrap();
/// assert_eq!(v.to_string(), "{'at': datetime.datetime(2020, 1, 2, 3, 4, 5, 6789), 'day': None}");
///
/// // A serpent or json peer sends the isoformat() text instead: read all the same.
/// let sent = pyroxene_wire::dict! { "at" => "2020-01-02T03:04:05.006789", "day" => "2021-12-31" };
/// let e: Event = from_value(sent).unwrap();
/// assert_eq!(e.at, at);
/// assert_eq!(e.day, Some(time::macros::date!(2021-12-31)));
/// ```
pub mod datetime {
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::value::{PyDate, PyDateTime, PyTime};

    /// A Rust date/time type with a Python counterpart (see the [module docs](self)).
    pub trait DateTimeField: Sized {
        /// The Python type it travels as.
        type Py: Serialize + DeserializeOwned;
        /// The Python value of `self`.
        ///
        /// # Errors
        /// When Python can't hold it (a year outside 1..=9999, ...).
        fn to_py(&self) -> crate::Result<Self::Py>;
        /// `Self` from the Python value.
        ///
        /// # Errors
        /// When `Self` can't hold it (an aware value for a naive type, ...).
        fn from_py(py: Self::Py) -> crate::Result<Self>;
    }

    /// Writes `value` as its Python counterpart.
    pub fn serialize<T: DateTimeField, S: Serializer>(
        value: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value
            .to_py()
            .map_err(|e| serde::ser::Error::custom(e.message()))?
            .serialize(serializer)
    }

    /// Reads the Python counterpart (or its text) into `T`.
    pub fn deserialize<'de, T: DateTimeField, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        let py = T::Py::deserialize(deserializer)?;
        T::from_py(py).map_err(|e| serde::de::Error::custom(e.message()))
    }

    impl<T: DateTimeField> DateTimeField for Option<T> {
        type Py = Option<T::Py>;
        fn to_py(&self) -> crate::Result<Option<T::Py>> {
            self.as_ref().map(T::to_py).transpose()
        }
        fn from_py(py: Option<T::Py>) -> crate::Result<Self> {
            py.map(T::from_py).transpose()
        }
    }

    macro_rules! field {
        ($($ty:ty => $py:ty, |$s:ident| $to:expr, |$p:ident| $from:expr;)*) => {$(
            impl DateTimeField for $ty {
                type Py = $py;
                fn to_py(&self) -> crate::Result<$py> {
                    let $s = self;
                    $to
                }
                fn from_py($p: $py) -> crate::Result<Self> {
                    $from
                }
            }
        )*};
    }

    field! {
        time::OffsetDateTime => PyDateTime, |s| PyDateTime::try_from(*s), |p| (&p).try_into();
        time::PrimitiveDateTime => PyDateTime, |s| PyDateTime::try_from(*s), |p| (&p).try_into();
        time::Date => PyDate, |s| PyDate::try_from(*s), |p| Ok(p.into());
        time::Time => PyTime, |s| Ok(PyTime::from(*s)), |p| (&p).try_into();
    }

    #[cfg(feature = "chrono")]
    field! {
        chrono::DateTime<chrono::FixedOffset> => PyDateTime, |s| PyDateTime::try_from(*s), |p| (&p).try_into();
        chrono::DateTime<chrono::Utc> => PyDateTime, |s| PyDateTime::try_from(*s), |p| (&p).try_into();
        chrono::NaiveDateTime => PyDateTime, |s| PyDateTime::try_from(*s), |p| (&p).try_into();
        chrono::NaiveDate => PyDate, |s| PyDate::try_from(*s), |p| Ok(p.into());
        chrono::NaiveTime => PyTime, |s| Ok(PyTime::from(*s)), |p| (&p).try_into();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde::{Deserialize, Serialize};

    use crate::value::{PyDate, PyDateTime, PyDecimal, PyTime, PyUuid};
    use crate::{Value, dict, from_value, to_value};

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Record {
        #[serde(with = "crate::value::datetime")]
        at: time::OffsetDateTime,
        #[serde(with = "crate::value::datetime")]
        local: time::PrimitiveDateTime,
        #[serde(with = "crate::value::datetime")]
        day: time::Date,
        #[serde(with = "crate::value::datetime")]
        clock: Option<time::Time>,
        price: PyDecimal,
        id: PyUuid,
    }

    fn record() -> Record {
        Record {
            at: time::macros::datetime!(2020-01-02 03:04:05.006789 +02:30),
            local: time::macros::datetime!(2020-01-02 03:04:05.006789),
            day: time::macros::date!(2021 - 12 - 31),
            clock: Some(time::macros::time!(03:04:05)),
            price: "1.50".parse().unwrap(),
            id: "12345678-1234-5678-1234-567812345678".parse().unwrap(),
        }
    }

    #[test]
    fn time_fields_become_python_values_and_back() {
        let v = to_value(&record()).unwrap();
        assert_eq!(
            v.to_string(),
            "{'at': datetime.datetime(2020, 1, 2, 3, 4, 5, 6789, tzinfo=datetime.timezone(\
             datetime.timedelta(seconds=9000))), 'local': datetime.datetime(2020, 1, 2, 3, 4, 5, \
             6789), 'day': datetime.date(2021, 12, 31), 'clock': datetime.time(3, 4, 5), \
             'price': Decimal('1.50'), 'id': UUID('12345678-1234-5678-1234-567812345678')}"
        );
        assert_eq!(from_value::<Record>(v).unwrap(), record());
    }

    /// What a serpent or json peer sends: the isoformat() / str() text.
    #[test]
    fn text_fills_the_same_fields() {
        let sent = dict! {
            "at" => "2020-01-02T03:04:05.006789+02:30",
            "local" => "2020-01-02T03:04:05.006789",
            "day" => "2021-12-31",
            "clock" => "03:04:05",
            "price" => "1.50",
            "id" => "12345678-1234-5678-1234-567812345678",
        };
        assert_eq!(from_value::<Record>(sent).unwrap(), record());
    }

    /// msgpack can only send naive datetimes: an aware field reads them as UTC.
    #[test]
    fn a_naive_datetime_fills_an_aware_field_as_utc() {
        let naive = Value::DateTime(PyDateTime::new(
            PyDate::new(2020, 1, 2).unwrap(),
            PyTime::new(3, 4, 5, 0).unwrap(),
        ));
        #[derive(Deserialize)]
        struct At(#[serde(with = "crate::value::datetime")] time::OffsetDateTime);
        let At(at) = from_value(naive).unwrap();
        assert_eq!(at, time::macros::datetime!(2020-01-02 03:04:05 UTC));
    }

    #[test]
    fn strings_of_dates_decimals_and_uuids_are_their_python_text() {
        let v = to_value(&record()).unwrap();
        let d = v.as_dict().unwrap();
        let text = |k: &str| from_value::<String>(d[&Value::from(k)].clone()).unwrap();
        assert_eq!(text("at"), "2020-01-02T03:04:05.006789+02:30");
        assert_eq!(text("day"), "2021-12-31");
        assert_eq!(text("clock"), "03:04:05");
        assert_eq!(text("price"), "1.50");
        assert_eq!(text("id"), "12345678-1234-5678-1234-567812345678");
        // msgpack's timestamp ext: Timestamp.to_datetime().isoformat().
        let ts = crate::serializer::msgpack::timestamp(1, 5000).unwrap();
        assert_eq!(
            from_value::<String>(ts).unwrap(),
            "1970-01-01T00:00:01.000005+00:00"
        );
        // Other serde formats see the same text.
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            "{\"at\":\"2020-01-02T03:04:05.006789+02:30\",\"local\":\"2020-01-02T03:04:05.006789\",\
             \"day\":\"2021-12-31\",\"clock\":\"03:04:05\",\"price\":\"1.50\",\
             \"id\":\"12345678-1234-5678-1234-567812345678\"}"
        );
    }

    #[test]
    fn wrong_values_are_errors() {
        #[derive(Deserialize)]
        struct Day(#[serde(with = "crate::value::datetime")] time::Date);
        let day = |v: Value| from_value::<Day>(v).map(|Day(d)| d);
        assert!(day(Value::from("yesterday")).is_err());
        assert!(day(Value::Int(3)).is_err());
        #[derive(Deserialize)]
        struct Local(#[serde(with = "crate::value::datetime")] time::PrimitiveDateTime);
        let aware = Value::from("2020-01-02T03:04:05+01:00");
        assert!(from_value::<Local>(aware).map(|Local(l)| l).is_err());
    }

    #[cfg(feature = "chrono")]
    #[test]
    fn chrono_fields() {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct C {
            #[serde(with = "crate::value::datetime")]
            at: chrono::DateTime<chrono::Utc>,
            #[serde(with = "crate::value::datetime")]
            fixed: chrono::DateTime<chrono::FixedOffset>,
            #[serde(with = "crate::value::datetime")]
            local: chrono::NaiveDateTime,
            #[serde(with = "crate::value::datetime")]
            day: chrono::NaiveDate,
            #[serde(with = "crate::value::datetime")]
            clock: chrono::NaiveTime,
        }
        let fixed =
            chrono::DateTime::parse_from_rfc3339("2020-01-02T03:04:05.006789+02:30").unwrap();
        let c = C {
            at: fixed.to_utc(),
            fixed,
            local: fixed.naive_local(),
            day: fixed.date_naive(),
            clock: fixed.time(),
        };
        let v = to_value(&c).unwrap();
        assert_eq!(
            v.get("fixed").unwrap().to_string(),
            "datetime.datetime(2020, 1, 2, 3, 4, 5, 6789, tzinfo=datetime.timezone(datetime.timedelta(seconds=9000)))"
        );
        assert_eq!(
            v.get("at").unwrap().to_string(),
            "datetime.datetime(2020, 1, 2, 0, 34, 5, 6789, tzinfo=datetime.timezone.utc)"
        );
        assert_eq!(from_value::<C>(v).unwrap(), c);
    }
}
