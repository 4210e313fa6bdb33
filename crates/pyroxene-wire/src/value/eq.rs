//! `PartialEq`, `Eq` and `Hash` for [`Value`]: Python's rules with the documented exceptions
//! (see the table in [`crate::value`]), and [`StrKey`] for dict lookups by `&str`.

use std::hash::{BuildHasher, Hash, Hasher};

use num_traits::ToPrimitive;

use super::Value;

const TAG_NONE: u8 = 0;
const TAG_BOOL: u8 = 1;
const TAG_INT: u8 = 2;
const TAG_FLOAT: u8 = 3;
const TAG_COMPLEX: u8 = 4;
const TAG_STR: u8 = 5;
const TAG_BYTES: u8 = 6;
const TAG_LIST: u8 = 7;
const TAG_TUPLE: u8 = 8;
/// `set` and `frozenset` alike: they compare equal in Python, so they must hash alike.
const TAG_SET: u8 = 9;
const TAG_DICT: u8 = 10;
const TAG_DATETIME: u8 = 11;
const TAG_DATE: u8 = 12;
const TAG_TIME: u8 = 13;
const TAG_DECIMAL: u8 = 14;
const TAG_UUID: u8 = 15;
const TAG_EXT: u8 = 16;

/// Looks up a dict by `&str` without building a `Value::Str` (hashes exactly like one).
#[derive(Debug, Clone, Copy)]
pub struct StrKey<'a>(pub &'a str);

impl Hash for StrKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u8(TAG_STR);
        self.0.hash(state);
    }
}

impl indexmap::Equivalent<Value> for StrKey<'_> {
    fn equivalent(&self, key: &Value) -> bool {
        matches!(key, Value::Str(s) if s == self.0)
    }
}

fn float_eq(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

fn float_hash<H: Hasher>(f: f64, state: &mut H) {
    let bits = if f == 0.0 {
        0u64 // -0.0 and 0.0 are equal, so they must hash alike
    } else if f.is_nan() {
        f64::NAN.to_bits()
    } else {
        f.to_bits()
    };
    state.write_u64(bits);
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (None, None) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (BigInt(a), BigInt(b)) => a == b,
            (Int(a), BigInt(b)) | (BigInt(b), Int(a)) => b.to_i64() == Some(*a),
            (Float(a), Float(b)) => float_eq(*a, *b),
            (Complex { re: a, im: b }, Complex { re: c, im: d }) => {
                float_eq(*a, *c) && float_eq(*b, *d)
            }
            (Str(a), Str(b)) => a == b,
            (Bytes(a), Bytes(b)) => a == b,
            (List(a), List(b)) | (Tuple(a), Tuple(b)) => a == b,
            (Set(a) | FrozenSet(a), Set(b) | FrozenSet(b)) => a == b,
            (Dict(a), Dict(b)) => a == b,
            (DateTime(a), DateTime(b)) => a == b,
            (Date(a), Date(b)) => a == b,
            (Time(a), Time(b)) => a == b,
            (Decimal(a), Decimal(b)) => a == b,
            (Uuid(a), Uuid(b)) => a == b,
            (Ext { code: a, data: x }, Ext { code: b, data: y }) => a == b && x == y,
            _ => false,
        }
    }
}

impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Value::None => state.write_u8(TAG_NONE),
            Value::Bool(b) => {
                state.write_u8(TAG_BOOL);
                state.write_u8(*b as u8);
            }
            Value::Int(i) => {
                state.write_u8(TAG_INT);
                state.write_i64(*i);
            }
            Value::BigInt(b) => {
                state.write_u8(TAG_INT);
                match b.to_i64() {
                    Some(i) => state.write_i64(i),
                    None => b.hash(state),
                }
            }
            Value::Float(f) => {
                state.write_u8(TAG_FLOAT);
                float_hash(*f, state);
            }
            Value::Complex { re, im } => {
                state.write_u8(TAG_COMPLEX);
                float_hash(*re, state);
                float_hash(*im, state);
            }
            Value::Str(s) => {
                state.write_u8(TAG_STR);
                s.hash(state);
            }
            Value::Bytes(b) => {
                state.write_u8(TAG_BYTES);
                b.hash(state);
            }
            Value::List(v) => {
                state.write_u8(TAG_LIST);
                v.hash(state);
            }
            Value::Tuple(v) => {
                state.write_u8(TAG_TUPLE);
                v.hash(state);
            }
            Value::Set(s) | Value::FrozenSet(s) => {
                state.write_u8(TAG_SET);
                state.write_u64(unordered_hash(s.iter()));
            }
            Value::Dict(d) => {
                state.write_u8(TAG_DICT);
                state.write_u64(unordered_hash(d.iter()));
            }
            Value::DateTime(dt) => {
                state.write_u8(TAG_DATETIME);
                dt.hash(state);
            }
            Value::Date(d) => {
                state.write_u8(TAG_DATE);
                d.hash(state);
            }
            Value::Time(t) => {
                state.write_u8(TAG_TIME);
                t.hash(state);
            }
            Value::Decimal(d) => {
                state.write_u8(TAG_DECIMAL);
                d.hash(state);
            }
            Value::Uuid(u) => {
                state.write_u8(TAG_UUID);
                u.hash(state);
            }
            Value::Ext { code, data } => {
                state.write_u8(TAG_EXT);
                state.write_i8(*code);
                data.hash(state);
            }
        }
    }
}

/// Order-independent hash of a collection, so equal sets/dicts hash alike whatever their order.
fn unordered_hash<T: Hash>(items: impl Iterator<Item = T>) -> u64 {
    let fixed = foldhash::fast::FixedState::with_seed(0x5059_524f);
    items.fold(0u64, |acc, item| acc.wrapping_add(fixed.hash_one(item)))
}
