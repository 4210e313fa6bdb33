//! Reading the name server's arguments from wire values, with the TypeErrors Python's name
//! server raises for the wrong types.

use std::collections::BTreeSet;

use pyroxene::{Uri, Value};

use crate::error::{NsError, Result};

fn type_error(text: impl Into<String>) -> NsError {
    NsError::Type(text.into())
}

/// Python's text for using an unhashable value as a set item or dict key, if `v` is one.
fn unhashable(v: &Value) -> Option<NsError> {
    matches!(v, Value::List(_) | Value::Dict(_) | Value::Set(_))
        .then(|| type_error(format!("unhashable type: '{}'", v.type_name())))
}

/// Python's truthiness of an optional argument (absent = None = false).
pub(crate) fn truthy(v: Option<&Value>) -> bool {
    v.is_some_and(Value::is_truthy)
}

/// An optional str argument; None (or absent) is `None`. `bad` is the TypeError text for
/// another type.
pub(crate) fn opt_str<'a>(v: Option<&'a Value>, bad: &str) -> Result<Option<&'a str>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(_) => Err(type_error(bad)),
    }
}

/// The `name` of `register` and `set_metadata`, which Python checks to be a str.
pub(crate) fn name(v: &Value) -> Result<&str> {
    v.as_str().ok_or_else(|| type_error("name must be a str"))
}

/// The `name` of `lookup`: Python doesn't check it, it fails while building its error text.
pub(crate) fn lookup_name(v: &Value) -> Result<&str> {
    if let Some(s) = v.as_str() {
        return Ok(s);
    }
    Err(unhashable(v).unwrap_or_else(|| {
        type_error(format!(
            "can only concatenate str (not \"{}\") to str",
            v.type_name()
        ))
    }))
}

/// The `uri` of `register`: a URI object (stored as `str(uri)`) or a str (validated by the
/// caller, stored unchanged).
pub(crate) fn uri_text(v: &Value) -> Result<String> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        Value::Dict(_) if pyroxene::wire::dialect::class_of(v).is_some() => {
            match Uri::from_value(v) {
                Ok(uri) => Ok(uri.to_string()),
                Err(_) => Err(type_error("only URIs or strings can be registered")),
            }
        }
        _ => Err(type_error("only URIs or strings can be registered")),
    }
}

/// Whether `v` is a list, tuple, set or dict: an iterable whose items [`metadata`] may still
/// refuse.
pub(crate) fn is_collection(v: Option<&Value>) -> bool {
    matches!(
        v,
        Some(
            Value::List(_) | Value::Tuple(_) | Value::Set(_) | Value::FrozenSet(_) | Value::Dict(_)
        )
    )
}

/// The items of an iterable argument as Python's `set(x)` / `frozenset(x)` sees them.
fn items<'a>(v: &'a Value, what: &str) -> Result<Vec<&'a Value>> {
    match v {
        Value::Str(_) => Err(type_error(format!(
            "{what} should not be a str, but another iterable (set, list, etc)"
        ))),
        Value::List(xs) | Value::Tuple(xs) => Ok(xs.iter().collect()),
        Value::Set(xs) | Value::FrozenSet(xs) => Ok(xs.iter().collect()),
        Value::Dict(d) => Ok(d.keys().collect()),
        // Iterating bytes gives ints, which the caller refuses or ignores like other non-str.
        Value::Bytes(_) => Err(type_error(format!("{what} items must be str, not 'int'"))),
        other => Err(type_error(format!(
            "'{}' object is not iterable",
            other.type_name()
        ))),
    }
}

/// The `metadata` of `register` / `set_metadata`: None, or an iterable of str.
///
/// Python accepts any hashable items; pyroxene stores tags as text, so a non-str item is
/// refused with a TypeError (`metadata items must be str, not 'int'`) instead of being kept
/// (Python's sqlite store would turn it into text anyway).
pub(crate) fn metadata(v: Option<&Value>) -> Result<BTreeSet<String>> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(BTreeSet::new());
    };
    items(v, "metadata")?
        .into_iter()
        .map(|item| match item {
            Value::Str(s) => Ok(s.clone()),
            other => Err(unhashable(other).unwrap_or_else(|| {
                type_error(format!(
                    "metadata items must be str, not '{}'",
                    other.type_name()
                ))
            })),
        })
        .collect()
}

/// A `meta_all` / `meta_any` search set: its str items, and whether it had items of other
/// (hashable) types, which no registration can have (Python just finds no match for them).
pub(crate) fn search_tags(v: &Value, what: &str) -> Result<(BTreeSet<String>, bool)> {
    let mut tags = BTreeSet::new();
    let mut foreign = false;
    for item in items(v, what)? {
        match item {
            Value::Str(s) => {
                tags.insert(s.clone());
            }
            other => {
                if let Some(e) = unhashable(other) {
                    return Err(e);
                }
                foreign = true;
            }
        }
    }
    Ok((tags, foreign))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyroxene::{list, set, tuple};

    #[test]
    fn metadata_shapes() {
        let tags = |v: Value| metadata(Some(&v)).map_err(|e| e.to_string());
        let want: BTreeSet<String> = ["a".into(), "b".into()].into();
        assert_eq!(tags(list!["a", "b", "a"]), Ok(want.clone()));
        assert_eq!(tags(tuple!["b", "a"]), Ok(want.clone()));
        assert_eq!(tags(set!["a", "b"]), Ok(want));
        assert_eq!(tags(Value::None), Ok(BTreeSet::new()));
        assert_eq!(
            tags(Value::from("ab")),
            Err("metadata should not be a str, but another iterable (set, list, etc)".into())
        );
        assert_eq!(
            tags(Value::from(5)),
            Err("'int' object is not iterable".into())
        );
        assert_eq!(tags(list![list![1]]), Err("unhashable type: 'list'".into()));
        assert_eq!(
            tags(list![1]),
            Err("metadata items must be str, not 'int'".into())
        );
    }

    #[test]
    fn lookup_name_errors_are_pythons() {
        assert_eq!(
            lookup_name(&Value::from(5)).unwrap_err().to_string(),
            "can only concatenate str (not \"int\") to str"
        );
        assert_eq!(
            lookup_name(&list![]).unwrap_err().to_string(),
            "unhashable type: 'list'"
        );
    }
}
