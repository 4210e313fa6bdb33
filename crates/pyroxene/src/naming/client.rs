//! [`NameServer`]: the name server's remote API with Rust types.

use std::collections::BTreeMap;
use std::fmt::Display;

use pyroxene_wire::{Dict, ProtocolVersion, Value};

use super::{ListFilter, MetaFilter, RegisterOptions, Remove, TagSet};
use crate::error::{Error, ErrorKind, Result};
use crate::{Proxy, Uri};

/// One entry of a listing: the URI as the name server keeps it, and its metadata tags.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Registration {
    /// The registered URI, parsed.
    pub uri: Uri,
    /// The URI text exactly as the name server stores it (Python keeps what `register` got,
    /// so `pyro:x@h:1` stays lowercase there; `pyro5-nsc` prints this).
    pub text: String,
    /// The metadata tags, in the order the name server sent them (empty without metadata).
    pub metadata: TagSet,
}

/// A typed client of a Pyro name server (object `Pyro.NameServer`, Pyro5's or Pyro4's), over
/// a [`Proxy`].
///
/// The methods mirror `Pyro5.nameserver.NameServer`, with Rust types where Python has
/// optional arguments and flags:
///
/// | Python | here |
/// |---|---|
/// | `register(name, uri)` | [`register`](NameServer::register)`(name, uri)` |
/// | `register(name, uri, safe=True, metadata={...})` | [`register_with`](NameServer::register_with)`(name, uri, RegisterOptions::new().safe().metadata([...]))` |
/// | `remove(name)`, `remove(prefix=p)`, `remove(regex=r)` | [`remove`](NameServer::remove)`(Remove::Name / Prefix / Regex)` |
/// | `list()`, `list(prefix=p)`, `list(regex=r)` | [`list`](NameServer::list)`(ListFilter::All / Prefix / Regex)` |
/// | `list(..., return_metadata=True)` | [`list_with_metadata`](NameServer::list_with_metadata) |
/// | `lookup(name, return_metadata=True)` | [`lookup_with_metadata`](NameServer::lookup_with_metadata) |
/// | `yplookup(meta_all=...)`, `yplookup(meta_any=...)` | [`yplookup`](NameServer::yplookup)`(&MetaFilter::all / any(...))` |
///
/// Errors the name server raises come back as [`ErrorKind::Remote`] with the Python
/// exception (test for them with [`Error::is_naming_error`]):
///
/// ```no_run
/// # async fn run() -> pyroxene::Result<()> {
/// use pyroxene::naming::{ListFilter, NameServer, RegisterOptions, Remove, locate_ns_with};
/// let ns: NameServer = locate_ns_with(&pyroxene::Config::default(), Some("127.0.0.1"), Some(9090)).await?;
/// ns.register("my.object", "PYRO:obj@127.0.0.1:5555").await?;
/// let printer = RegisterOptions::new().safe().metadata(["class:Printer"]);
/// ns.register_with("my.printer", "PYRO:printer@127.0.0.1:5555", printer).await?;
/// let uri = ns.lookup("my.object").await?;
/// let mine = ns.list(ListFilter::Prefix("my.")).await?;
/// match ns.lookup("missing").await {
///     Err(e) if e.is_naming_error() => println!("{e}"), // NamingError: unknown name: missing
///     other => { other?; }
/// }
/// assert_eq!(ns.remove(Remove::Prefix("my.")).await?, 2);
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
    /// NamingError "unknown name: \<name\>" from the name server.
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

    /// `register(name, uri)`: registers `name`, replacing an earlier registration of it, with
    /// no metadata. The name server checks the URI text (a PyroError "invalid uri"
    /// otherwise). See [`NameServer::register_with`] for Python's `safe` and `metadata`.
    ///
    /// # Errors
    /// The name server's PyroError or TypeError.
    pub async fn register(&self, name: &str, uri: impl Display) -> Result<()> {
        self.register_with(name, uri, RegisterOptions::default())
            .await
    }

    /// `register(name, uri, safe=..., metadata=...)`. With [`RegisterOptions::safe`] an
    /// existing name is not replaced (NamingError "name already registered: \<name\>").
    ///
    /// # Errors
    /// The name server's NamingError, PyroError or TypeError.
    pub async fn register_with(
        &self,
        name: &str,
        uri: impl Display,
        options: RegisterOptions,
    ) -> Result<()> {
        let meta = if options.metadata.is_empty() {
            Value::None
        } else {
            tag_value(&options.metadata)
        };
        let args = vec![Value::from(name), Value::from(uri.to_string())];
        let kw = kwargs([("safe", options.safe.into()), ("metadata", meta)]);
        self.call("register", args, kw).await?;
        Ok(())
    }

    /// Registers `name` with a lease of `ttl` (pyroxene's extension, see [`super::lease`]): the
    /// options' tags plus `lease:SECONDS` (any lease tag among them is replaced). The name
    /// disappears `ttl` after this call unless renewed ([`NameServer::renew`], or registering
    /// again); [`Daemon::register_with_lease`](crate::Daemon::register_with_lease) renews for
    /// as long as the daemon runs. A Python name server keeps the tag as a plain tag.
    ///
    /// # Errors
    /// As [`NameServer::register_with`].
    pub async fn register_with_lease(
        &self,
        name: &str,
        uri: impl Display,
        ttl: std::time::Duration,
        mut options: RegisterOptions,
    ) -> Result<()> {
        options.metadata.retain(|t| !super::lease::is_lease_tag(t));
        options.metadata.insert(super::lease::lease_tag(ttl));
        self.register_with(name, uri, options).await
    }

    /// `renew(name)` (pyroxene's name server only; not in its metadata, so Python proxies don't
    /// list it): starts the lease of `name` over and returns the lease's length.
    ///
    /// # Errors
    /// NamingError "unknown name: ..." (also when the lease ran out), "name has no lease: ...";
    /// an AttributeError from a name server without leases (Python's).
    pub async fn renew(&self, name: &str) -> Result<std::time::Duration> {
        let v = self
            .call("renew", vec![Value::from(name)], Dict::default())
            .await?;
        seconds_of(&v).ok_or_else(|| invalid("renew", &v))
    }

    /// `leases()` (pyroxene's name server only, like [`NameServer::renew`]): every leased name
    /// with the time its lease has left.
    ///
    /// # Errors
    /// An AttributeError from a name server without leases (Python's).
    pub async fn leases(&self) -> Result<BTreeMap<String, std::time::Duration>> {
        let v = self.call("leases", Vec::new(), Dict::default()).await?;
        let Some(dict) = v.as_dict() else {
            return Err(invalid("leases", &v));
        };
        dict.iter()
            .map(|(name, left)| {
                let name = name.as_str().ok_or_else(|| invalid("leases", &v))?;
                let left = seconds_of(left).ok_or_else(|| invalid("leases", &v))?;
                Ok((name.to_owned(), left))
            })
            .collect()
    }

    /// `set_metadata(name, metadata)`: replaces the tags of a registration (none clears).
    ///
    /// # Errors
    /// NamingError "unknown name: \<name\>".
    pub async fn set_metadata<S: Into<String>>(
        &self,
        name: &str,
        metadata: impl IntoIterator<Item = S>,
    ) -> Result<()> {
        let tags: TagSet = metadata.into_iter().map(Into::into).collect();
        let args = vec![Value::from(name), tag_value(&tags)];
        self.call("set_metadata", args, Dict::default()).await?;
        Ok(())
    }

    /// `remove(name=...)`, `remove(prefix=...)` or `remove(regex=...)`: removes one name,
    /// every name with the prefix, or every name the regex matches (Python's `re.match`);
    /// never the name server's own entry. Returns how many were removed.
    ///
    /// # Errors
    /// NamingError "invalid regex: ..." for a bad regex.
    pub async fn remove(&self, what: Remove<'_>) -> Result<u64> {
        // All three keywords, as before: the one chosen, the others None.
        let pick = |key: &str| match what {
            Remove::Name(t) if key == "name" => Value::from(t),
            Remove::Prefix(t) if key == "prefix" => Value::from(t),
            Remove::Regex(t) if key == "regex" => Value::from(t),
            _ => Value::None,
        };
        let kw = kwargs([
            ("name", pick("name")),
            ("prefix", pick("prefix")),
            ("regex", pick("regex")),
        ]);
        let n = self.call("remove", Vec::new(), kw).await?;
        count_of(&n)
    }

    /// `list(prefix=..., regex=...)`: name → URI, all or filtered by a name prefix or a
    /// regex, sorted by name.
    ///
    /// # Errors
    /// NamingError "invalid regex: ..." for a bad regex.
    pub async fn list(&self, filter: ListFilter<'_>) -> Result<BTreeMap<String, Uri>> {
        let v = self
            .call("list", Vec::new(), list_kwargs(filter, None))
            .await?;
        entries(&v, "list", uri_of)
    }

    /// `list(..., return_metadata=True)`: as [`NameServer::list`], with the tags.
    ///
    /// # Errors
    /// As [`NameServer::list`].
    pub async fn list_with_metadata(
        &self,
        filter: ListFilter<'_>,
    ) -> Result<BTreeMap<String, Registration>> {
        let kw = list_kwargs(filter, Some(("return_metadata", true.into())));
        let v = self.call("list", Vec::new(), kw).await?;
        entries(&v, "list", registration_of)
    }

    /// `yplookup(meta_all=...)` or `yplookup(meta_any=...)` with `return_metadata=True`: the
    /// registrations having all, or any, of the filter's tags (an empty filter finds nothing).
    /// A Pyro4 name server has no `yplookup`: its `list(metadata_all=, metadata_any=,
    /// return_metadata=)` is called instead.
    ///
    /// # Errors
    /// Communication errors.
    pub async fn yplookup(&self, filter: &MetaFilter) -> Result<BTreeMap<String, Registration>> {
        let v = self.yp(filter, true).await?;
        entries(&v, "yplookup", registration_of)
    }

    /// `yplookup(..., return_metadata=False)`: name → URI only.
    ///
    /// # Errors
    /// As [`NameServer::yplookup`].
    pub async fn yplookup_uris(&self, filter: &MetaFilter) -> Result<BTreeMap<String, Uri>> {
        let v = self.yp(filter, false).await?;
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

    async fn yp(&self, filter: &MetaFilter, meta: bool) -> Result<Value> {
        // Python tests the filters for truth, so an empty list means "not given".
        let given = |tags: &TagSet| {
            if tags.is_empty() {
                Value::None
            } else {
                Value::List(tags.iter().map(|t| Value::from(t.as_str())).collect())
            }
        };
        let (all, any) = match filter {
            MetaFilter::All(tags) => (given(tags), Value::None),
            MetaFilter::Any(tags) => (Value::None, given(tags)),
        };
        match self.protocol_version().await? {
            // Pyro4: list(prefix, regex, metadata_all, metadata_any, return_metadata).
            ProtocolVersion::V4 => {
                let kw = kwargs([
                    ("metadata_all", all),
                    ("metadata_any", any),
                    ("return_metadata", meta.into()),
                ]);
                self.call("list", Vec::new(), kw).await
            }
            ProtocolVersion::V5 => {
                let kw = kwargs([
                    ("meta_all", all),
                    ("meta_any", any),
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

/// `list`'s keyword arguments: `prefix` and `regex` as Python's nsc sends them (None when not
/// given), then `extra`.
fn list_kwargs(filter: ListFilter<'_>, extra: Option<(&str, Value)>) -> Dict {
    let (prefix, regex) = match filter {
        ListFilter::All => (Value::None, Value::None),
        ListFilter::Prefix(p) => (Value::from(p), Value::None),
        ListFilter::Regex(r) => (Value::None, Value::from(r)),
    };
    let mut kw = kwargs([("prefix", prefix), ("regex", regex)]);
    if let Some((key, value)) = extra {
        kw.insert(Value::from(key), value);
    }
    kw
}

/// Tags as a set value (Python's name server stores sets; serpent writes an empty one as `()`).
fn tag_value(tags: &TagSet) -> Value {
    Value::Set(Box::new(
        tags.iter().map(|t| Value::from(t.as_str())).collect(),
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

/// Seconds (an int or a float) as a Duration.
fn seconds_of(v: &Value) -> Option<std::time::Duration> {
    let secs = match v {
        Value::Int(n) => u64::try_from(*n).ok()? as f64,
        Value::Float(f) => *f,
        _ => return None,
    };
    std::time::Duration::try_from_secs_f64(secs).ok()
}
