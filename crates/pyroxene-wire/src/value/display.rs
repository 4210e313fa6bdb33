//! `Display for Value` = Python's `repr()`.

use std::fmt::{self, Write};

use super::Value;
use crate::repr;

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_repr(&mut out, self, 0);
        f.write_str(&out)
    }
}

fn write_repr(out: &mut String, v: &Value, depth: usize) {
    if depth > crate::MAX_DEPTH {
        // Python prints '...' for recursive containers; for absurd depth we do the same
        // instead of overflowing the stack.
        out.push_str("...");
        return;
    }
    match v {
        Value::None => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Value::BigInt(b) => out.push_str(&b.to_string()),
        Value::Float(x) => repr::write_float_repr(out, *x),
        Value::Complex { re, im } => repr::write_complex_repr(out, *re, *im),
        Value::Str(s) => repr::write_str_repr(out, s),
        Value::Bytes(b) => repr::write_bytes_repr(out, b),
        Value::List(items) => {
            out.push('[');
            write_items(out, items.iter(), depth);
            out.push(']');
        }
        Value::Tuple(items) => {
            out.push('(');
            write_items(out, items.iter(), depth);
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Value::Set(items) if items.is_empty() => out.push_str("set()"),
        Value::Set(items) => {
            out.push('{');
            write_items(out, items.iter(), depth);
            out.push('}');
        }
        Value::FrozenSet(items) if items.is_empty() => out.push_str("frozenset()"),
        Value::FrozenSet(items) => {
            out.push_str("frozenset({");
            write_items(out, items.iter(), depth);
            out.push_str("})");
        }
        Value::DateTime(dt) => dt.write_repr(out),
        Value::Date(d) => {
            let _ = write!(
                out,
                "datetime.date({}, {}, {})",
                d.year(),
                d.month(),
                d.day()
            );
        }
        Value::Time(t) => t.write_repr(out),
        Value::Decimal(d) => {
            let _ = write!(out, "Decimal('{d}')");
        }
        Value::Uuid(u) => {
            let _ = write!(out, "UUID('{u}')");
        }
        Value::Ext { code, data } => write_ext_repr(out, *code, data),
        Value::Dict(d) => {
            out.push('{');
            for (i, (k, v)) in d.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, k, depth + 1);
                out.push_str(": ");
                write_repr(out, v, depth + 1);
            }
            out.push('}');
        }
    }
}

/// msgpack-python's repr: a `Timestamp` for a valid code -1 value, else the `ExtType`
/// namedtuple.
fn write_ext_repr(out: &mut String, code: i8, data: &[u8]) {
    if code == -1
        && let Some((seconds, nanoseconds)) = crate::serializer::msgpack::timestamp_parts(data)
    {
        let _ = write!(
            out,
            "Timestamp(seconds={seconds}, nanoseconds={nanoseconds})"
        );
        return;
    }
    let _ = write!(out, "ExtType(code={code}, data=");
    repr::write_bytes_repr(out, data);
    out.push(')');
}

fn write_items<'a>(out: &mut String, items: impl Iterator<Item = &'a Value>, depth: usize) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_repr(out, item, depth + 1);
    }
}

#[cfg(test)]
mod tests {
    use crate::{Value, dict, list, set, tuple};

    #[test]
    fn repr_like_python() {
        let v = dict! {
            "nested" => dict! { "list" => list![1, 2, dict! { "x" => Value::None }], "tuple" => tuple![1.5, true] },
        };
        assert_eq!(
            v.to_string(),
            "{'nested': {'list': [1, 2, {'x': None}], 'tuple': (1.5, True)}}"
        );
        assert_eq!(tuple![1].to_string(), "(1,)");
        assert_eq!(Value::Tuple(vec![]).to_string(), "()");
        assert_eq!(Value::new_set().to_string(), "set()");
        assert_eq!(set![1, 2].to_string(), "{1, 2}");
        assert_eq!(
            Value::Bytes(b"\x00ab'".to_vec().into()).to_string(),
            "b\"\\x00ab'\""
        );
        assert_eq!(Value::Complex { re: 1.0, im: 2.0 }.to_string(), "(1+2j)");
        assert_eq!(Value::Float(f64::NEG_INFINITY).to_string(), "-inf");
    }

    /// Each value with `repr()` of the same value in CPython 3.11.
    #[test]
    fn repr_of_frozensets_dates_decimals_uuids_ext_like_python() {
        use crate::value::{PyDate, PyDateTime, PyTime, PyTimeZone, PyUuid};
        let frozen = |v: Value| match v {
            Value::Set(s) => Value::FrozenSet(s),
            other => other,
        };
        let date = PyDate::new(2020, 1, 2).unwrap();
        let time = PyTime::new(3, 4, 5, 6789).unwrap();
        let tz = PyTimeZone::new(9_000_000_000).unwrap();
        let est = PyTimeZone::with_name(-18_000_000_000, "EST").unwrap();
        for (value, python) in [
            (frozen(set![1, 2]), "frozenset({1, 2})"),
            (frozen(Value::new_set()), "frozenset()"),
            (
                Value::DateTime(PyDateTime::new(date, time.clone())),
                "datetime.datetime(2020, 1, 2, 3, 4, 5, 6789)",
            ),
            (
                Value::DateTime(PyDateTime::new(date, time.clone()).with_tz(Some(tz.clone()))),
                "datetime.datetime(2020, 1, 2, 3, 4, 5, 6789, tzinfo=datetime.timezone(datetime.timedelta(seconds=9000)))",
            ),
            (
                Value::DateTime(PyDateTime::new(
                    PyDate::new(2021, 10, 31).unwrap(),
                    PyTime::new(2, 30, 0, 0)
                        .unwrap()
                        .with_fold(true)
                        .with_tz(Some(PyTimeZone::utc())),
                )),
                "datetime.datetime(2021, 10, 31, 2, 30, fold=1, tzinfo=datetime.timezone.utc)",
            ),
            (
                Value::Date(PyDate::new(2021, 12, 31).unwrap()),
                "datetime.date(2021, 12, 31)",
            ),
            (Value::Time(PyTime::MIDNIGHT), "datetime.time(0, 0)"),
            (
                Value::Time(PyTime::new(1, 2, 0, 5).unwrap()),
                "datetime.time(1, 2, 0, 5)",
            ),
            (
                Value::Time(
                    PyTime::new(1, 2, 3, 0)
                        .unwrap()
                        .with_fold(true)
                        .with_tz(Some(est)),
                ),
                "datetime.time(1, 2, 3, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=68400), 'EST'), fold=1)",
            ),
            (Value::Decimal("1.50".parse().unwrap()), "Decimal('1.50')"),
            (
                Value::Uuid(PyUuid::from_u128(0x12345678_1234_5678_1234_567812345678)),
                "UUID('12345678-1234-5678-1234-567812345678')",
            ),
            (
                Value::Ext {
                    code: 64,
                    data: b"abc".to_vec().into(),
                },
                "ExtType(code=64, data=b'abc')",
            ),
            (
                Value::Ext {
                    code: -1,
                    data: vec![0, 0, 0, 1].into(),
                },
                "Timestamp(seconds=1, nanoseconds=0)",
            ),
        ] {
            assert_eq!(value.to_string(), python);
        }
    }
}
