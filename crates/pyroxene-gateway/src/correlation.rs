//! `X-Pyro-Correlation-Id` as Python's gateway reads it: `uuid.UUID(text)`, with that
//! constructor's leniency and its error texts.

use pyroxene::Value;

/// Parses `text` as Python's `uuid.UUID(hex)` does: `urn:` and `uuid:` removed anywhere,
/// braces stripped from both ends, dashes removed, then exactly 32 characters that
/// `int(text, 16)` reads (spaces around, a `+`, a `0x` prefix and single underscores
/// between digits included; a `-` is gone with the dashes).
///
/// ```
/// use pyroxene_gateway::correlation::parse_python_uuid;
/// let id = parse_python_uuid("{11112222-3333-4444-5555-666677778888}").unwrap();
/// assert_eq!(uuid::Uuid::from_bytes(id).to_string(), "11112222-3333-4444-5555-666677778888");
/// assert_eq!(parse_python_uuid("nope").unwrap_err(), "badly formed hexadecimal UUID string");
/// ```
///
/// # Errors
/// Python's `ValueError` text.
pub fn parse_python_uuid(text: &str) -> Result<[u8; 16], String> {
    let hex = text.replace("urn:", "").replace("uuid:", "");
    let hex = hex.trim_matches(['{', '}']).replace('-', "");
    if hex.chars().count() != 32 {
        return Err("badly formed hexadecimal UUID string".to_owned());
    }
    let invalid = || {
        format!(
            "invalid literal for int() with base 16: {}",
            Value::Str(hex.clone())
        )
    };
    Ok(python_hex_int(&hex).ok_or_else(invalid)?.to_be_bytes())
}

/// `int(text, 16)` for texts of 32 characters (which can't overflow 128 bits): surrounding
/// whitespace, an optional `+`, an optional `0x` prefix (an underscore may follow it),
/// hex digits with single underscores between them.
fn python_hex_int(text: &str) -> Option<u128> {
    let text = text.trim();
    let rest = text.strip_prefix('+').unwrap_or(text);
    let (digits, after_prefix) = match rest.get(..2) {
        Some("0x" | "0X") => (&rest[2..], true),
        _ => (rest, false),
    };
    let digits = match digits.strip_prefix('_') {
        Some(d) if after_prefix => d,
        _ => digits,
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') {
        return None;
    }
    let mut value: u128 = 0;
    let mut previous_underscore = false;
    for c in digits.chars() {
        if c == '_' {
            if previous_underscore {
                return None;
            }
            previous_underscore = true;
            continue;
        }
        previous_underscore = false;
        let digit = c.to_digit(16)?;
        value = value.checked_mul(16)?.checked_add(u128::from(digit))?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Python 3.11's `str(uuid.UUID(text))` gives, or its ValueError text.
    #[test]
    fn python_uuid_table() {
        let ok = "11112222-3333-4444-5555-666677778888";
        let table: &[(&str, Result<&str, &str>)] = &[
            (ok, Ok(ok)),
            ("11112222333344445555666677778888", Ok(ok)),
            ("urn:uuid:11112222-3333-4444-5555-666677778888", Ok(ok)),
            ("{11112222-3333-4444-5555-666677778888}", Ok(ok)),
            ("1111-2222-3333-4444-5555-6666-7777-8888", Ok(ok)),
            (
                "1111222233334444555566667777888A",
                Ok("11112222-3333-4444-5555-66667777888a"),
            ),
            (
                "0x112222333344445555666677778888",
                Ok("00112222-3333-4444-5555-666677778888"),
            ),
            (
                "+1112222333344445555666677778888",
                Ok("01112222-3333-4444-5555-666677778888"),
            ),
            (
                " 112222333344445555666677778888 ",
                Ok("00112222-3333-4444-5555-666677778888"),
            ),
            (
                "1_112222333344445555666677778888",
                Ok("01112222-3333-4444-5555-666677778888"),
            ),
            (
                "-0000000000000000000000000000001",
                Err("badly formed hexadecimal UUID string"),
            ),
            (
                "0x_12222333344445555666677778888",
                Ok("00012222-3333-4444-5555-666677778888"),
            ),
            ("", Err("badly formed hexadecimal UUID string")),
            ("hello", Err("badly formed hexadecimal UUID string")),
            (
                "zzzz2222333344445555666677778888",
                Err("invalid literal for int() with base 16: 'zzzz2222333344445555666677778888'"),
            ),
            (
                "1__12222333344445555666677778888",
                Err("invalid literal for int() with base 16: '1__12222333344445555666677778888'"),
            ),
        ];
        for (text, want) in table {
            let got = parse_python_uuid(text).map(|b| uuid::Uuid::from_bytes(b).to_string());
            assert_eq!(got.as_deref().map_err(String::as_str), *want, "{text:?}");
        }
    }
}
