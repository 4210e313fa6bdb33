//! What the name server's calls select and how a registration is made, as Rust types:
//! Python's `remove(name, prefix, regex)`, `list(prefix, regex)`, `yplookup(meta_all,
//! meta_any)` and `register(..., safe, metadata)` take one of several optional arguments (or
//! flags); here each is an enum or a struct, so a call can't give two filters at once.

use super::TagSet;

/// What [`NameServer::remove`](super::NameServer::remove) removes: Python's
/// `remove(name=None, prefix=None, regex=None)`, one of the three.
///
/// The name server's own registration (`Pyro.NameServer`) is never removed; an empty text
/// removes nothing (Python tests the arguments for truth).
///
/// ```
/// use pyroxene::naming::Remove;
/// let what = Remove::Prefix("example.");
/// assert_eq!(what, Remove::Prefix("example."));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Remove<'a> {
    /// The registration of this name (`remove(name)`): 1 or 0 removed.
    Name(&'a str),
    /// Every name starting with this (`remove(prefix=...)`).
    Prefix(&'a str),
    /// Every name this regex matches at its start, like Python's `re.match`
    /// (`remove(regex=...)`).
    Regex(&'a str),
}

/// Which registrations [`NameServer::list`](super::NameServer::list) returns: Python's
/// `list(prefix=None, regex=None)`, at most one of the two. An empty text lists everything,
/// as in Python.
///
/// ```
/// use pyroxene::naming::ListFilter;
/// assert_eq!(ListFilter::default(), ListFilter::All);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ListFilter<'a> {
    /// Every registration (no `prefix`, no `regex`).
    #[default]
    All,
    /// Names starting with this (`prefix=...`).
    Prefix(&'a str),
    /// Names this regex matches at their start, like Python's `re.match` (`regex=...`).
    Regex(&'a str),
}

/// A metadata search: Python's `yplookup(meta_all=None, meta_any=None)` (Pyro4:
/// `list(metadata_all=..., metadata_any=...)`), one of the two.
///
/// An empty set finds nothing (`yplookup` returns `{}` without a filter).
///
/// ```
/// use pyroxene::naming::MetaFilter;
/// let printers = MetaFilter::all(["class:Printer", "floor:2"]);
/// let tags = ["floor:2", "class:Printer", "color"];
/// assert!(printers.matches(|t| tags.contains(&t)));
/// assert!(!MetaFilter::any(["a"]).matches(|t| t == "b"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaFilter {
    /// Registrations whose tags include all of these (`meta_all`).
    All(TagSet),
    /// Registrations with at least one of these tags (`meta_any`).
    Any(TagSet),
}

impl MetaFilter {
    /// [`MetaFilter::All`] of these tags.
    pub fn all<S: Into<String>>(tags: impl IntoIterator<Item = S>) -> MetaFilter {
        MetaFilter::All(tags.into_iter().map(Into::into).collect())
    }

    /// [`MetaFilter::Any`] of these tags.
    pub fn any<S: Into<String>>(tags: impl IntoIterator<Item = S>) -> MetaFilter {
        MetaFilter::Any(tags.into_iter().map(Into::into).collect())
    }

    /// The tags searched for.
    pub fn tags(&self) -> &TagSet {
        match self {
            MetaFilter::All(tags) | MetaFilter::Any(tags) => tags,
        }
    }

    /// Whether a registration is found whose tags are those `has_tag` says yes to (never,
    /// for an empty filter).
    pub fn matches(&self, has_tag: impl Fn(&str) -> bool) -> bool {
        match self {
            MetaFilter::All(wanted) => !wanted.is_empty() && wanted.iter().all(|t| has_tag(t)),
            MetaFilter::Any(wanted) => wanted.iter().any(|t| has_tag(t)),
        }
    }
}

/// How [`NameServer::register_with`](super::NameServer::register_with) registers: Python's
/// `register(name, uri, safe=False, metadata=None)` keyword arguments. The default is
/// Python's: replace an existing registration, no metadata.
///
/// ```
/// use pyroxene::naming::RegisterOptions;
/// let options = RegisterOptions::new().safe().metadata(["class:Printer"]);
/// assert!(options.safe);
/// assert_eq!(options.metadata.len(), 1);
/// assert_eq!(RegisterOptions::default(), RegisterOptions::new());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegisterOptions {
    /// `safe=True`: refuse to replace a name that is registered already (NamingError "name
    /// already registered: ...") instead of replacing it.
    pub safe: bool,
    /// The metadata tags (`metadata=`); empty registers none.
    pub metadata: TagSet,
}

impl RegisterOptions {
    /// Python's defaults: not safe, no metadata.
    pub fn new() -> RegisterOptions {
        RegisterOptions::default()
    }

    /// Refuses to replace an existing registration (`safe=True`).
    #[must_use]
    pub fn safe(mut self) -> RegisterOptions {
        self.safe = true;
        self
    }

    /// These metadata tags (`metadata=`), in this order.
    #[must_use]
    pub fn metadata<S: Into<String>>(
        mut self,
        tags: impl IntoIterator<Item = S>,
    ) -> RegisterOptions {
        self.metadata = tags.into_iter().map(Into::into).collect();
        self
    }
}
