//! `From` conversions into [`Value`].
//!
//! Note the one asymmetry: `Vec<u8>` and other `Vec<T>` become a **list** (as with serde), while
//! byte slices and arrays (`&[u8]`, `b"..."`) become **bytes**. Use `Value::Bytes(vec.into())` to
//! move a `Vec<u8>` in as bytes without copying, or `Value::from(bytes::Bytes)`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use bytes::Bytes;
use num_bigint::BigInt;

use super::{Dict, PyDate, PyDateTime, PyDecimal, PyTime, PyUuid, Set, Value};

macro_rules! from_variant {
    ($($t:ty => $variant:ident),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::$variant(v)
            }
        }
    )*};
}
from_variant!(PyDateTime => DateTime, PyDate => Date, PyTime => Time, PyDecimal => Decimal, PyUuid => Uuid);

impl From<()> for Value {
    fn from(_: ()) -> Value {
        Value::None
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

macro_rules! from_small_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(i: $t) -> Value {
                Value::Int(i64::from(i))
            }
        }
    )*};
}
from_small_int!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! from_wide_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(i: $t) -> Value {
                match i64::try_from(i) {
                    Ok(small) => Value::Int(small),
                    Err(_) => Value::BigInt(Box::new(BigInt::from(i))),
                }
            }
        }
    )*};
}
from_wide_int!(u64, i128, u128, isize, usize);

impl From<BigInt> for Value {
    fn from(b: BigInt) -> Value {
        Value::from_bigint(b)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<f32> for Value {
    fn from(f: f32) -> Value {
        Value::Float(f64::from(f))
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::Str(s.clone())
    }
}

impl From<char> for Value {
    fn from(c: char) -> Value {
        Value::Str(c.to_string())
    }
}

impl From<&[u8]> for Value {
    fn from(b: &[u8]) -> Value {
        Value::Bytes(Bytes::copy_from_slice(b))
    }
}

impl<const N: usize> From<&[u8; N]> for Value {
    fn from(b: &[u8; N]) -> Value {
        Value::Bytes(Bytes::copy_from_slice(b))
    }
}

impl From<Bytes> for Value {
    fn from(b: Bytes) -> Value {
        Value::Bytes(b)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::None, Into::into)
    }
}

impl From<Dict> for Value {
    fn from(d: Dict) -> Value {
        Value::Dict(Box::new(d))
    }
}

impl From<Set> for Value {
    fn from(s: Set) -> Value {
        Value::Set(Box::new(s))
    }
}

impl<K: Into<Value>, V: Into<Value>, S> From<HashMap<K, V, S>> for Value {
    fn from(m: HashMap<K, V, S>) -> Value {
        Value::from_iter(m)
    }
}

impl<K: Into<Value>, V: Into<Value>> From<BTreeMap<K, V>> for Value {
    fn from(m: BTreeMap<K, V>) -> Value {
        Value::from_iter(m)
    }
}

impl<T: Into<Value>, S> From<HashSet<T, S>> for Value {
    fn from(s: HashSet<T, S>) -> Value {
        Value::Set(Box::new(s.into_iter().map(Into::into).collect()))
    }
}

impl<T: Into<Value>> From<BTreeSet<T>> for Value {
    fn from(s: BTreeSet<T>) -> Value {
        Value::Set(Box::new(s.into_iter().map(Into::into).collect()))
    }
}

/// Collects `(key, value)` pairs into a dict.
impl<K: Into<Value>, V: Into<Value>> FromIterator<(K, V)> for Value {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Value {
        Value::Dict(Box::new(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        ))
    }
}

macro_rules! from_tuple {
    ($($name:ident),+) => {
        /// A Rust tuple becomes a Python tuple (handy for argument lists).
        impl<$($name: Into<Value>),+> From<($($name,)+)> for Value {
            #[allow(non_snake_case)]
            fn from(($($name,)+): ($($name,)+)) -> Value {
                Value::Tuple(vec![$($name.into()),+])
            }
        }
    };
}
from_tuple!(A);
from_tuple!(A, B);
from_tuple!(A, B, C);
from_tuple!(A, B, C, D);
from_tuple!(A, B, C, D, E);
from_tuple!(A, B, C, D, E, F);
from_tuple!(A, B, C, D, E, F, G);
from_tuple!(A, B, C, D, E, F, G, H);
from_tuple!(A, B, C, D, E, F, G, H, I);
from_tuple!(A, B, C, D, E, F, G, H, I, J);
from_tuple!(A, B, C, D, E, F, G, H, I, J, K);
from_tuple!(A, B, C, D, E, F, G, H, I, J, K, L);
