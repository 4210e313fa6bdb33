//! What a Pyro4 client sees differently from the same [`NameServer`]: Pyro4 4.82's
//! `Pyro4.naming.NameServer` API. Everything not here (`ping`, `count`, the argument checks,
//! the texts) is Pyro5's, in `object.rs`.
//!
//! - `list` has the metadata filters (`metadata_all`, `metadata_any`); there is no `yplookup`.
//!   Giving more than one filter that isn't None is a ValueError, even empty ones; an empty
//!   metadata filter lists everything.
//! - Tags travel as lists: `lookup(name, True)` is `(URI, [tags])` and listed entries are
//!   `(uri_str, [tags])`. URIs are `Pyro4.core.URI` objects; exceptions `Pyro4.errors.X`.
//! - A falsy `metadata` (0, `[]`, None) means no tags in `register` and `set_metadata`.
//! - `remove(name, prefix, regex)`: a name that isn't registered goes on to the prefix or regex.
//! - The name server's own registration shows Pyro4's class tag,
//!   [`NAMESERVER_CLASS_TAG_PYRO4`] (the store keeps Pyro5's), in results and filters.

use std::collections::BTreeSet;

use pyroxene::{ProtocolVersion, Value};

use crate::args;
use crate::error::{NsError, Result};
use crate::object::{Bound, NameServer, filters, list_filter, listing};
use crate::registry::{NAMESERVER_CLASS_TAG, NAMESERVER_CLASS_TAG_PYRO4, NAMESERVER_NAME};
use crate::storage::Registration;
use pyroxene::naming::{ListFilter, Remove};

/// Pyro4's `list` parameters.
const LIST: &[(&str, bool)] = &[
    ("prefix", false),
    ("regex", false),
    ("metadata_all", false),
    ("metadata_any", false),
    ("return_metadata", false),
];

/// The parameters of a Pyro4 method; `None` for a method it doesn't have.
pub(crate) fn params(method: &str) -> Option<&'static [(&'static str, bool)]> {
    match method {
        "list" => Some(LIST),
        "yplookup" => None,
        other => crate::object::params(other),
    }
}

impl NameServer {
    /// A Pyro4 method on bound arguments.
    pub(crate) fn call_v4(&self, method: &str, a: &Bound) -> Result<Value> {
        match method {
            "lookup" => {
                let (uri, registration) = self.found(a.required(0))?;
                let uri = uri.to_value(ProtocolVersion::V4);
                Ok(if args::truthy(a.get(1)) {
                    let name = args::lookup_name(a.required(0))?;
                    Value::Tuple(vec![uri, tags_list(name, &registration.metadata)])
                } else {
                    uri
                })
            }
            "register" => self.register(
                a.required(0),
                a.required(1),
                a.get(2),
                falsy_as_none(a.get(3)),
            ),
            "set_metadata" => self.set_metadata_v4(a.required(0), a.required(1)),
            "remove" => self.remove_v4(a.get(0), a.get(1), a.get(2)),
            "list" => self.list_v4(a),
            _ => self.call(method, a),
        }
    }

    fn set_metadata_v4(&self, name: &Value, metadata: &Value) -> Result<Value> {
        let name = args::name(name)?;
        let metadata = falsy_as_none(Some(metadata));
        let tags = match args::metadata(metadata) {
            Ok(tags) => tags,
            // Only the items are wrong: Python finds the name unknown before it sees them.
            Err(e) if args::is_collection(metadata) => {
                self.registry().lookup(name)?;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        self.registry().set_metadata(name, tags)?;
        Ok(Value::None)
    }

    fn remove_v4(
        &self,
        name: Option<&Value>,
        prefix: Option<&Value>,
        regex: Option<&Value>,
    ) -> Result<Value> {
        // `name in storage` fails for an unhashable name.
        if let Some(n @ (Value::List(_) | Value::Dict(_) | Value::Set(_))) = truthy(name) {
            args::lookup_name(n)?;
        }
        // A registered name (not the name server's own) is removed alone; others go on.
        let name = truthy(name).and_then(Value::as_str);
        if let Some(name) = name.filter(|n| *n != NAMESERVER_NAME)
            && self.registry().remove(Remove::Name(name))? > 0
        {
            return Ok(Value::Int(1));
        }
        self.remove(None, prefix, regex)
    }

    fn list_v4(&self, a: &Bound) -> Result<Value> {
        let (prefix, regex, all, any) = (a.get(0), a.get(1), a.get(2), a.get(3));
        let given = [prefix, regex, all, any]
            .into_iter()
            .filter(|v| v.is_some_and(|v| !v.is_none()))
            .count();
        if given > 1 {
            return Err(NsError::TwoFilters);
        }
        let return_metadata = args::truthy(a.get(4));
        let found = if truthy(prefix).or(truthy(regex)).is_some() {
            let (prefix, regex) = filters(prefix, regex)?;
            self.registry().list(list_filter(prefix, regex))?
        } else if let Some(wanted) = truthy(all) {
            let (wanted, foreign) = args::search_tags(wanted, "metadata_all")?;
            // A non-str tag can't be among any registration's tags.
            self.tagged(|tags| !foreign && wanted.is_subset(tags))?
        } else if let Some(wanted) = truthy(any) {
            let (wanted, _) = args::search_tags(wanted, "metadata_any")?;
            self.tagged(|tags| !wanted.is_disjoint(tags))?
        } else {
            self.registry().list(ListFilter::All)?
        };
        Ok(listing(found, return_metadata, tags_list))
    }

    /// The registrations whose tags, as Pyro4 clients see them, pass `keep`.
    fn tagged(
        &self,
        keep: impl Fn(&BTreeSet<String>) -> bool,
    ) -> Result<Vec<(String, Registration)>> {
        let all = self.registry().list(ListFilter::All)?;
        Ok(all
            .into_iter()
            .filter(|(name, r)| keep(&tags_v4(name, &r.metadata)))
            .collect())
    }
}

/// An argument that Python's `if x:` takes.
fn truthy(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| v.is_truthy())
}

/// Pyro4 treats a falsy metadata as none (`if metadata: set(metadata)`); a str still gets its
/// TypeError.
fn falsy_as_none(metadata: Option<&Value>) -> Option<&Value> {
    metadata.filter(|m| m.is_truthy() || m.as_str().is_some())
}

/// The tags of `name` as Pyro4 clients see them: the name server's own class tag is Pyro4's.
fn tags_v4(name: &str, tags: &BTreeSet<String>) -> BTreeSet<String> {
    let mut tags = tags.clone();
    if name == NAMESERVER_NAME && tags.remove(NAMESERVER_CLASS_TAG) {
        tags.insert(NAMESERVER_CLASS_TAG_PYRO4.to_owned());
    }
    tags
}

/// The tags of `name` as Pyro4 sends them: a list (`list(metadata)`).
fn tags_list(name: &str, tags: &BTreeSet<String>) -> Value {
    let tags = tags_v4(name, tags).into_iter().map(Value::from).collect();
    Value::List(tags)
}
