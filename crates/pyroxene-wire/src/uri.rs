//! Pyro URIs: [`Uri`] parsed and printed exactly as Python's `Pyro5.core.URI` (the grammar is
//! the same in Pyro4).
//!
//! ```text
//! PYRO:<object>@<host>:<port>          a daemon object over TCP (IPv6 hosts in brackets)
//! PYRO:<object>@./u:<socketpath>       ... over a unix domain socket
//! PYRONAME:<name>[@<host>[:<port>]]    look the name up in a name server (port 9090)
//! PYROMETA:<tag>,<tag>[@<host>[:port]] a random object having all these metadata tags
//! ```
//!
//! ```
//! use pyroxene_wire::Uri;
//! let uri: Uri = "pyro:test.echoserver@[::1]:9999".parse().unwrap();
//! assert_eq!(uri.object(), "test.echoserver");
//! assert_eq!((uri.host(), uri.port()), (Some("::1"), Some(9999)));
//! assert_eq!(uri.to_string(), "PYRO:test.echoserver@[::1]:9999");
//! assert_eq!("PYRO:obj".parse::<Uri>().unwrap_err().to_string(), "invalid uri");
//! ```
//!
//! Deviations from Python, all about ports: a port must fit 0..=65535 (Python accepts any
//! `int()`, e.g. `-1` or `99999`, and fails only when connecting), and only ASCII digits count
//! as digits (Python's `int()` also takes other Unicode decimal digits). Both are refused with
//! Python's "invalid port in uri, port=..." text.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use indexmap::IndexSet;

/// The name server port a `PYRONAME:`/`PYROMETA:` URI gets when its location has a host but
/// no port (config `NS_PORT`).
pub const DEFAULT_NS_PORT: u16 = 9090;

/// The metadata tags of a `PYROMETA:` URI, in the order they were written.
pub type TagSet = IndexSet<String, crate::value::RandomState>;

/// The scheme of a [`Uri`], uppercased (Pyro accepts it in any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UriProtocol {
    /// `PYRO:`: a direct object address.
    Pyro,
    /// `PYRONAME:`: a name to resolve through a name server.
    PyroName,
    /// `PYROMETA:`: metadata tags to resolve through a name server.
    PyroMeta,
}

impl UriProtocol {
    /// `"PYRO"`, `"PYRONAME"` or `"PYROMETA"`.
    pub fn as_str(self) -> &'static str {
        match self {
            UriProtocol::Pyro => "PYRO",
            UriProtocol::PyroName => "PYRONAME",
            UriProtocol::PyroMeta => "PYROMETA",
        }
    }

    /// The protocol named `name` (already uppercased, as in a state tuple).
    pub fn from_name(name: &str) -> Option<UriProtocol> {
        match name {
            "PYRO" => Some(UriProtocol::Pyro),
            "PYRONAME" => Some(UriProtocol::PyroName),
            "PYROMETA" => Some(UriProtocol::PyroMeta),
            _ => None,
        }
    }
}

/// Why a text is not a Pyro URI; `Display` is Python's message (a `PyroError` there).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// The text does not have the `PROTOCOL:object[@location]` shape, or a `PYRO:` URI has no
    /// location.
    #[error("invalid uri")]
    Invalid,
    /// A protocol other than PYRO, PYRONAME and PYROMETA.
    #[error("invalid uri (protocol)")]
    Protocol,
    /// A unix socket location with an empty path or a `:` in it.
    #[error("invalid uri (location)")]
    Location,
    /// The port is missing (`PYRO:` needs one) or not a number; the text is what stood there
    /// (`None` when nothing did).
    #[error("invalid port in uri, port={0}")]
    Port(String),
    /// `[[...`.
    #[error("invalid ipv6 address: enclosed in too many brackets")]
    Ipv6Brackets,
    /// Brackets around something other than hex digits, `:` and `%`.
    #[error("invalid ipv6 address: the part between brackets must be a numeric ipv6 address")]
    Ipv6Address,
}

impl UriError {
    /// The Pyro class Python raises for this error: `PyroError`.
    pub fn python_class(&self) -> crate::dialect::PyroErrorClass {
        crate::dialect::PyroErrorClass::PyroError
    }
}

#[derive(Debug, Clone)]
enum Target {
    Object(String),
    /// PYROMETA: the tags, and their `,`-joined form that `object()` and Display show.
    Tags {
        tags: TagSet,
        joined: String,
    },
}

/// A Pyro URI: protocol, object, and a location (host and port, or a unix socket path).
///
/// Equality and hashing use Python's state 5-tuple `(protocol, object, sockname, host, port)`
/// (PYROMETA tags compare as a set). `Display` prints Python's `str(uri)`, which parses back to
/// an equal URI for every URI that parsing produced.
#[derive(Debug, Clone)]
pub struct Uri {
    protocol: UriProtocol,
    target: Target,
    sockname: Option<String>,
    host: Option<String>,
    port: Option<u16>,
}

impl Uri {
    /// `PYRO:<object>@<host>:<port>`.
    ///
    /// ```
    /// use pyroxene_wire::Uri;
    /// assert_eq!(Uri::pyro("obj", "::1", 5).to_string(), "PYRO:obj@[::1]:5");
    /// ```
    pub fn pyro(object: impl Into<String>, host: impl Into<String>, port: u16) -> Uri {
        Uri {
            protocol: UriProtocol::Pyro,
            target: Target::Object(object.into()),
            sockname: None,
            host: Some(host.into()),
            port: Some(port),
        }
    }

    /// `PYRO:<object>@./u:<socket path>`.
    ///
    /// ```
    /// use pyroxene_wire::Uri;
    /// assert_eq!(Uri::pyro_unix("obj", "/tmp/pyro.sock").to_string(), "PYRO:obj@./u:/tmp/pyro.sock");
    /// ```
    pub fn pyro_unix(object: impl Into<String>, sockname: impl Into<String>) -> Uri {
        Uri {
            protocol: UriProtocol::Pyro,
            target: Target::Object(object.into()),
            sockname: Some(sockname.into()),
            host: None,
            port: None,
        }
    }

    /// `PYRONAME:<name>`, optionally with a name server location.
    ///
    /// ```
    /// use pyroxene_wire::Uri;
    /// assert_eq!(Uri::pyroname("my.obj", None).to_string(), "PYRONAME:my.obj");
    /// assert_eq!(Uri::pyroname("my.obj", Some(("ns", 9090))).to_string(), "PYRONAME:my.obj@ns:9090");
    /// ```
    pub fn pyroname(name: impl Into<String>, ns: Option<(&str, u16)>) -> Uri {
        Uri {
            protocol: UriProtocol::PyroName,
            target: Target::Object(name.into()),
            sockname: None,
            host: ns.map(|(h, _)| h.to_owned()),
            port: ns.map(|(_, p)| p),
        }
    }

    /// `PYROMETA:<tag>,<tag>...`, optionally with a name server location.
    ///
    /// ```
    /// use pyroxene_wire::Uri;
    /// let uri = Uri::pyrometa(["class:printer", "floor:2"], None);
    /// assert_eq!(uri.to_string(), "PYROMETA:class:printer,floor:2");
    /// ```
    pub fn pyrometa<S: Into<String>>(
        tags: impl IntoIterator<Item = S>,
        ns: Option<(&str, u16)>,
    ) -> Uri {
        Uri {
            protocol: UriProtocol::PyroMeta,
            target: tags_target(tags.into_iter().map(Into::into).collect()),
            sockname: None,
            host: ns.map(|(h, _)| h.to_owned()),
            port: ns.map(|(_, p)| p),
        }
    }

    /// Assembles a URI from the fields of Python's state tuple, as they are (no checks, like
    /// Python's `__setstate__`). `tags` is used for PYROMETA, `object` otherwise.
    pub(crate) fn from_parts(
        protocol: UriProtocol,
        object: Result<String, TagSet>,
        sockname: Option<String>,
        host: Option<String>,
        port: Option<u16>,
    ) -> Uri {
        let target = match object {
            Ok(object) => Target::Object(object),
            Err(tags) => tags_target(tags),
        };
        Uri {
            protocol,
            target,
            sockname,
            host,
            port,
        }
    }

    /// Parses a URI text, with [`DEFAULT_NS_PORT`] for name server locations without a port.
    ///
    /// # Errors
    /// A [`UriError`] with Python's message.
    pub fn parse(text: &str) -> Result<Uri, UriError> {
        Uri::parse_with_ns_port(text, DEFAULT_NS_PORT)
    }

    /// Parses a URI text; `ns_port` is the config `NS_PORT` for PYRONAME/PYROMETA locations
    /// without a port.
    ///
    /// # Errors
    /// A [`UriError`] with Python's message.
    pub fn parse_with_ns_port(text: &str, ns_port: u16) -> Result<Uri, UriError> {
        parse(text, ns_port)
    }

    /// The protocol.
    pub fn protocol(&self) -> UriProtocol {
        self.protocol
    }

    /// The object id (PYRO), name (PYRONAME) or the tags joined with `,` (PYROMETA).
    pub fn object(&self) -> &str {
        match &self.target {
            Target::Object(object) => object,
            Target::Tags { joined, .. } => joined,
        }
    }

    /// The tags of a PYROMETA URI.
    pub fn tags(&self) -> Option<&TagSet> {
        match &self.target {
            Target::Object(_) => None,
            Target::Tags { tags, .. } => Some(tags),
        }
    }

    /// The unix socket path, for `./u:` locations.
    pub fn sockname(&self) -> Option<&str> {
        self.sockname.as_deref()
    }

    /// The host (IPv6 without brackets), if the location has one.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The port, if the location has one.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Python's `uri.location`: `host:port`, `[ipv6]:port`, `./u:path`, or `None`.
    /// An empty host counts as none, as in Python.
    pub fn location(&self) -> Option<String> {
        match (self.host.as_deref(), &self.sockname) {
            (Some(host), _) if !host.is_empty() => {
                let port = self
                    .port
                    .map_or_else(|| "None".to_owned(), |p| p.to_string());
                Some(if host.contains(':') {
                    format!("[{host}]:{port}")
                } else {
                    format!("{host}:{port}")
                })
            }
            (_, Some(sockname)) if !sockname.is_empty() => Some(format!("./u:{sockname}")),
            _ => None,
        }
    }
}

fn tags_target(tags: TagSet) -> Target {
    let joined = tags
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(",");
    Target::Tags { tags, joined }
}

impl PartialEq for Uri {
    fn eq(&self, other: &Uri) -> bool {
        let same_target = match (&self.target, &other.target) {
            (Target::Object(a), Target::Object(b)) => a == b,
            (Target::Tags { tags: a, .. }, Target::Tags { tags: b, .. }) => a == b,
            _ => false,
        };
        same_target
            && self.protocol == other.protocol
            && self.sockname == other.sockname
            && self.host == other.host
            && self.port == other.port
    }
}

impl Eq for Uri {}

impl Hash for Uri {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.protocol.hash(state);
        match &self.target {
            Target::Object(object) => object.hash(state),
            // Order-independent, like the set equality.
            Target::Tags { tags, .. } => tags.len().hash(state),
        }
        self.sockname.hash(state);
        self.host.hash(state);
        self.port.hash(state);
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.protocol.as_str(), self.object())?;
        if let Some(location) = self.location() {
            write!(f, "@{location}")?;
        }
        Ok(())
    }
}

impl FromStr for Uri {
    type Err = UriError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uri::parse(s)
    }
}

impl TryFrom<&str> for Uri {
    type Error = UriError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Uri::parse(s)
    }
}

/// The grammar of Python's regex `(?P<protocol>[Pp][Yy][Rr][Oo][a-zA-Z]*):(?P<object>\S+?)(@(?P<location>.+))?$`
/// (with `re.match`, so anchored at the start, and `$` also matching before one final `\n`),
/// followed by Python's checks in its order.
fn parse(text: &str, ns_port: u16) -> Result<Uri, UriError> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    let (protocol, rest) = text.split_once(':').ok_or(UriError::Invalid)?;
    let scheme_ok = protocol.len() >= 4
        && protocol.is_char_boundary(4)
        && protocol[..4].eq_ignore_ascii_case("pyro")
        && protocol.bytes().all(|b| b.is_ascii_alphabetic());
    if !scheme_ok {
        return Err(UriError::Invalid);
    }
    let (object, location) = split_object(rest).ok_or(UriError::Invalid)?;
    let protocol = protocol.to_ascii_uppercase();
    let mut uri = Uri {
        protocol: UriProtocol::Pyro,
        target: Target::Object(object.to_owned()),
        sockname: None,
        host: None,
        port: None,
    };
    match protocol.as_str() {
        "PYRONAME" => {
            uri.protocol = UriProtocol::PyroName;
            uri.parse_location(location, Some(ns_port))?;
        }
        "PYRO" => {
            let location = location.ok_or(UriError::Invalid)?;
            uri.parse_location(Some(location), None)?;
        }
        "PYROMETA" => {
            uri.protocol = UriProtocol::PyroMeta;
            let tags = object
                .split(',')
                .map(|t| t.trim_matches(is_py_space).to_owned());
            uri.target = tags_target(tags.collect());
            uri.parse_location(location, Some(ns_port))?;
        }
        _ => return Err(UriError::Protocol),
    }
    Ok(uri)
}

/// The non-greedy `\S+?` object, then either the end or `@` and a non-empty location without
/// a newline. The first `@` after at least one object character that leaves a valid location
/// wins; an object can never cross whitespace.
fn split_object(rest: &str) -> Option<(&str, Option<&str>)> {
    for (i, c) in rest.char_indices() {
        if i > 0 && c == '@' {
            let location = &rest[i + 1..];
            if !location.is_empty() && !location.contains('\n') {
                return Some((&rest[..i], Some(location)));
            }
        }
        if is_py_space(c) {
            return None;
        }
    }
    (!rest.is_empty()).then_some((rest, None))
}

impl Uri {
    /// Python's `_parseLocation`.
    fn parse_location(
        &mut self,
        location: Option<&str>,
        default_port: Option<u16>,
    ) -> Result<(), UriError> {
        let Some(location) = location.filter(|l| !l.is_empty()) else {
            return Ok(());
        };
        if let Some(sockname) = location.strip_prefix("./u:") {
            if sockname.is_empty() || sockname.contains(':') {
                return Err(UriError::Location);
            }
            self.sockname = Some(sockname.to_owned());
            return Ok(());
        }
        let (host, port) = if let Some(inner) = location.strip_prefix('[') {
            if inner.starts_with('[') {
                return Err(UriError::Ipv6Brackets);
            }
            // `\[([0-9a-fA-F:%]+)](:(\d+))?` at the start; anything after it is ignored.
            let end = inner
                .find(|c: char| !(c.is_ascii_hexdigit() || c == ':' || c == '%'))
                .unwrap_or(inner.len());
            if end == 0 || !inner[end..].starts_with(']') {
                return Err(UriError::Ipv6Address);
            }
            let after = &inner[end + 1..];
            let port = after.strip_prefix(':').and_then(|p| {
                let digits = p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len());
                (digits > 0).then(|| &p[..digits])
            });
            (&inner[..end], port)
        } else {
            let (host, port) = location.split_once(':').unwrap_or((location, ""));
            (host, Some(port))
        };
        self.host = Some(host.to_owned());
        self.port = match port.filter(|p| !p.is_empty()) {
            Some(text) => Some(parse_port(text).ok_or_else(|| UriError::Port(text.to_owned()))?),
            None => Some(default_port.ok_or_else(|| UriError::Port("None".to_owned()))?),
        };
        Ok(())
    }
}

/// Python's `int(text)` for a port: surrounding whitespace (ASCII `" \t\n\v\f\r"` or
/// non-ASCII Unicode spaces; `int()` keeps U+001C..U+001F), an optional sign, ASCII digits with
/// single underscores between them; then it must fit a port number.
fn parse_port(text: &str) -> Option<u16> {
    let int_space = |c: char| matches!(c, ' ' | '\t'..='\r') || (!c.is_ascii() && is_py_space(c));
    let t = text.trim_matches(int_space);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let well_formed = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    if !well_formed {
        return None;
    }
    let mut value: u32 = 0;
    for d in digits.bytes().filter(u8::is_ascii_digit) {
        value = value.checked_mul(10)?.checked_add(u32::from(d - b'0'))?;
    }
    if negative && value != 0 {
        return None;
    }
    u16::try_from(value).ok()
}

/// Python's `str.isspace()` (what `\s` and `strip()` use): Unicode White_Space plus the
/// information separators U+001C..U+001F.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}
