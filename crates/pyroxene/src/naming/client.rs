//! [`NameServer`]: the name server's remote API with Rust types.

use std::collections::BTreeMap;
use std::fmt::Display;

use pyroxene_wire::{Dict, ProtocolVersion, Value};

use super::TagSet;
use crate::error::{Error, ErrorKind, Result};
use crate::{Proxy, Uri};

/// One entry of a listing: the URI as the name server keeps it, and its metadata tags.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    /// The registered URI, parsed.
    pub uri: Uri,
    /// The URI text exactly as the name server stores it (Python keeps what `register` got,
    /// so `pyro:x@h:1` stays lowercase there; `pyro5-nsc` prints this).
    pub text: String,
    /// The metadata tags, in the order the name server sent them (empty without metadata).
    pub metadata: TagSet,
}

/// A typed client of a Pyro5 name server (object `Pyro.NameServer`), over a [`Proxy`].
///
/// The methods mirror `Pyro5.nameserver.NameServer`; errors the name server raises come back
/// as [`ErrorKind::Remote`] with the Python exception (test for them with
/// [`Error::is_naming_error`]):
///
/// ```no_run
/// # async fn run() -> pyroxene::Result<()> {
/// use pyroxene::naming::{NameServer, locate_ns_with};
/// let ns: NameServer = locate_ns_with(&pyroxene::Config::default(), Some("127.0.0.1"), Some(9090)).await?;
/// ns.register("my.object", "PYRO:obj@127.0.0.1:5555", false, &["class:Printer"]).await?;
/// let uri = ns.lookup("my.object").await?;
/// match ns.lookup("missing").await {
///     Err(e) if e.is_naming_error() => println!("{e}"), // Pyro5.errors.NamingError: unknown name: missing
///     other => { other?; }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct NameServer {
    proxy: Proxy,
}

impl NameServer {
    /// Uses `proxy` (for a `PYRO:Pyro.NameServer@...` URI) as the name server.
    pub fn new(proxy: Proxy) -> NameServer {
        NameServer { proxy }
    }

    /// The proxy underneath, for its URI or settings.
    pub fn proxy(&self) -> &Proxy {
        &self.proxy
    }

    /// `ping()`: checks the name server answers.
    ///
    /// # Errors
    /// Communication errors.
    pub async fn ping(&self) -> Result<()> {
        self.call("ping", Vec::new(), Dict::default()).await?;
        Ok(())
    }

    /// `count()`: the number of registrations (a fresh name server has 1, itself).
    ///
    /// # Errors
    /// Communication errors, or a reply that is not a count.
    pub async fn count(&self) -> Result<u64> {
        let n = self.call("count", Vec::new(), Dict::default()).await?;
        count_of(&n)
    }

    /// `lookup(name)`: the URI registered under `name`.
    ///
    /// # Errors
    /// NamingError "unknown name: <name>" from the name server.
    pub async fn lookup(&self, name: &str) -> Result<Uri> {
        let v = self
            .call("lookup", vec![Value::from(name)], Dict::default())
            .await?;
        uri_of(&v)
    }

    /// `lookup(name, return_metadata=True)`: the URI and its metadata tags.
    ///
    /// # Errors
    /// As [`NameServer::lookup`].
    pub async fn lookup_with_metadata(&self, name: &str) -> Result<(Uri, TagSet)> {
        let v = self
            .call(
                "lookup",
                vec![Value::from(name)],
                kwargs([("return_metadata", true.into())]),
            )
            .await?;
        match v.as_seq() {
            Some([uri, meta]) => Ok((uri_of(uri)?, tags_of(meta)?)),
            _ => Err(invalid("lookup", &v)),
        }
    }

    /// `register(name, uri, safe, metadata)`. With `safe`, an existing name is not replaced
    /// (NamingError "name already registered: <name>"). The name server checks the URI
    /// text (a PyroError "invalid uri" otherwise). Empty `metadata` registers none.
    ///
    /// # Errors
    /// The name server's NamingError, PyroError or TypeError.
    pub async fn register<S: AsRef<str>>(
        &self,
        name: &str,
        uri: impl Display,
        safe: bool,
        metadata: &[S],
    ) -> Result<()> {
        let meta = if metadata.is_empty() {
            Value::None
        } else {
            tag_value(metadata)
        };
        let args = vec![Value::from(name), Value::from(uri.to_string())];
        let kw = kwargs([("safe", safe.into()), ("metadata", meta)]);
        self.call("register", args, kw).await?;
        Ok(())
    }

    /// `set_metadata(name, metadata)`: replaces the tags of a registration (empty clears).
    ///
    /// # Errors
    /// NamingError "unknown name: <name>".
    pub async fn set_metadata<S: AsRef<str>>(&self, name: &str, metadata: &[S]) -> Result<()> {
        let args = vec![Value::from(name), tag_value(metadata)];
        self.call("set_metadata", args, Dict::default()).await?;
        Ok(())
    }

    /// `remove(name, prefix, regex)`: removes one name, else every name with the prefix,
    /// else every name the regex matches (Python's `re.match`); never the name server's own
    /// entry. Returns how many were removed.
    ///
    /// # Errors
    /// NamingError "invalid regex: ..." for a bad regex.
    pub async fn remove(
        &self,
        name: Option<&str>,
        prefix: Option<&str>,
        regex: Option<&str>,
    ) -> Result<u64> {
        let kw = kwargs([
            ("name", opt(name)),
            ("prefix", opt(prefix)),
            ("regex", opt(regex)),
        ]);
        let n = self.call("remove", Vec::new(), kw).await?;
        count_of(&n)
    }

    /// `list(prefix, regex)`: name → URI, filtered by a name prefix or a regex (not both),
    /// sorted by name.
    ///
    /// # Errors
    /// NamingError "invalid regex: ..."; ValueError when both filters are given.
    pub async fn list(
        &self,
        prefix: Option<&str>,
        regex: Option<&str>,
    ) -> Result<BTreeMap<String, Uri>> {
        let kw = kwargs([("prefix", opt(prefix)), ("regex", opt(regex))]);
        let v = self.call("list", Vec::new(), kw).await?;
        entries(&v, "list", uri_of)
    }

    /// `list(prefix, regex, return_metadata=True)`: as [`NameServer::list`], with the tags.
    ///
    /// # Errors
    /// As [`NameServer::list`].
    pub async fn list_with_metadata(
        &self,
        prefix: Option<&str>,
        regex: Option<&str>,
    ) -> Result<BTreeMap<String, Registration>> {
        let kw = kwargs([
            ("prefix", opt(prefix)),
            ("regex", opt(regex)),
            ("return_metadata", true.into()),
        ]);
        let v = self.call("list", Vec::new(), kw).await?;
        entries(&v, "list", registration_of)
    }

    /// `yplookup(meta_all, meta_any, return_metadata=True)`: the registrations having all
    /// of `meta_all`, or any of `meta_any` (give one; both empty finds nothing). A Pyro4
    /// name server has no `yplookup`: its `list(metadata_all=, metadata_any=,
    /// return_metadata=)` is called instead.
    ///
    /// # Errors
    /// ValueError when both are given.
    pub async fn yplookup<S: AsRef<str>>(
        &self,
        meta_all: &[S],
        meta_any: &[S],
    ) -> Result<BTreeMap<String, Registration>> {
        let v = self.yp(meta_all, meta_any, true).await?;
        entries(&v, "yplookup", registration_of)
    }

    /// `yplookup(meta_all, meta_any, return_metadata=False)`: name → URI only.
    ///
    /// # Errors
    /// As [`NameServer::yplookup`].
    pub async fn yplookup_uris<S: AsRef<str>>(
        &self,
        meta_all: &[S],
        meta_any: &[S],
    ) -> Result<BTreeMap<String, Uri>> {
        let v = self.yp(meta_all, meta_any, false).await?;
        entries(&v, "yplookup", uri_of)
    }

    /// The protocol of the name server: Pyro4's has the metadata search in `list` (and no
    /// `yplookup`). Connects under `auto` when not connected yet.
    ///
    /// # Errors
    /// When the name server can't be reached.
    pub async fn protocol_version(&self) -> Result<ProtocolVersion> {
        self.proxy.ensure_version().await
    }

    async fn yp<S: AsRef<str>>(&self, all: &[S], any: &[S], meta: bool) -> Result<Value> {
        // Python tests the filters for truth, so an empty list means "not given".
        let filter = |tags: &[S]| {
            if tags.is_empty() {
                Value::None
            } else {
                Value::List(tags.iter().map(|t| Value::from(t.as_ref())).collect())
            }
        };
        match self.protocol_version().await? {
            // Pyro4: list(prefix, regex, metadata_all, metadata_any, return_metadata).
            ProtocolVersion::V4 => {
                let kw = kwargs([
                    ("metadata_all", filter(all)),
                    ("metadata_any", filter(any)),
                    ("return_metadata", meta.into()),
                ]);
                self.call("list", Vec::new(), kw).await
            }
            ProtocolVersion::V5 => {
                let kw = kwargs([
                    ("meta_all", filter(all)),
                    ("meta_any", filter(any)),
                    ("return_metadata", meta.into()),
                ]);
                self.call("yplookup", Vec::new(), kw).await
            }
        }
    }

    async fn call(&self, method: &str, args: Vec<Value>, kwargs: Dict) -> Result<Value> {
        self.proxy
            .call(method, Value::Tuple(args), Some(kwargs))
            .await
    }
}

fn kwargs<const N: usize>(items: [(&str, Value); N]) -> Dict {
    items
        .into_iter()
        .map(|(k, v)| (Value::from(k), v))
        .collect()
}

fn opt(text: Option<&str>) -> Value {
    text.map_or(Value::None, Value::from)
}

/// Tags as a set value (Python's name server stores sets; serpent writes an empty one as `()`).
fn tag_value<S: AsRef<str>>(tags: &[S]) -> Value {
    Value::Set(Box::new(
        tags.iter().map(|t| Value::from(t.as_ref())).collect(),
    ))
}

fn invalid(method: &str, value: &Value) -> Error {
    Error::new(
        ErrorKind::Protocol,
        format!("unexpected name server reply to {method}: {value}"),
    )
}

fn count_of(v: &Value) -> Result<u64> {
    v.as_i64()
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| invalid("count", v))
}

/// A URI from a URI class dict (`lookup`) or a URI string (`list`).
pub(super) fn uri_of(v: &Value) -> Result<Uri> {
    Uri::from_value(v).map_err(|e| {
        Error::new(ErrorKind::Protocol, "invalid URI from the name server").with_source(e)
    })
}

/// Metadata tags: a set (serpent, marshal), list (json, msgpack) or `()` for an empty set.
fn tags_of(v: &Value) -> Result<TagSet> {
    let items: Box<dyn Iterator<Item = &Value>> = match v {
        Value::Set(s) | Value::FrozenSet(s) => Box::new(s.iter()),
        Value::List(l) | Value::Tuple(l) => Box::new(l.iter()),
        Value::None => Box::new(std::iter::empty()),
        other => return Err(invalid("metadata", other)),
    };
    items
        .map(|t| {
            t.as_str()
                .map(str::to_owned)
                .ok_or_else(|| invalid("metadata", t))
        })
        .collect()
}

/// `(uri_text, tags)` of a listing with metadata.
fn registration_of(v: &Value) -> Result<Registration> {
    match v.as_seq() {
        Some([uri, meta]) => {
            let text = uri
                .as_str()
                .map_or_else(|| uri_of(uri).map(|u| u.to_string()), |s| Ok(s.to_owned()))?;
            Ok(Registration {
                uri: uri_of(uri)?,
                text,
                metadata: tags_of(meta)?,
            })
        }
        _ => Err(invalid("list", v)),
    }
}

fn entries<T>(
    v: &Value,
    method: &str,
    each: impl Fn(&Value) -> Result<T>,
) -> Result<BTreeMap<String, T>> {
    let dict = v.as_dict().ok_or_else(|| invalid(method, v))?;
    dict.iter()
        .map(|(k, v)| {
            let name = k.as_str().ok_or_else(|| invalid(method, k))?;
            Ok((name.to_owned(), each(v)?))
        })
        .collect()
}
