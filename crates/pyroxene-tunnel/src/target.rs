//! [`Target`]: which host to reach and how (an `~/.ssh/config` alias, or host/user/port/key),
//! and [`HostsFile`]: the old `pyro4tunneling` JSON (or TOML) file mapping names to
//! `[host, user, port]`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, ErrorKind, Result};

/// Where a tunnel goes. ssh reads its own configuration for all of it (`~/.ssh/config`, or
/// the file of [`TunnelBuilder::ssh_config_file`](crate::TunnelBuilder::ssh_config_file)),
/// so an alias gets its `HostName`, `User`, `Port`, `IdentityFile`, `ProxyJump`, agent and
/// `known_hosts` as the user's own `ssh` does; explicit parts override it.
///
/// ```
/// use pyroxene_tunnel::Target;
/// let lab = Target::alias("lab");                                   // as in ~/.ssh/config
/// let dss = Target::host("dss43.example.org").user("ops").port(2222).identity("~/.ssh/id_lab");
/// assert_eq!(lab.destination(), "lab");
/// assert_eq!(dss.destination(), "dss43.example.org");
/// assert_eq!(dss.to_string(), "ops@dss43.example.org:2222");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    destination: String,
    user: Option<String>,
    port: Option<u16>,
    identity: Option<PathBuf>,
}

impl Target {
    /// A host alias (or name) that ssh resolves through its configuration.
    pub fn alias(name: impl Into<String>) -> Target {
        Target {
            destination: name.into(),
            user: None,
            port: None,
            identity: None,
        }
    }

    /// A host name or address; ssh still applies any `Host` block that matches it.
    pub fn host(host: impl Into<String>) -> Target {
        Target::alias(host)
    }

    /// Logs in as `user` (ssh `-l`).
    #[must_use]
    pub fn user(mut self, user: impl Into<String>) -> Target {
        self.user = Some(user.into());
        self
    }

    /// The ssh port (ssh `-p`).
    #[must_use]
    pub fn port(mut self, port: u16) -> Target {
        self.port = Some(port);
        self
    }

    /// Authenticates with this private key only (ssh `-i` with `IdentitiesOnly=yes`).
    #[must_use]
    pub fn identity(mut self, path: impl Into<PathBuf>) -> Target {
        self.identity = Some(path.into());
        self
    }

    /// The host argument ssh gets.
    pub fn destination(&self) -> &str {
        &self.destination
    }

    /// The ssh arguments that select this target, before the destination.
    pub(crate) fn ssh_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(user) = &self.user {
            args.extend(["-l".to_owned(), user.clone()]);
        }
        if let Some(port) = self.port {
            args.extend(["-p".to_owned(), port.to_string()]);
        }
        if let Some(identity) = &self.identity {
            args.extend([
                "-i".to_owned(),
                identity.display().to_string(),
                "-o".to_owned(),
                "IdentitiesOnly=yes".to_owned(),
            ]);
        }
        args
    }
}

impl fmt::Display for Target {
    /// `user@host:port`, the parts given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        f.write_str(&self.destination)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

/// The `pyro4tunneling` hosts file: names mapped to `[host, user, port]`, in JSON
/// (`{"lab": ["dss43.example.org", "ops", 22]}`, the old helper's format) or TOML
/// (`lab = ["dss43.example.org", "ops", 22]`). Shorter lists leave the rest to ssh's
/// configuration; `[]` (the old helper's entry for an `~/.ssh/config` alias) is the name
/// itself as an alias. The port may be a number or a string.
///
/// ```
/// use pyroxene_tunnel::{HostsFile, Target};
/// let hosts = HostsFile::from_json(r#"{"lab": ["dss43.example.org", "ops", 2222], "gw": []}"#)?;
/// assert_eq!(hosts.target("lab")?, Target::host("dss43.example.org").user("ops").port(2222));
/// assert_eq!(hosts.target("gw")?, Target::alias("gw"));
/// let toml = HostsFile::from_toml(r#"lab = ["dss43.example.org", "ops", "22"]"#)?;
/// assert_eq!(toml.target("lab")?, Target::host("dss43.example.org").user("ops").port(22));
/// # Ok::<(), pyroxene_tunnel::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostsFile {
    hosts: BTreeMap<String, Target>,
}

/// One field of an entry: a name, or a port written as a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum Field {
    Text(String),
    Number(i64),
}

impl HostsFile {
    /// Reads a hosts file: TOML when the name ends in `.toml`, else JSON.
    ///
    /// # Errors
    /// [`ErrorKind::Config`]: the file can't be read (the `io::Error` as source) or parsed.
    pub fn load(path: impl AsRef<Path>) -> Result<HostsFile> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("cannot read the hosts file {}", path.display()),
            )
            .with_source(e)
        })?;
        let parsed = if path.extension().is_some_and(|e| e == "toml") {
            HostsFile::from_toml(&text)
        } else {
            HostsFile::from_json(&text)
        };
        parsed.map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("invalid hosts file {}", path.display()),
            )
            .with_source(e)
        })
    }

    /// Parses the JSON form.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] with serde_json's error as source, or a bad entry.
    pub fn from_json(text: &str) -> Result<HostsFile> {
        let raw: BTreeMap<String, Vec<Field>> = serde_json::from_str(text)
            .map_err(|e| Error::new(ErrorKind::Config, "invalid JSON hosts").with_source(e))?;
        HostsFile::from_entries(raw)
    }

    /// Parses the TOML form.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] with the TOML error as source, or a bad entry.
    pub fn from_toml(text: &str) -> Result<HostsFile> {
        let raw: BTreeMap<String, Vec<Field>> = toml::from_str(text)
            .map_err(|e| Error::new(ErrorKind::Config, "invalid TOML hosts").with_source(e))?;
        HostsFile::from_entries(raw)
    }

    fn from_entries(raw: BTreeMap<String, Vec<Field>>) -> Result<HostsFile> {
        let mut hosts = BTreeMap::new();
        for (name, fields) in raw {
            let bad = |why: &str| Error::new(ErrorKind::Config, format!("host '{name}': {why}"));
            let mut fields = fields.into_iter();
            let mut target = match fields.next() {
                None => Target::alias(name.clone()),
                Some(Field::Text(host)) => Target::host(host),
                Some(Field::Number(_)) => return Err(bad("the host must be a string")),
            };
            match fields.next() {
                Some(Field::Text(user)) if !user.is_empty() => target = target.user(user),
                Some(Field::Text(_)) | None => {}
                Some(Field::Number(_)) => return Err(bad("the user must be a string")),
            }
            let port = match fields.next() {
                None => None,
                Some(Field::Number(n)) => Some(u16::try_from(n).ok()),
                Some(Field::Text(t)) => Some(t.trim().parse::<u16>().ok()),
            };
            match port {
                None => {}
                Some(Some(port)) if port > 0 => target = target.port(port),
                Some(_) => return Err(bad("the port must be a number from 1 to 65535")),
            }
            if fields.next().is_some() {
                return Err(bad("expected [host, user, port]"));
            }
            hosts.insert(name, target);
        }
        Ok(HostsFile { hosts })
    }

    /// The target of `name`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] when the file has no such name.
    pub fn target(&self, name: &str) -> Result<Target> {
        self.hosts.get(name).cloned().ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                format!("no host '{name}' in the hosts file"),
            )
        })
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.hosts.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_args_of_an_explicit_target() {
        let t = Target::host("h").user("u").port(2200).identity("/k");
        assert_eq!(
            t.ssh_args(),
            [
                "-l",
                "u",
                "-p",
                "2200",
                "-i",
                "/k",
                "-o",
                "IdentitiesOnly=yes"
            ]
        );
        assert!(Target::alias("lab").ssh_args().is_empty());
    }

    #[test]
    fn bad_entries_are_refused_with_the_name() {
        for (text, why) in [
            (r#"{"a": [1]}"#, "host 'a': the host must be a string"),
            (
                r#"{"a": ["h", "u", 70000]}"#,
                "host 'a': the port must be a number from 1 to 65535",
            ),
            (
                r#"{"a": ["h", "u", "x"]}"#,
                "host 'a': the port must be a number from 1 to 65535",
            ),
            (
                r#"{"a": ["h", "u", 22, 1]}"#,
                "host 'a': expected [host, user, port]",
            ),
        ] {
            let e = HostsFile::from_json(text).unwrap_err();
            assert_eq!(e.to_string(), why);
        }
        assert_eq!(
            HostsFile::default().target("x").unwrap_err().to_string(),
            "no host 'x' in the hosts file"
        );
    }

    #[test]
    fn load_reads_toml_by_the_extension_and_json_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let toml = dir.path().join("hosts.toml");
        std::fs::write(&toml, "lab = [\"h\", \"u\", 2222]\ngw = []\n").unwrap();
        let hosts = HostsFile::load(&toml).unwrap();
        assert_eq!(hosts.names().collect::<Vec<_>>(), ["gw", "lab"]);
        assert_eq!(
            hosts.target("lab").unwrap(),
            Target::host("h").user("u").port(2222)
        );
        let json = dir.path().join("hosts");
        std::fs::write(&json, r#"{"lab": ["h"]}"#).unwrap();
        assert_eq!(
            HostsFile::load(&json).unwrap().target("lab").unwrap(),
            Target::host("h")
        );
        let e = HostsFile::load(dir.path().join("missing.json")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn an_empty_user_leaves_it_to_ssh() {
        let hosts = HostsFile::from_json(r#"{"a": ["h", "", 22]}"#).unwrap();
        assert_eq!(hosts.target("a").unwrap(), Target::host("h").port(22));
    }
}
