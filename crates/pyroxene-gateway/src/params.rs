//! A request's parameters as call arguments: the query string as Python's gateway reads it
//! (`urllib.parse.parse_qs`: keyword arguments, values stay strings, a repeated name becomes
//! a list), plus our extensions for POST: a form body, or a JSON body with typed arguments.
//!
//! ```text
//! GET  /pyro/shop.cart/add?item=apple&qty=2          add(item="apple", qty="2")
//! POST /pyro/shop.cart/add   item=apple&qty=2         (form body: the same)
//! POST /pyro/shop.cart/add   {"args": ["apple"], "kwargs": {"qty": 2}}   add("apple", qty=2)
//! ```
//!
//! Pure functions over bytes (no HTTP types), so they are fuzzed (`fuzz/fuzz_targets/
//! gateway_params.rs`) and tested on their own. Text must be UTF-8 where Python would
//! substitute U+FFFD: a gateway that forwards calls should not invent characters.

use indexmap::IndexMap;
use pyroxene::wire::serializer::json;
use pyroxene::{Dict, Value};

/// How a POST body is read, from its `Content-Type` (parameters such as `charset` ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body, a GET, or a content type we don't read (Python's gateway reads no body at all).
    Ignored,
    /// `application/x-www-form-urlencoded`: more keyword arguments, as Pyro4's gateway reads.
    Form,
    /// `application/json`: `{"args": [...], "kwargs": {...}}`, typed values.
    Json,
}

impl BodyKind {
    /// The kind of a POST body with this `Content-Type` header value.
    ///
    /// ```
    /// use pyroxene_gateway::params::BodyKind;
    /// assert_eq!(BodyKind::of_post(Some(b"application/json; charset=utf-8")), BodyKind::Json);
    /// assert_eq!(BodyKind::of_post(Some(b"text/plain")), BodyKind::Ignored);
    /// ```
    pub fn of_post(content_type: Option<&[u8]>) -> BodyKind {
        let Some(value) = content_type else {
            return BodyKind::Ignored;
        };
        let media = value.split(|&b| b == b';').next().unwrap_or_default();
        let media = media.trim_ascii();
        if media.eq_ignore_ascii_case(b"application/x-www-form-urlencoded") {
            BodyKind::Form
        } else if media.eq_ignore_ascii_case(b"application/json") {
            BodyKind::Json
        } else {
            BodyKind::Ignored
        }
    }
}

/// The arguments of one call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parameters {
    /// Positional arguments (only a JSON body has them).
    pub args: Vec<Value>,
    /// Keyword arguments in first-seen order: str values from the query and form (a name
    /// given several times: a list of str), any value from a JSON body.
    pub kwargs: Dict,
}

impl Parameters {
    /// True when there are no arguments at all (Python's `not parameters`).
    pub fn is_empty(&self) -> bool {
        self.args.is_empty() && self.kwargs.is_empty()
    }

    /// Removes and returns parameter `name` (how `$key` is taken out before the call).
    pub fn take(&mut self, name: &str) -> Option<Value> {
        self.kwargs.shift_remove(&Value::from(name))
    }
}

/// A request that can't be turned into a call; answered with 400 and this text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

/// Parses the query string (raw, still percent-encoded) and a POST body of `kind` into the
/// call's arguments, at most `max_params` of them (each query or form pair, positional and
/// keyword argument counts one).
///
/// ```
/// use pyroxene_gateway::params::{BodyKind, parse};
/// use pyroxene::Value;
/// let p = parse(Some("message=hello%20world&n=1&n=2&empty=&flag"), BodyKind::Ignored, b"", 100).unwrap();
/// assert_eq!(p.kwargs.get(&Value::from("message")), Some(&Value::from("hello world")));
/// assert_eq!(p.kwargs.get(&Value::from("n")), Some(&pyroxene::list!["1", "2"]));
/// assert_eq!(p.kwargs.len(), 2); // blank values and names without '=' are dropped, as parse_qs does
///
/// let p = parse(None, BodyKind::Json, br#"{"args": [1, 2.5], "kwargs": {"x": [true]}}"#, 100).unwrap();
/// assert_eq!(p.args, vec![Value::Int(1), Value::Float(2.5)]);
/// assert!(parse(Some("a=%ff"), BodyKind::Ignored, b"", 100).is_err());
/// ```
///
/// # Errors
/// [`BadRequest`] for invalid UTF-8 (after percent-decoding), a malformed JSON body or one of
/// another shape, a name given both in the query/form and in the JSON body, and more than
/// `max_params` parameters.
pub fn parse(
    query: Option<&str>,
    kind: BodyKind,
    body: &[u8],
    max_params: usize,
) -> Result<Parameters, BadRequest> {
    let mut pairs = Pairs {
        map: IndexMap::new(),
        count: 0,
        max: max_params,
    };
    // Pyro4's gateway (cgi.FieldStorage) reads the body's fields before the query's.
    if kind == BodyKind::Form {
        pairs.add_urlencoded(body, "form body")?;
    }
    if let Some(query) = query {
        pairs.add_urlencoded(query.as_bytes(), "query string")?;
    }
    let count = pairs.count;
    let mut params = Parameters {
        args: Vec::new(),
        kwargs: pairs.into_kwargs(),
    };
    if kind == BodyKind::Json && !body.trim_ascii().is_empty() {
        add_json(&mut params, body, max_params.saturating_sub(count))?;
    }
    Ok(params)
}

struct Pairs {
    map: IndexMap<String, Vec<String>>,
    count: usize,
    max: usize,
}

impl Pairs {
    /// Python's `parse_qsl(text, keep_blank_values=False)`: `&`-separated, pieces without
    /// `=` or with an empty value dropped, `+` is a space, then percent-decoding.
    fn add_urlencoded(&mut self, text: &[u8], what: &str) -> Result<(), BadRequest> {
        for piece in text.split(|&b| b == b'&') {
            let Some(eq) = piece.iter().position(|&b| b == b'=') else {
                continue;
            };
            let (name, value) = (&piece[..eq], &piece[eq + 1..]);
            if value.is_empty() {
                continue;
            }
            self.count += 1;
            if self.count > self.max {
                return Err(too_many(self.max));
            }
            let name = decode_component(name, what)?;
            let value = decode_component(value, what)?;
            self.map.entry(name).or_default().push(value);
        }
        Ok(())
    }

    /// Python's `singlyfy_parameters`: one value stays a str, several make a list.
    fn into_kwargs(self) -> Dict {
        self.map
            .into_iter()
            .map(|(name, mut values)| {
                let value = if values.len() == 1 {
                    Value::Str(values.pop().unwrap_or_default())
                } else {
                    Value::List(values.into_iter().map(Value::Str).collect())
                };
                (Value::Str(name), value)
            })
            .collect()
    }
}

fn too_many(max: usize) -> BadRequest {
    BadRequest(format!("too many parameters (at most {max})"))
}

/// `+` to space, percent-decoding, strict UTF-8.
fn decode_component(raw: &[u8], what: &str) -> Result<String, BadRequest> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    String::from_utf8(bytes).map_err(|_| BadRequest(format!("invalid UTF-8 in the {what}")))
}

/// Percent-decodes a URL path (no `+` rule in paths), strict UTF-8.
///
/// # Errors
/// [`BadRequest`] when the decoded bytes are not UTF-8.
pub fn decode_path(raw: &str) -> Result<String, BadRequest> {
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(raw).collect();
    String::from_utf8(bytes).map_err(|_| BadRequest("invalid UTF-8 in the path".to_owned()))
}

/// `{"args": [...], "kwargs": {...}}`, both optional, nothing else.
fn add_json(params: &mut Parameters, body: &[u8], room: usize) -> Result<(), BadRequest> {
    let value = json::from_slice(body)
        .map_err(|e| BadRequest(format!("invalid JSON body: {}", e.message())))?;
    let Value::Dict(top) = value else {
        return Err(BadRequest(format!(
            "the JSON body must be an object with \"args\" and/or \"kwargs\", not {}",
            value.type_name()
        )));
    };
    let mut used = 0usize;
    for (key, value) in *top {
        match (key.as_str(), value) {
            (Some("args"), Value::List(items)) => {
                used += items.len();
                if used > room {
                    return Err(too_many(room));
                }
                params.args = items;
            }
            (Some("kwargs"), Value::Dict(items)) => {
                used += items.len();
                if used > room {
                    return Err(too_many(room));
                }
                for (name, value) in *items {
                    if params.kwargs.contains_key(&name) {
                        return Err(BadRequest(format!(
                            "parameter {name} given twice (query or form, and JSON body)"
                        )));
                    }
                    params.kwargs.insert(name, value);
                }
            }
            (Some("args"), other) => {
                return Err(BadRequest(format!(
                    "\"args\" must be a JSON array, not {}",
                    other.type_name()
                )));
            }
            (Some("kwargs"), other) => {
                return Err(BadRequest(format!(
                    "\"kwargs\" must be a JSON object, not {}",
                    other.type_name()
                )));
            }
            _ => {
                return Err(BadRequest(format!(
                    "unexpected key {key} in the JSON body (only \"args\" and \"kwargs\")"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyroxene::{dict, list};

    fn kw(p: &Parameters) -> Value {
        Value::Dict(Box::new(p.kwargs.clone()))
    }

    /// What Python's `singlyfy_parameters(parse_qs(qs))` gives for each query string.
    #[test]
    fn parse_qs_table() {
        let table: &[(&str, Value)] = &[
            ("", dict! {}),
            ("a=1", dict! { "a" => "1" }),
            ("a=1&a=2&b=x", dict! { "a" => list!["1", "2"], "b" => "x" }),
            ("a=&b", dict! {}),
            ("&&a=1&&", dict! { "a" => "1" }),
            ("a+b=c+d", dict! { "a b" => "c d" }),
            ("a%2Bb=%3D%26", dict! { "a+b" => "=&" }),
            ("=x", dict! { "" => "x" }),
            ("a==b", dict! { "a" => "=b" }),
            ("a=1;b=2", dict! { "a" => "1;b=2" }),
            ("x=%C3%A9%E2%82%AC", dict! { "x" => "é€" }),
            ("x=%zz", dict! { "x" => "%zz" }),
            ("$key=secret&m=1", dict! { "$key" => "secret", "m" => "1" }),
        ];
        for (qs, want) in table {
            let p = parse(Some(qs), BodyKind::Ignored, b"", 100).unwrap();
            assert_eq!(&kw(&p), want, "{qs:?}");
            assert!(p.args.is_empty());
        }
    }

    #[test]
    fn form_body_fields_come_before_the_query() {
        let p = parse(Some("m=q&z=1"), BodyKind::Form, b"m=f&y=2", 100).unwrap();
        assert_eq!(
            kw(&p),
            dict! { "m" => list!["f", "q"], "y" => "2", "z" => "1" }
        );
        // A body of another kind is not read, as in Python's gateway.
        let p = parse(Some("m=q"), BodyKind::Ignored, b"m=f", 100).unwrap();
        assert_eq!(kw(&p), dict! { "m" => "q" });
    }

    #[test]
    fn json_body_gives_typed_arguments() {
        let body = br#"{"args": [1, "two", null, [1.5]], "kwargs": {"big": 123456789012345678901234567890}}"#;
        let p = parse(Some("q=s"), BodyKind::Json, body, 100).unwrap();
        assert_eq!(
            p.args,
            vec![Value::Int(1), "two".into(), Value::None, list![1.5]]
        );
        assert_eq!(
            kw(&p).to_string(),
            "{'q': 's', 'big': 123456789012345678901234567890}"
        );
        let empty = parse(None, BodyKind::Json, b"  ", 100).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn malformed_requests_are_refused_with_a_reason() {
        let bad: &[(Option<&str>, BodyKind, &[u8], &str)] = &[
            (
                Some("a=%ff"),
                BodyKind::Ignored,
                b"",
                "invalid UTF-8 in the query string",
            ),
            (
                Some("%c3=1"),
                BodyKind::Ignored,
                b"",
                "invalid UTF-8 in the query string",
            ),
            (
                None,
                BodyKind::Form,
                b"a=%80",
                "invalid UTF-8 in the form body",
            ),
            (None, BodyKind::Json, b"{", "invalid JSON body: "),
            (None, BodyKind::Json, b"\xff", "invalid JSON body: "),
            (
                None,
                BodyKind::Json,
                b"[1]",
                "the JSON body must be an object",
            ),
            (
                None,
                BodyKind::Json,
                br#"{"args": {}}"#,
                "\"args\" must be a JSON array, not dict",
            ),
            (
                None,
                BodyKind::Json,
                br#"{"kwargs": []}"#,
                "\"kwargs\" must be a JSON object, not list",
            ),
            (
                None,
                BodyKind::Json,
                br#"{"other": 1}"#,
                "unexpected key 'other' in the JSON body",
            ),
            (
                Some("x=1"),
                BodyKind::Json,
                br#"{"kwargs": {"x": 2}}"#,
                "parameter 'x' given twice",
            ),
        ];
        for (query, kind, body, want) in bad {
            let err = parse(*query, *kind, body, 100).unwrap_err();
            assert!(err.0.starts_with(want), "{query:?} {body:?}: {err}");
        }
    }

    #[test]
    fn parameter_count_is_bounded_across_sources() {
        let qs = (0..101)
            .map(|i| format!("p{i}=v"))
            .collect::<Vec<_>>()
            .join("&");
        let err = parse(Some(&qs), BodyKind::Ignored, b"", 100).unwrap_err();
        assert_eq!(err.0, "too many parameters (at most 100)");
        // A repeated name counts per pair: a list of 10,000 values is refused too.
        let qs = vec!["a=1"; 10_000].join("&");
        assert!(parse(Some(&qs), BodyKind::Ignored, b"", 100).is_err());
        let err = parse(
            Some("a=1&b=2"),
            BodyKind::Json,
            br#"{"args": [1, 2, 3]}"#,
            4,
        )
        .unwrap_err();
        assert_eq!(err.0, "too many parameters (at most 2)");
        assert!(parse(Some("a=1"), BodyKind::Json, br#"{"args": [1, 2, 3]}"#, 4).is_ok());
    }

    #[test]
    fn paths_decode_strictly() {
        assert_eq!(decode_path("/pyro/a%20b/c+d").unwrap(), "/pyro/a b/c+d");
        assert!(decode_path("/pyro/%ff/x").is_err());
    }
}
