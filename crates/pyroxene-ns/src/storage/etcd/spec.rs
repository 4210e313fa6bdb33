//! The `etcd:` storage spelling and the layout of the keys.

use crate::error::{NsError, Result};

/// The key prefix when the spelling names none.
pub const DEFAULT_PREFIX: &str = "/pyroxene/ns";

/// `etcd:URL[,URL...][/PREFIX]`: the endpoints of one etcd cluster (`http://host:port`; the
/// scheme may be left out) and the key prefix under which the namespace lives
/// ([`DEFAULT_PREFIX`] by default). Name servers given the same cluster and prefix serve the
/// same namespace.
///
/// ```
/// use pyroxene_ns::storage::etcd::EtcdSpec;
///
/// let spec = EtcdSpec::parse("http://127.0.0.1:2379,http://127.0.0.1:22379/site-a")?;
/// assert_eq!(spec.endpoints, ["http://127.0.0.1:2379", "http://127.0.0.1:22379"]);
/// assert_eq!(spec.prefix, "/site-a");
/// assert_eq!(EtcdSpec::parse("127.0.0.1:2379")?.prefix, "/pyroxene/ns");
/// assert!(EtcdSpec::parse("").is_err());
/// # Ok::<(), pyroxene_ns::NsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EtcdSpec {
    /// The client URLs of the etcd members (`http://host:port`).
    pub endpoints: Vec<String>,
    /// The key prefix, starting with `/`, without a trailing one.
    pub prefix: String,
}

impl EtcdSpec {
    /// Parses what follows `etcd:`.
    ///
    /// # Errors
    /// [`NsError::InvalidEtcd`] for no endpoint, an empty one, or a scheme other than http.
    pub fn parse(text: &str) -> Result<EtcdSpec> {
        let invalid = |reason: &str| NsError::InvalidEtcd {
            spec: format!("etcd:{text}"),
            reason: reason.to_owned(),
        };
        if text.trim().is_empty() {
            return Err(invalid("no etcd endpoint given"));
        }
        let mut endpoints = Vec::new();
        let mut prefix = None;
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        for (i, part) in parts.iter().enumerate() {
            let rest = match part.split_once("://") {
                Some(("http", rest)) => rest,
                Some((scheme, _)) => {
                    return Err(invalid(&format!(
                        "scheme '{scheme}' is not supported (use http)"
                    )));
                }
                None => part,
            };
            let (authority, path) = match rest.find('/') {
                Some(at) => rest.split_at(at),
                None => (rest, ""),
            };
            if authority.is_empty() {
                return Err(invalid("an endpoint has no host"));
            }
            if !path.is_empty() {
                if i + 1 != parts.len() {
                    return Err(invalid("only the last endpoint may be followed by /PREFIX"));
                }
                let trimmed = path.trim_end_matches('/');
                if trimmed.is_empty() {
                    return Err(invalid("empty prefix"));
                }
                prefix = Some(trimmed.to_owned());
            }
            endpoints.push(format!("http://{authority}"));
        }
        Ok(EtcdSpec {
            endpoints,
            prefix: prefix.unwrap_or_else(|| DEFAULT_PREFIX.to_owned()),
        })
    }

    /// The prefix of every name's key: `PREFIX/names/`.
    pub(crate) fn names_prefix(&self) -> String {
        format!("{}/names/", self.prefix)
    }
}
