//! Python's rules for turning a `PYRO_*` string into a config value, and for printing one back
//! with `str()`, as `Pyro5.configure` applies them.

use std::fmt;
use std::time::Duration;

use super::ConfigError;
use super::kinds::{IpVersion, LogLevel, ServerType};
use crate::Serializer;
use crate::wire::repr::{write_float_repr, write_str_repr};

/// One config item's value, typed as Python holds it; `Display` is Python's `str(value)`, the
/// text `python -m Pyro5.configure` prints after `NAME = `.
///
/// ```
/// use pyroxene::config::{Config, ConfigValue};
///
/// let config = Config::default();
/// assert_eq!(config.get("COMMTIMEOUT"), Some(ConfigValue::Float(0.0)));
/// assert_eq!(config.get("COMMTIMEOUT").unwrap().to_string(), "0.0");
/// assert_eq!(config.get("NATHOST").unwrap().to_string(), "None");
/// assert_eq!(
///     config.get("BROADCAST_ADDRS").unwrap().to_string(),
///     "['<broadcast>', '0.0.0.0']"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    /// A Python `bool`: prints `True` / `False`.
    Bool(bool),
    /// A Python `int`.
    Int(i64),
    /// A Python `float`: prints with `repr()` rules (`0.0`, `2.5`, `1e-05`, `inf`).
    Float(f64),
    /// A Python `str`: prints as is, without quotes.
    Str(String),
    /// Python's `None` (the unset value of NS_BCHOST, NATHOST and LOGLEVEL).
    None,
    /// A Python `list` of `str`: prints as its `repr()`, `['a', 'b']`.
    List(Vec<String>),
}

impl fmt::Display for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigValue::Bool(true) => f.write_str("True"),
            ConfigValue::Bool(false) => f.write_str("False"),
            ConfigValue::Int(i) => write!(f, "{i}"),
            ConfigValue::Float(x) => {
                let mut s = String::new();
                write_float_repr(&mut s, *x);
                f.write_str(&s)
            }
            ConfigValue::Str(s) => f.write_str(s),
            ConfigValue::None => f.write_str("None"),
            ConfigValue::List(items) => {
                let mut s = String::from("[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    write_str_repr(&mut s, item);
                }
                s.push(']');
                f.write_str(&s)
            }
        }
    }
}

/// The Rust types config items have, each parsed the way Python converts an environment string
/// to the type of the item's default (`Configuration.reset`), then checked against the range
/// the Rust type (and pyroxene) takes.
pub(crate) trait Item: Sized {
    /// Parses `raw`; `var` names the variable or item in the error, as the caller spelled it.
    fn parse(var: &str, raw: &str) -> Result<Self, ConfigError>;
    /// The value as Python holds it.
    fn value(&self) -> ConfigValue;
}

impl Item for bool {
    fn parse(var: &str, raw: &str) -> Result<bool, ConfigError> {
        // Python lowercases first and reports the lowercased text; no stripping.
        let lower = raw.to_lowercase();
        match lower.as_str() {
            "0" | "off" | "no" | "false" => Ok(false),
            "1" | "yes" | "on" | "true" => Ok(true),
            _ => Err(ConfigError::InvalidBool {
                name: var.to_owned(),
                value: lower,
            }),
        }
    }
    fn value(&self) -> ConfigValue {
        ConfigValue::Bool(*self)
    }
}

/// Ports: Python's `int`, 0 to 65535.
impl Item for u16 {
    fn parse(var: &str, raw: &str) -> Result<u16, ConfigError> {
        let n = python_int(raw).ok_or_else(|| invalid(var, raw))?;
        u16::try_from(n).map_err(|_| out_of_range(var, raw, "a port number, 0 to 65535"))
    }
    fn value(&self) -> ConfigValue {
        ConfigValue::Int(i64::from(*self))
    }
}

/// Counts: Python's `int`, not negative.
impl Item for u32 {
    fn parse(var: &str, raw: &str) -> Result<u32, ConfigError> {
        let n = python_int(raw).ok_or_else(|| invalid(var, raw))?;
        u32::try_from(n).map_err(|_| out_of_range(var, raw, "a count, 0 to 4294967295"))
    }
    fn value(&self) -> ConfigValue {
        ConfigValue::Int(i64::from(*self))
    }
}

/// Sizes in bytes: Python's `int`, at least 1 (Pyro has no "0 = unlimited": a size of 0 or
/// less would refuse every message).
impl Item for u64 {
    fn parse(var: &str, raw: &str) -> Result<u64, ConfigError> {
        let n = python_int(raw).ok_or_else(|| invalid(var, raw))?;
        u64::try_from(n)
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| out_of_range(var, raw, "a size in bytes, at least 1"))
    }
    fn value(&self) -> ConfigValue {
        // Sizes come from an i64 (or a Rust caller); beyond i64 prints the largest i64.
        ConfigValue::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

/// Seconds: Python's `float`, not negative; `inf` is [`Duration::MAX`] (forever).
impl Item for Duration {
    fn parse(var: &str, raw: &str) -> Result<Duration, ConfigError> {
        let secs = python_float(raw).ok_or_else(|| invalid(var, raw))?;
        seconds(secs).ok_or_else(|| out_of_range(var, raw, "seconds, 0 or more"))
    }
    fn value(&self) -> ConfigValue {
        ConfigValue::Float(seconds_float(*self))
    }
}

/// Seconds where Python's 0 means "off": `None` for 0, printed as `0.0`.
impl Item for Option<Duration> {
    fn parse(var: &str, raw: &str) -> Result<Option<Duration>, ConfigError> {
        Duration::parse(var, raw).map(|d| (!d.is_zero()).then_some(d))
    }
    fn value(&self) -> ConfigValue {
        self.unwrap_or_default().value()
    }
}

/// SERIALIZER: one of Pyro5's four names, exactly (Python's proxy checks
/// `config.SERIALIZER not in serializers.serializers`).
impl Item for Serializer {
    fn parse(var: &str, raw: &str) -> Result<Serializer, ConfigError> {
        Serializer::ALL
            .into_iter()
            .find(|s| s.name() == raw)
            .ok_or_else(|| ConfigError::UnknownSerializer {
                name: var.to_owned(),
                value: raw.to_owned(),
            })
    }
    fn value(&self) -> ConfigValue {
        ConfigValue::Str(self.name().to_owned())
    }
}

impl Item for ServerType {
    fn parse(var: &str, raw: &str) -> Result<ServerType, ConfigError> {
        raw.parse()
            .map_err(|_| out_of_range(var, raw, "thread or multiplex"))
    }
    fn value(&self) -> ConfigValue {
        ConfigValue::Str(self.name().to_owned())
    }
}

impl Item for IpVersion {
    fn parse(var: &str, raw: &str) -> Result<IpVersion, ConfigError> {
        let n = python_int(raw).ok_or_else(|| invalid(var, raw))?;
        IpVersion::from_number(n).ok_or_else(|| out_of_range(var, raw, "0, 4 or 6"))
    }
    fn value(&self) -> ConfigValue {
        ConfigValue::Int(i64::from(self.number()))
    }
}

/// LOGLEVEL: a level name; empty means off, as unset does.
impl Item for Option<LogLevel> {
    fn parse(var: &str, raw: &str) -> Result<Option<LogLevel>, ConfigError> {
        if raw.is_empty() {
            return Ok(None);
        }
        raw.parse()
            .map(Some)
            .map_err(|_| ConfigError::InvalidLogLevel {
                name: var.to_owned(),
                value: raw.to_owned(),
            })
    }
    fn value(&self) -> ConfigValue {
        match self {
            Some(level) => ConfigValue::Str(level.name().to_owned()),
            None => ConfigValue::None,
        }
    }
}

impl Item for String {
    fn parse(_var: &str, raw: &str) -> Result<String, ConfigError> {
        Ok(raw.to_owned())
    }
    fn value(&self) -> ConfigValue {
        ConfigValue::Str(self.clone())
    }
}

impl Item for Option<String> {
    // Items whose default is None take the raw string (`str(envvalue)`).
    fn parse(_var: &str, raw: &str) -> Result<Option<String>, ConfigError> {
        Ok(Some(raw.to_owned()))
    }
    fn value(&self) -> ConfigValue {
        match self {
            Some(s) => ConfigValue::Str(s.clone()),
            None => ConfigValue::None,
        }
    }
}

impl Item for Vec<String> {
    // `[v.strip() for v in envvalue.split(",")]`: an empty string gives `['']`, like Python.
    fn parse(_var: &str, raw: &str) -> Result<Vec<String>, ConfigError> {
        Ok(raw
            .split(',')
            .map(|v| v.trim_matches(is_python_space).to_owned())
            .collect())
    }
    fn value(&self) -> ConfigValue {
        ConfigValue::List(self.clone())
    }
}

/// A float number of seconds as a [`Duration`]: `inf` is [`Duration::MAX`]; negative
/// (`-0.0` included), NaN and values beyond `Duration` are refused.
fn seconds(secs: f64) -> Option<Duration> {
    if secs.is_sign_negative() || secs.is_nan() {
        return None;
    }
    if secs == f64::INFINITY {
        return Some(Duration::MAX);
    }
    Duration::try_from_secs_f64(secs).ok()
}

/// The float Python holds for a duration read from one: the decimal seconds to the nanosecond,
/// read as a float (correctly rounded), so any value given with up to 9 decimals prints
/// exactly as Python prints it.
fn seconds_float(d: Duration) -> f64 {
    if d == Duration::MAX {
        return f64::INFINITY;
    }
    format!("{}.{:09}", d.as_secs(), d.subsec_nanos())
        .parse()
        .unwrap_or(f64::INFINITY)
}

fn out_of_range(var: &str, raw: &str, expected: &'static str) -> ConfigError {
    ConfigError::OutOfRange {
        name: var.to_owned(),
        value: raw.to_owned(),
        expected,
    }
}

fn invalid(var: &str, raw: &str) -> ConfigError {
    ConfigError::InvalidValue {
        name: var.to_owned(),
        value: raw.to_owned(),
    }
}

/// `str.isspace()`: Rust's White_Space set plus the four ASCII separators `\x1c`..`\x1f`.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Whether `digits` is ASCII digits with single underscores only between digits (PEP 515).
fn digits_ok(digits: &str) -> bool {
    !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
}

/// Python's `int(s)` in base 10, limited to `i64`: surrounding whitespace, a sign, leading
/// zeros and PEP 515 underscores are fine. (`int()` strips ASCII whitespace plus Unicode
/// spaces but not `\x1c`..`\x1f`, which is exactly Rust's `trim`.)
pub(crate) fn python_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    if !digits_ok(unsigned) {
        return None;
    }
    t.replace('_', "").parse().ok()
}

/// Python's `float(s)`: whitespace, sign, `inf`/`infinity`/`nan` in any case, `1.`, `.5`,
/// exponents, and PEP 515 underscores between digits; no hex.
pub(crate) fn python_float(s: &str) -> Option<f64> {
    let t = s.trim();
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    let lower = unsigned.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return t.parse().ok();
    }
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (lower.as_str(), None),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let int_ok = int_part.is_empty() || digits_ok(int_part);
    let frac_ok = frac_part.is_none_or(|f| f.is_empty() || digits_ok(f));
    let has_digits = !int_part.is_empty() || frac_part.is_some_and(|f| !f.is_empty());
    let exp_ok = exponent.is_none_or(digits_ok);
    if !(int_ok && frac_ok && has_digits && exp_ok) {
        return None;
    }
    t.replace('_', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_like_python() {
        for (s, want) in [
            (" 42 ", Some(42)),
            ("4_2", Some(42)),
            ("+7", Some(7)),
            ("-3", Some(-3)),
            ("042", Some(42)),
            ("\u{2003}5", Some(5)),
            ("0x10", None),
            ("4__2", None),
            ("_4", None),
            ("4_", None),
            ("", None),
            (" ", None),
            ("1.0", None),
            ("\x1c5", None),
            ("+", None),
            ("-_1", None),
        ] {
            assert_eq!(python_int(s), want, "{s:?}");
        }
    }

    #[test]
    fn floats_like_python() {
        for (s, want) in [
            (" 2.5 ", Some(2.5)),
            ("1_0.5", Some(10.5)),
            ("inf", Some(f64::INFINITY)),
            ("-Infinity", Some(f64::NEG_INFINITY)),
            ("1e1_0", Some(1e10)),
            (".5", Some(0.5)),
            ("5.", Some(5.0)),
            ("1e+05", Some(1e5)),
            ("1E5", Some(1e5)),
            ("1_000", Some(1000.0)),
            ("1e-5", Some(1e-5)),
            ("1_e5", None),
            ("1._5", None),
            (".", None),
            ("e5", None),
            ("1e", None),
            ("0x1p3", None),
            ("infinit", None),
            ("1__0", None),
            ("\x1c3", None),
            ("1e5e5", None),
            ("1.2.3", None),
            ("--1", None),
        ] {
            assert_eq!(python_float(s), want, "{s:?}");
        }
        assert!(python_float("+nan").is_some_and(f64::is_nan));
        assert!(python_float("NaN").is_some_and(f64::is_nan));
        assert!(python_float("-0").is_some_and(|x| x == 0.0 && x.is_sign_negative()));
    }

    #[test]
    fn list_repr_and_strip() {
        let v = Vec::<String>::parse("X", "\x1c a ,b'c,\"").unwrap_or_default();
        assert_eq!(v, ["a", "b'c", "\""]);
        assert_eq!(v.value().to_string(), r#"['a', "b'c", '"']"#);
        assert_eq!(Vec::<String>::parse("X", "").unwrap_or_default(), [""]);
    }
}
