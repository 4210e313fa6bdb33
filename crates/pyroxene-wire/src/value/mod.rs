//! [`Value`]: the Python data model every serializer reads and writes.
//!
//! # Equality and hashing
//!
//! `Value` implements `Eq` and `Hash` so it can be a dict key or a set element, with rules close
//! to Python's and documented here because they differ from Python in a few deliberate places:
//!
//! | rule | same as Python? |
//! |---|---|
//! | ints compare by numeric value, whatever their representation (`Int` or `BigInt`) | yes |
//! | `-0.0 == 0.0`, and both hash alike | yes |
//! | `nan == nan` (so a decoded NaN equals the NaN it came from, and `Eq` stays reflexive); the same for a `Decimal` NaN of the same kind, sign and payload | **no**: Python's `nan != nan` |
//! | values of different Python types are never equal: `True != 1`, `1 != 1.0`, `(1,) != [1]`, `Decimal('1') != 1`, a datetime `!=` its date | **no**: Python merges `True`, `1`, `1.0` and `Decimal('1')` as dict keys |
//! | sets compare as sets, dicts as mappings (order ignored), lists/tuples element-wise | yes |
//! | a `set` equals the `frozenset` of the same elements, and both hash alike ([`Value::Set`], [`Value::FrozenSet`]) | yes |
//! | naive datetimes and times compare by their fields, aware ones by the UTC instant (`12:00+01:00 == 11:00+00:00`), naive never equals aware; `fold` and a timezone's name are ignored | yes (Python compares aware *times* by whole minutes of offset; we use the exact offset) |
//! | `Decimal`s compare numerically (`1.5 == 1.50`, `-0 == 0`) and hash alike when equal | yes |
//! | `UUID`s compare by their 128 bits (`is_safe` ignored) | yes |
//! | msgpack ext values ([`Value::Ext`]) compare by code and bytes | yes (`ExtType` is a namedtuple) |
//!
//! Dicts keep insertion order; inserting an existing key replaces its value in place, as in Python.
//!
//! # The serde bridge
//!
//! [`to_value`] turns any `Serialize` type into a `Value`, [`from_value`] any `Value` into a
//! `Deserialize` type (leniently: see its docs for what Python peers may send instead):
//!
//! | Rust (serde) | Value |
//! |---|---|
//! | `bool` | `Bool` |
//! | `i8`..`i64`, `u8`..`u32` | `Int` |
//! | `u64`, `i128`, `u128` | `Int` when it fits i64, else `BigInt` |
//! | `f32`, `f64` | `Float` |
//! | `char`, `&str`, `String` | `Str` |
//! | bytes (`serde_bytes`, `#[serde(with = "serde_bytes")]`) | `Bytes` |
//! | `Option::None`, `()`, unit struct | `None` |
//! | `Option::Some(x)` | `x` |
//! | `Vec`, slices, sequences | `List` |
//! | tuples, tuple structs | `Tuple` |
//! | newtype struct | its inner value |
//! | maps (`HashMap`, `BTreeMap`, `IndexMap`) | `Dict` (any key type that maps to a Value) |
//! | structs | `Dict` with str keys in field order |
//! | unit enum variant | `Str` of the variant name |
//! | newtype / tuple / struct variants | `Dict` `{variant: value}` (externally tagged, like `serde_json`) |
//! | [`num_bigint::BigInt`] with [`bigint`] | `Int` / `BigInt` |
//! | [`PyDateTime`], [`PyDate`], [`PyTime`], [`PyDecimal`], [`PyUuid`] | `DateTime`, `Date`, `Time`, `Decimal`, `Uuid` (each reads its `isoformat()`/`str()` text too) |
//! | `time::OffsetDateTime` / `PrimitiveDateTime` / `Date` / `Time` with [`datetime`] (and `chrono`'s with the `chrono` feature) | `DateTime` (aware / naive), `Date`, `Time` |
//! | `Value` itself | itself, unchanged (it implements `Serialize` and `Deserialize`) |
//!
//! # Dates, times, decimals, UUIDs and ext types
//!
//! A Python peer's `datetime`, `date`, `time`, `Decimal` and `UUID` arrive as what the
//! serializer made of them: serpent and json send `isoformat()`/`str()` **strings**, msgpack
//! sends naive datetimes and dates as Pyro's ext types 0x32/0x33 ([`Value::DateTime`] /
//! [`Value::Date`]) and the rest as strings, pickle sends all of them as themselves. So a Rust
//! field typed [`PyDateTime`] (or `time::OffsetDateTime` with [`datetime`]) accepts the variant
//! and its text alike, and `from_value::<String>` of a `DateTime`, `Date`, `Time`, `Decimal` or
//! `Uuid` gives the text a serpent peer would have sent (`'2020-01-02T03:04:05.006789'`).
//! Other serde formats (`serde_json`) see those values as that text too; through serde's data
//! model a datetime's `fold` and its timezone's name are not carried (a [`Value`] field keeps
//! them).

mod date_time;
mod datetime_convert;
mod de;
mod decimal;
mod display;
mod eq;
mod from;
pub mod iso;
mod macros;
mod ser;
mod serde_datetime;
mod serde_impls;
mod uuid;

pub use date_time::{PyDate, PyDateTime, PyTime, PyTimeZone};
pub use de::from_value;
pub use decimal::PyDecimal;
pub use eq::StrKey;
pub use ser::to_value;
pub use serde_datetime::datetime;
pub use serde_impls::bigint;
pub use uuid::{PyUuid, SafeUuid};

use std::borrow::Cow;

use bytes::Bytes;
use indexmap::{IndexMap, IndexSet};
use num_bigint::BigInt;
use num_traits::ToPrimitive;

use crate::{Error, ErrorKind, Result};

/// The hasher of [`Dict`] and [`Set`]: fast and randomly seeded per map, so hostile keys cannot
/// be crafted to collide.
pub type RandomState = foldhash::fast::RandomState;

/// A Python dict: insertion-ordered, any hashable [`Value`] as key.
pub type Dict = IndexMap<Value, Value, RandomState>;

/// The elements of a Python set or frozenset: insertion-ordered (Python's own order when decoded).
pub type Set = IndexSet<Value, RandomState>;

/// A Python value as it travels in a Pyro message.
///
/// Build one with `From` (`Value::from(42)`, `Value::from(("add", 1, 2))` for a tuple), the
/// [`list!`](crate::list), [`tuple!`](crate::tuple), [`set!`](crate::set) and
/// [`dict!`](crate::dict) macros, or from any serde type with [`crate::to_value`].
/// `Display` prints Python's `repr()`.
///
/// ```
/// use pyroxene_wire::{dict, Value};
/// let v = dict! { "name" => "pyro", "ports" => (9090, 9091), "ok" => true };
/// assert_eq!(v.to_string(), "{'name': 'pyro', 'ports': (9090, 9091), 'ok': True}");
/// assert_eq!(v.get("ok"), Some(&Value::Bool(true)));
/// ```
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// `None`.
    #[default]
    None,
    /// `bool`.
    Bool(bool),
    /// `int` that fits in 64 bits (the fast path).
    Int(i64),
    /// `int` outside the i64 range. Constructors normalize: a value that fits is an [`Value::Int`].
    BigInt(Box<BigInt>),
    /// `float`; NaN, infinities and `-0.0` are kept as they are.
    Float(f64),
    /// `complex`.
    Complex {
        /// Real part.
        re: f64,
        /// Imaginary part.
        im: f64,
    },
    /// `str`.
    Str(String),
    /// `bytes` (and `bytearray`, `memoryview`). A [`bytes::Bytes`]: cloning is cheap, and a
    /// big bytes value decoded from a received message is a view of its payload, not a copy.
    Bytes(Bytes),
    /// `list`.
    List(Vec<Value>),
    /// `tuple`.
    Tuple(Vec<Value>),
    /// `set` (mutable: never a dict key or set element; Python refuses those).
    Set(Box<Set>),
    /// `frozenset` (hashable). Equal to the [`Value::Set`] of the same elements, as in Python;
    /// only marshal and pickle carry it as such (see [`crate::serializer`]).
    FrozenSet(Box<Set>),
    /// `dict`.
    Dict(Box<Dict>),
    /// `datetime.datetime`, naive or with a fixed offset.
    DateTime(PyDateTime),
    /// `datetime.date`.
    Date(PyDate),
    /// `datetime.time`, naive or with a fixed offset.
    Time(PyTime),
    /// `decimal.Decimal`.
    Decimal(PyDecimal),
    /// `uuid.UUID`.
    Uuid(PyUuid),
    /// A msgpack ext value Pyro has no type for (msgpack's own timestamp, code -1, or any code
    /// but Pyro's 0x30-0x33), kept as it came and written back unchanged.
    Ext {
        /// The ext type code.
        code: i8,
        /// The ext payload.
        data: Bytes,
    },
}

impl Value {
    /// An empty dict.
    pub fn new_dict() -> Value {
        Value::Dict(Box::default())
    }

    /// An empty set.
    pub fn new_set() -> Value {
        Value::Set(Box::default())
    }

    /// An int from a big integer, stored as [`Value::Int`] when it fits.
    pub fn from_bigint(b: BigInt) -> Value {
        match b.to_i64() {
            Some(i) => Value::Int(i),
            None => Value::BigInt(Box::new(b)),
        }
    }

    /// The name of the Python type this value has (`'NoneType'`, `'int'`, `'dict'`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Complex { .. } => "complex",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Set(_) => "set",
            Value::FrozenSet(_) => "frozenset",
            Value::Dict(_) => "dict",
            Value::DateTime(_) => "datetime",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::Decimal(_) => "Decimal",
            Value::Uuid(_) => "UUID",
            Value::Ext { code: -1, .. } => "Timestamp",
            Value::Ext { .. } => "ExtType",
        }
    }

    /// True for `None`.
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// The bool, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The int, if this is an int that fits in i64.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::BigInt(b) => b.to_i64(),
            _ => None,
        }
    }

    /// The int as a big integer, if this is an int of any size.
    pub fn as_bigint(&self) -> Option<BigInt> {
        match self {
            Value::Int(i) => Some(BigInt::from(*i)),
            Value::BigInt(b) => Some((**b).clone()),
            _ => None,
        }
    }

    /// The number as f64, if this is a float or an int (as Python's `float(x)` would give it).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            Value::BigInt(b) => b.to_f64(),
            _ => None,
        }
    }

    /// The text, if this is a str.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes, if this is a bytes value.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The items of a list or a tuple (Python peers send either where a sequence is expected).
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// The dict, if this is one.
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// The dict mutably, if this is one.
    pub fn as_dict_mut(&mut self) -> Option<&mut Dict> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// The elements, if this is a set or a frozenset.
    pub fn as_set(&self) -> Option<&Set> {
        match self {
            Value::Set(s) | Value::FrozenSet(s) => Some(s),
            _ => None,
        }
    }

    /// Looks up a str key in a dict; `None` when this is not a dict or the key is absent.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_dict()?.get(&StrKey(key))
    }

    /// The bytes of a bytes value, or of serpent's `{'data': <base64>, 'encoding': 'base64'}`
    /// dict (what Python's serpent turns bytes into), like `serpent.tobytes()`.
    pub fn to_bytes(&self) -> Option<Cow<'_, [u8]>> {
        match self {
            Value::Bytes(b) => Some(Cow::Borrowed(b)),
            Value::Dict(d) => decode_serpent_bytes_dict(d).map(Cow::Owned),
            _ => None,
        }
    }

    /// The text serpent and json write for a datetime, date, time, Decimal or UUID
    /// (`isoformat()` / `str()`); `None` for other values.
    pub(crate) fn text_form(&self) -> Option<String> {
        Some(match self {
            Value::DateTime(dt) => dt.to_string(),
            Value::Date(d) => d.to_string(),
            Value::Time(t) => t.to_string(),
            Value::Decimal(d) => d.to_string(),
            Value::Uuid(u) => u.to_string(),
            _ => return None,
        })
    }

    /// Python truthiness (`bool(x)`).
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::BigInt(_) => true,
            Value::Float(f) => *f != 0.0,
            Value::Complex { re, im } => *re != 0.0 || *im != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(v) | Value::Tuple(v) => !v.is_empty(),
            Value::Set(s) | Value::FrozenSet(s) => !s.is_empty(),
            Value::Dict(d) => !d.is_empty(),
            Value::Decimal(d) => !d.is_zero(),
            Value::DateTime(_) | Value::Date(_) | Value::Time(_) | Value::Uuid(_) => true,
            Value::Ext { .. } => true,
        }
    }
}

/// Recognises serpent's bytes dict and decodes its base64 data.
pub(crate) fn decode_serpent_bytes_dict(d: &Dict) -> Option<Vec<u8>> {
    if d.get(&StrKey("encoding"))?.as_str()? != "base64" {
        return None;
    }
    let data = d.get(&StrKey("data"))?.as_str()?;
    base64_simd::STANDARD.decode_to_vec(data).ok()
}

/// How deeply tuples may nest inside a dict key or set element (every decoder checks). Python's parser refuses more
/// than 200 nested brackets anywhere, so no Python peer sends deeper keys; the limit keeps the
/// recursive `Hash`/`Eq` of [`Value`] on keys cheap in stack even in debug builds.
pub const KEY_MAX_DEPTH: usize = 200;

/// Python refuses unhashable dict keys and set elements (`TypeError: unhashable type`): lists,
/// dicts, sets (frozensets are fine), and keys nested deeper than [`KEY_MAX_DEPTH`].
///
/// Returns what hashing the key costs beyond reading it ([`KeyBudget`]), which the decoders
/// with a work budget charge.
pub(crate) fn check_hashable(value: &Value, at: usize) -> Result<usize> {
    check_hashable_within(value, at, &KeyBudget::UNLIMITED)
}

/// [`check_hashable`] that stops walking once the cost passes what `budget` has left and
/// returns a cost over it: the caller refuses the key without the rest of the walk, which for
/// a key around 60,000 ints cost the thread a millisecond each time.
pub(crate) fn check_hashable_within(value: &Value, at: usize, budget: &KeyBudget) -> Result<usize> {
    let mut cost = 0;
    check_key(value, at, 0, &mut cost, budget)?;
    Ok(cost)
}

fn check_key(
    value: &Value,
    at: usize,
    depth: usize,
    cost: &mut usize,
    budget: &KeyBudget,
) -> Result<()> {
    *cost = cost.saturating_add(budget.node_cost(value, depth));
    if *cost > budget.left {
        return Ok(());
    }
    let items: Box<dyn Iterator<Item = &Value>> = match value {
        Value::List(_) => return Err(unhashable("list", at)),
        Value::Dict(_) => return Err(unhashable("dict", at)),
        Value::Set(_) => return Err(unhashable("set", at)),
        Value::Tuple(items) => Box::new(items.iter()),
        Value::FrozenSet(items) => Box::new(items.iter()),
        _ => return Ok(()),
    };
    if depth >= KEY_MAX_DEPTH {
        return Err(Error::new(
            ErrorKind::TooDeep,
            format!("a dict key or set element nests deeper than {KEY_MAX_DEPTH} levels"),
        )
        .at(at));
    }
    for item in items {
        check_key(item, at, depth + 1, cost, budget)?;
        if *cost > budget.left {
            break;
        }
    }
    Ok(())
}

/// What hashing the set elements and dict keys of one input may still cost its decoder, in
/// units of 8 per node (about 16 ns of walking and hashing) plus the length of a str or bytes.
///
/// A full decode charges only the nodes two or more levels down a key: deeper values are
/// walked again (checked and hashed) for every set or dict key they sit in, which nested
/// frozensets make quadratic (190 frozensets around 100,000 ints, 500 KB of marshal, took
/// 224 ms to decode; a msgpack map key nested 190 times 1.2 s). Python caches a frozenset's
/// hash; a [`Value`] has no room for that, so the decoders count the work instead.
///
/// A decode capped below its full budget (the attempt on a runtime thread, which hands
/// anything costly to a payload thread) charges every node of a key, and the items that
/// containers announce ([`KeyBudget::charge_items`]): walking and hashing a key of 60,000
/// ints once took that thread 1.5 ms before the deeper levels ran out of budget, and an
/// attacker sending such keys from four connections held both runtime threads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyBudget {
    left: usize,
    /// The first depth down a key whose nodes are charged.
    charged_from: usize,
}

impl KeyBudget {
    /// No limit, for formats whose decoding is bounded otherwise (serpent: its keys are read
    /// from text once each).
    const UNLIMITED: KeyBudget = KeyBudget {
        left: usize::MAX,
        charged_from: 2,
    };

    /// The budget of decoding `len` bytes ([`key_work_budget`]), lowered to `cap` (and then
    /// charging every node) when that is less.
    pub(crate) fn new(len: usize, cap: usize) -> Self {
        let full = key_work_budget(len);
        KeyBudget {
            left: full.min(cap),
            charged_from: if cap < full { 0 } else { 2 },
        }
    }

    /// Takes `cost` (what [`check_hashable_within`] or [`check_key_depth`] returned) from
    /// what is left; `None` when it is more than that.
    pub(crate) fn charge(&mut self, cost: usize) -> Option<()> {
        self.left = self.left.checked_sub(cost)?;
        Some(())
    }

    /// Charges a capped decode for the `len` items a container announces, 8 each like a key
    /// node (a full decode has them bounded by its input already).
    ///
    /// On a runtime thread an array of 60,000 ints (60 KB of msgpack) is 1.9 MB of values to
    /// build and drop: with four attacking connections sending such keys, another client's
    /// p99 was 7-8 ms; handing them to a payload thread before building them made it 3.2 ms.
    /// At 32 per item (the bytes of a [`Value`]) a list of 10,000 ints went to a payload
    /// thread too, and one client echoing it in marshal lost 19% of its calls/s to the hop;
    /// at 8 it stays where it arrived (up to 32,768 items within 256 KiB).
    pub(crate) fn charge_items(&mut self, len: usize) -> Option<()> {
        if self.charged_from == 0 {
            self.charge(len.saturating_mul(8))
        } else {
            Some(())
        }
    }

    /// What walking `value`, `depth` levels down a key, costs.
    fn node_cost(&self, value: &Value, depth: usize) -> usize {
        if depth < self.charged_from {
            return 0;
        }
        8 + match value {
            Value::Str(s) => s.len(),
            Value::Bytes(b) => b.len(),
            _ => 0,
        }
    }
}

/// What hashing the set elements and dict keys of a `len`-byte input may cost beyond reading
/// them ([`check_hashable`]'s, [`check_key_depth`]'s costs), in the units of [`KeyBudget`]:
/// 1 MiB plus 16 per input byte. In a full decode only nodes two or more levels down a key
/// are counted, once for every key they sit in: a tuple key of tuples pays for each of its
/// nodes once, well within the 16 per byte every node took to send (and Python's msgpack
/// takes str and bytes keys only, which cost nothing). What runs out of it is keys nested in
/// keys nested in keys, each level walking all the levels below again: 60 KB of msgpack map
/// keys nested 150 deep cost 65 ms of a thread under the 32 MiB budget that reference copies
/// have (four such messages at a time kept a core busy), and ~4 ms under this one.
pub(crate) fn key_work_budget(len: usize) -> usize {
    (1usize << 20).saturating_add(len.saturating_mul(16))
}

/// Only the depth part of [`check_hashable`], for formats whose keys we take as they come
/// (msgpack: Python peers refuse every non-str key anyway, and our model can hash any value).
/// Returns the key's cost as [`check_hashable_within`] does, the walk stopped once it passes
/// what `budget` has left.
pub(crate) fn check_key_depth(value: &Value, at: usize, budget: &KeyBudget) -> Result<usize> {
    fn walk(value: &Value, depth: usize, cost: &mut usize, budget: &KeyBudget) -> bool {
        *cost = cost.saturating_add(budget.node_cost(value, depth));
        if *cost > budget.left {
            // Over budget: the caller refuses the key, deep or not.
            return true;
        }
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::List(items) | Value::Tuple(items) => Box::new(items.iter()),
            Value::Set(items) | Value::FrozenSet(items) => Box::new(items.iter()),
            Value::Dict(d) => Box::new(d.iter().flat_map(|(k, v)| [k, v])),
            _ => return true,
        };
        depth < KEY_MAX_DEPTH
            && children
                .into_iter()
                .all(|c| walk(c, depth + 1, cost, budget))
    }
    let mut cost = 0;
    if walk(value, 0, &mut cost, budget) {
        Ok(cost)
    } else {
        Err(Error::new(
            ErrorKind::TooDeep,
            format!("a dict key nests deeper than {KEY_MAX_DEPTH} levels"),
        )
        .at(at))
    }
}

fn unhashable(type_name: &str, at: usize) -> Error {
    Error::new(ErrorKind::Type, format!("unhashable type: '{type_name}'")).at(at)
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn equality_rules() {
        assert_eq!(Value::Float(f64::NAN), Value::Float(f64::NAN));
        assert_eq!(Value::Float(-0.0), Value::Float(0.0));
        assert_ne!(Value::Bool(true), Value::Int(1));
        assert_ne!(Value::Int(1), Value::Float(1.0));
        assert_ne!(Value::List(vec![]), Value::Tuple(vec![]));
        assert_eq!(Value::BigInt(Box::new(BigInt::from(5))), Value::Int(5));
        let a: Value = crate::set![1, 2, 3];
        let b: Value = crate::set![3, 2, 1];
        assert_eq!(a, b);
        let fixed = foldhash::fast::FixedState::with_seed(1);
        assert_eq!(fixed.hash_one(&a), fixed.hash_one(&b));
        assert_eq!(
            fixed.hash_one(Value::Float(-0.0)),
            fixed.hash_one(Value::Float(0.0))
        );
    }

    #[test]
    fn dict_keys_replace_in_place() {
        let mut d = Dict::default();
        d.insert("a".into(), 1.into());
        d.insert("b".into(), 2.into());
        d.insert("a".into(), 3.into());
        let v = Value::Dict(Box::new(d));
        assert_eq!(v.to_string(), "{'a': 3, 'b': 2}");
        assert_eq!(v.get("a"), Some(&Value::Int(3)));
    }

    #[test]
    fn serpent_bytes_dict_to_bytes() {
        let v: Value = crate::dict! { "data" => "AAECYmluYXJ5/w==", "encoding" => "base64" };
        assert_eq!(
            v.to_bytes().as_deref(),
            Some(&b"\x00\x01\x02binary\xff"[..])
        );
    }

    /// 40 bytes: the widest payload is `bytes::Bytes` (32), the price of zero-copy bytes
    /// values (a 10 MB echo went from four payload copies per hop to one).
    #[test]
    fn value_is_small() {
        assert!(std::mem::size_of::<Value>() <= 40);
    }
}
