//! [`Registry`]: the name server's semantics on typed values (what Python's `NameServer` class
//! does once its arguments are known to be of the right types).

use std::collections::BTreeSet;

use pyroxene::Uri;
pub use pyroxene::naming::NAMESERVER_NAME;
use pyroxene::naming::{ListFilter, MetaFilter, RegisterOptions, Remove};
use std::time::{Duration, Instant};

use regex::{Regex, RegexBuilder};

use crate::error::{NsError, Result};
use crate::storage::{MemoryStorage, Registration, Storage};

/// The metadata tag of the name server's own registration.
pub const NAMESERVER_CLASS_TAG: &str = "class:Pyro5.nameserver.NameServer";

/// The class tag Pyro4's name server registers itself with; Pyro4 clients see it on our own
/// registration in place of [`NAMESERVER_CLASS_TAG`].
pub const NAMESERVER_CLASS_TAG_PYRO4: &str = "class:Pyro4.naming.NameServer";

/// The most a `regex` filter may compile to (the regex crate's default is 10 MiB). Matching
/// costs up to this times the name's length: `(?:.{0,20}){0,400}!` (~8 MiB compiled) took 3 s
/// per 8 KiB name; it is refused now ("Compiled regex exceeds size limit").
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// How long a `list`/`remove` with a filter may match before it gives up with
/// [`NsError::RegexTooSlow`] (checked between names).
pub const REGEX_TIME_LIMIT: Duration = Duration::from_secs(1);

/// The registrations and the rules for changing them. Python holds one lock (an `RLock`)
/// around every operation; here each store makes its own steps atomic (see [`Storage`]), so
/// "check then change" steps like a safe registration can't interleave, and a store shared by
/// several name servers (etcd) can serve many changes at once.
pub struct Registry {
    pub(crate) storage: Box<dyn Storage>,
    may_block: bool,
    ns_port: u16,
    regex_time_limit: Duration,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new(Box::new(MemoryStorage::default()))
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("ns_port", &self.ns_port)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// A registry over `storage`.
    pub fn new(storage: Box<dyn Storage>) -> Registry {
        Registry {
            may_block: storage.may_block(),
            storage,
            ns_port: pyroxene::wire::uri::DEFAULT_NS_PORT,
            regex_time_limit: REGEX_TIME_LIMIT,
        }
    }

    /// How long a filtered `list`/`remove` may match (default [`REGEX_TIME_LIMIT`]).
    #[must_use]
    pub fn with_regex_time_limit(mut self, limit: Duration) -> Registry {
        self.regex_time_limit = limit;
        self
    }

    /// The port a `PYRONAME:` URI without one gets when parsed (Pyro's NS_PORT).
    #[must_use]
    pub fn with_ns_port(mut self, port: u16) -> Registry {
        self.ns_port = port;
        self
    }

    /// Whether changes may wait on the store's I/O ([`Storage::may_block`]).
    pub fn may_block(&self) -> bool {
        self.may_block
    }

    /// Whether reads may wait on the store's I/O ([`Storage::reads_may_block`]).
    pub fn reads_may_block(&self) -> bool {
        self.storage.reads_may_block()
    }

    fn store(&self) -> &dyn Storage {
        &*self.storage
    }

    /// Parses a URI text as Python's `core.URI(text)` would (the check `register` makes).
    ///
    /// # Errors
    /// [`NsError::Uri`] with Python's text.
    pub fn parse_uri(&self, text: &str) -> Result<Uri> {
        Ok(Uri::parse_with_ns_port(text, self.ns_port)?)
    }

    /// The number of registrations (the name server's own included).
    ///
    /// # Errors
    /// When the store can't be read.
    pub fn count(&self) -> Result<usize> {
        self.store().len()
    }

    /// The registration of `name`.
    ///
    /// # Errors
    /// [`NsError::UnknownName`] when there is none.
    pub fn lookup(&self, name: &str) -> Result<Registration> {
        self.store()
            .get(name)?
            .ok_or_else(|| NsError::UnknownName(name.to_owned()))
    }

    /// Registers `name` → `uri` (validated, stored as given) with the options' metadata
    /// (Python's `register(name, uri, safe, metadata)`). With [`RegisterOptions::safe`] an
    /// existing name is refused; without, it is overwritten.
    ///
    /// # Errors
    /// A `lease:SECONDS` tag gives the registration a lease (see [`pyroxene::naming::lease`]);
    /// registering the name again starts it over.
    ///
    /// # Errors
    /// [`NsError::Uri`] for an invalid URI, [`NsError::InvalidLease`],
    /// [`NsError::AlreadyRegistered`].
    pub fn register(&self, name: &str, uri: &str, options: RegisterOptions) -> Result<()> {
        self.parse_uri(uri)?;
        let uri = uri.to_owned();
        let metadata: BTreeSet<String> = options.metadata.into_iter().collect();
        crate::lease::check_tags(&metadata)?;
        self.store()
            .set(name, Registration { uri, metadata }, options.safe)
    }

    /// Replaces the metadata of a registered name (an empty set clears it); the lease follows
    /// the new tags.
    ///
    /// # Errors
    /// [`NsError::UnknownName`], [`NsError::InvalidLease`].
    pub fn set_metadata(&self, name: &str, metadata: BTreeSet<String>) -> Result<()> {
        crate::lease::check_tags(&metadata)?;
        self.store().set_metadata(name, metadata)
    }

    /// Python's `remove(name=...)`, `remove(prefix=...)` or `remove(regex=...)`: a name
    /// removes that name (1 or 0); a prefix or regex removes every match. The name server's own
    /// registration is never removed; an empty text removes nothing (Python tests for truth).
    ///
    /// # Errors
    /// [`NsError::InvalidRegex`], or when the store fails.
    pub fn remove(&self, what: Remove<'_>) -> Result<usize> {
        let filter = match what {
            Remove::Name("" | NAMESERVER_NAME) | Remove::Prefix("") | Remove::Regex("") => {
                return Ok(0);
            }
            Remove::Name(name) => return self.store().remove(&[name.to_owned()]),
            Remove::Prefix(prefix) => ListFilter::Prefix(prefix),
            Remove::Regex(regex) => ListFilter::Regex(regex),
        };
        // Matched on a snapshot, outside the store (see `list`); a name registered meanwhile
        // is not removed, as if it had come just after.
        let names: Vec<String> = self
            .list(filter)?
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| n != NAMESERVER_NAME)
            .collect();
        // Python returns how many matched under its lock; here a name another call removed
        // meanwhile is not counted.
        self.store().remove(&names)
    }

    /// The registrations, all or those whose name starts with a prefix or matches a regex
    /// (Python's `re.match`: anchored at the start only), in the store's order. An empty
    /// prefix or regex lists everything, as in Python.
    ///
    /// The store is only asked for a copy of the registrations: a pattern is matched on that
    /// snapshot, so a slow one can't hold up lookups and registrations, and its work
    /// is bounded (a pattern compiling to more than [`REGEX_SIZE_LIMIT`] is refused, matching
    /// stops after [`REGEX_TIME_LIMIT`], see [`Registry::with_regex_time_limit`]).
    ///
    /// # Errors
    /// [`NsError::InvalidRegex`], [`NsError::RegexTooSlow`], or when the store fails.
    pub fn list(&self, filter: ListFilter<'_>) -> Result<Vec<(String, Registration)>> {
        let regex = match filter {
            ListFilter::Prefix(prefix) if !prefix.is_empty() => {
                let mut all = self.store().everything()?;
                all.retain(|(name, _)| name.starts_with(prefix));
                return Ok(all);
            }
            ListFilter::Regex(regex) if !regex.is_empty() => python_match(regex)?,
            _ => return self.store().everything(),
        };
        let all = self.store().everything()?;
        let started = Instant::now();
        let mut found = Vec::new();
        for (name, registration) in all {
            if started.elapsed() > self.regex_time_limit {
                return Err(NsError::RegexTooSlow(self.regex_time_limit));
            }
            if regex.is_match(&name) {
                found.push((name, registration));
            }
        }
        Ok(found)
    }

    /// The registrations with all / any of the given tags; an empty tag set finds nothing (as
    /// Python's yplookup without a filter returns `{}`).
    ///
    /// # Errors
    /// When the store fails.
    pub fn yplookup(&self, filter: &MetaFilter) -> Result<Vec<(String, Registration)>> {
        if filter.tags().is_empty() {
            return Ok(Vec::new());
        }
        let all = self.store().everything()?;
        Ok(all
            .into_iter()
            .filter(|(_, r)| filter.matches(|t| r.metadata.contains(t)))
            .collect())
    }
}

/// A regex that matches like Python's `re.match`: at the start of the name, not necessarily
/// to its end. The pattern is first compiled alone so that unbalanced parentheses that the
/// wrapping group would "fix" (`a)|(b`) are refused as Python refuses them.
pub(crate) fn python_match(pattern: &str) -> Result<Regex> {
    let invalid = |e: regex::Error| {
        if let Some(text) = python_re_error(pattern) {
            return NsError::InvalidRegex(text);
        }
        let text = e.to_string();
        // The regex crate's text is a multi-line diagram; its last line says what is wrong.
        let last = text.lines().last().unwrap_or_default();
        NsError::InvalidRegex(last.trim_start_matches("error: ").to_owned())
    };
    let build = |p: &str| {
        RegexBuilder::new(p)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(invalid)
    };
    build(pattern)?;
    build(&format!("^(?:{pattern})"))
}

/// Python `re`'s words for the common syntax errors of an invalid `pattern` (what `pyro5-nsc`
/// users see from Python's name server), with its position in characters; `None` for the
/// others, which keep the regex crate's words.
fn python_re_error(pattern: &str) -> Option<String> {
    use regex_syntax::ast::ErrorKind;
    let error = regex_syntax::ast::parse::Parser::new()
        .parse(pattern)
        .err()?;
    let span = error.span();
    let at = |offset: usize| pattern.get(..offset).map_or(0, |s| s.chars().count());
    let start = at(span.start.offset);
    let text = match error.kind() {
        ErrorKind::GroupUnclosed => {
            format!("missing ), unterminated subpattern at position {start}")
        }
        ErrorKind::GroupUnopened => format!("unbalanced parenthesis at position {start}"),
        ErrorKind::ClassUnclosed => format!("unterminated character set at position {start}"),
        ErrorKind::RepetitionMissing => format!("nothing to repeat at position {start}"),
        ErrorKind::ClassRangeInvalid => {
            let range = pattern.get(span.start.offset..span.end.offset)?;
            format!("bad character range {range} at position {start}")
        }
        _ => return None,
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_match_is_anchored_at_the_start_only() {
        let r = python_match("a.c").unwrap();
        assert!(r.is_match("abc"));
        assert!(r.is_match("abcdef"));
        assert!(!r.is_match("xabc"));
        let alt = python_match("x|a").unwrap();
        assert!(alt.is_match("abc"), "alternatives are all anchored");
        assert!(!alt.is_match("bx"));
    }

    #[test]
    fn common_errors_use_pythons_words() {
        // What Python 3.11's re.compile says for each.
        for (bad, python) in [
            ("(", "missing ), unterminated subpattern at position 0"),
            ("ab(", "missing ), unterminated subpattern at position 2"),
            ("é(", "missing ), unterminated subpattern at position 1"),
            (")", "unbalanced parenthesis at position 0"),
            ("[a", "unterminated character set at position 0"),
            ("*", "nothing to repeat at position 0"),
            ("+a", "nothing to repeat at position 0"),
            ("a|*", "nothing to repeat at position 2"),
            ("[b-a]", "bad character range b-a at position 1"),
        ] {
            let e = python_match(bad).unwrap_err();
            assert_eq!(e.to_string(), format!("invalid regex: {python}"), "{bad:?}");
        }
    }

    #[test]
    fn unbalanced_patterns_are_refused() {
        for bad in ["a)|(b", "(", "[", "*"] {
            let e = python_match(bad).unwrap_err();
            assert!(e.to_string().starts_with("invalid regex: "), "{e}");
            assert!(!e.to_string().contains('\n'), "{e}");
        }
    }
}
