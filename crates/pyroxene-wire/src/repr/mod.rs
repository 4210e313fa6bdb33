//! Python's `repr()` rules for the scalar types, shared by `Display for Value`, the serpent
//! encoder (which writes Python literals) and the json encoder (which uses Python's float repr).

mod unprintable;

use std::fmt::Write;

use num_bigint::BigInt;

use crate::{Error, ErrorKind, Result};

/// CPython's default limit on int <-> decimal text conversion (`sys.get_int_max_str_digits()`):
/// Python peers refuse longer ints in both directions, and so do we.
pub const INT_MAX_STR_DIGITS: usize = 4300;

/// Python's `str(int)` error for an int over [`INT_MAX_STR_DIGITS`] digits.
pub(crate) fn int_to_str_too_long() -> Error {
    Error::new(
        ErrorKind::Value,
        format!(
            "Exceeds the limit ({INT_MAX_STR_DIGITS} digits) for integer string conversion; \
             use sys.set_int_max_str_digits() to increase the limit"
        ),
    )
}

/// Python's `int(text)` error text for `digits` decimal digits over the limit.
pub(crate) fn str_to_int_too_long_message(digits: usize) -> String {
    format!(
        "Exceeds the limit ({INT_MAX_STR_DIGITS} digits) for integer string conversion: value has \
         {digits} digits; use sys.set_int_max_str_digits() to increase the limit"
    )
}

/// The decimal text of a big int, as `str(int)` gives it, or Python's error when it is too long.
pub(crate) fn bigint_decimal(b: &BigInt) -> Result<String> {
    let text = b.to_string();
    if text.len() - usize::from(text.starts_with('-')) > INT_MAX_STR_DIGITS {
        return Err(int_to_str_too_long());
    }
    Ok(text)
}

/// Whether Python's `str.isprintable()` holds for `c`, i.e. whether `repr()` keeps it literally.
///
/// The table comes from CPython 3.11 (Unicode 14.0), the interpreter the pinned peers run on.
pub fn is_printable(c: char) -> bool {
    let cp = c as u32;
    if (0x20..0x7F).contains(&cp) {
        return true;
    }
    if cp < 0x20 || cp == 0x7F {
        return false;
    }
    unprintable::UNPRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

/// Appends Python's `repr(s)` for a str: the quote choice, escapes and printable rules of CPython.
pub fn write_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.reserve(s.len() + 2);
    out.push(quote);
    // Fast path: copy runs of plain printable ASCII in one go.
    let bytes = s.as_bytes();
    let mut run_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if (0x20..0x7F).contains(&b) && b != b'\\' && b != quote as u8 {
            i += 1;
            continue;
        }
        out.push_str(&s[run_start..i]);
        if b < 0x80 {
            match b {
                b'\\' => out.push_str("\\\\"),
                b'\n' => out.push_str("\\n"),
                b'\r' => out.push_str("\\r"),
                b'\t' => out.push_str("\\t"),
                _ if b == quote as u8 => {
                    out.push('\\');
                    out.push(quote);
                }
                _ => {
                    let _ = write!(out, "\\x{b:02x}");
                }
            }
            i += 1;
        } else {
            // Safe slicing: i is at a char boundary because every ASCII byte before it was consumed.
            let c = s[i..].chars().next().unwrap_or('\u{FFFD}');
            push_char_escaped(out, c);
            i += c.len_utf8();
        }
        run_start = i;
    }
    out.push_str(&s[run_start..]);
    out.push(quote);
}

fn push_char_escaped(out: &mut String, c: char) {
    let cp = c as u32;
    if is_printable(c) {
        out.push(c);
    } else if cp <= 0xFF {
        let _ = write!(out, "\\x{cp:02x}");
    } else if cp <= 0xFFFF {
        let _ = write!(out, "\\u{cp:04x}");
    } else {
        let _ = write!(out, "\\U{cp:08x}");
    }
}

/// Appends Python's `repr(b)` for bytes: `b'...'` with CPython's quote choice and escapes.
pub fn write_bytes_repr(out: &mut String, b: &[u8]) {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    out.push('b');
    out.push(quote as char);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ if c == quote => {
                out.push('\\');
                out.push(quote as char);
            }
            0x20..0x7F => out.push(c as char),
            _ => {
                let _ = write!(out, "\\x{c:02x}");
            }
        }
    }
    out.push(quote as char);
}

/// Appends Python's `repr(f)` for a float: the shortest round-trip digits, fixed notation for
/// decimal exponents in -4..16, else `d.ddde+XX`; `inf`, `-inf`, `nan` for the specials.
///
/// ```
/// # use pyroxene_wire::repr::write_float_repr;
/// let mut s = String::new();
/// for f in [1.0, 3.14, 1e300, 5e-324, -0.0, 1e16, 0.0001, 1e-5] {
///     write_float_repr(&mut s, f);
///     s.push(' ');
/// }
/// assert_eq!(s, "1.0 3.14 1e+300 5e-324 -0.0 1e+16 0.0001 1e-05 ");
/// ```
pub fn write_float_repr(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("nan");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { "inf" } else { "-inf" });
        return;
    }
    write_finite_float(out, f, true);
}

/// Like [`write_float_repr`] but without the `.0` Python adds to integral values; this is the
/// form `repr(complex)` uses for its parts (`(1+2j)`).
pub fn write_float_repr_no_dot0(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("nan");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "inf" } else { "-inf" });
    } else {
        write_finite_float(out, f, false);
    }
}

fn write_finite_float(out: &mut String, f: f64, add_dot_0: bool) {
    // ryu gives the shortest round-trip digits; we only re-layout them the way CPython's
    // float_repr_style 'short' does (format code 'r').
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(f);
    // ryu's fixed notation is CPython's for decimal points at -3..=16 (e.g. "0.0001", "1.5",
    // "1000000000000000.0"); it differs only for "0.0000ddd" (Python: "d.dde-05") and its
    // scientific form ("1e16" vs "1e+16"), which the general path below re-lays out.
    if add_dot_0 && !text.contains('e') && !text.trim_start_matches('-').starts_with("0.0000") {
        out.push_str(text);
        return;
    }
    relayout_float(out, text, add_dot_0);
}

/// Re-lays out ryu's shortest digits the way CPython's `repr(float)` does.
fn relayout_float(out: &mut String, text: &str, add_dot_0: bool) {
    let (neg, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(pos) => (&text[..pos], text[pos + 1..].parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    // Collect significant digits and the position of the decimal point.
    let mut digits = [0u8; 24];
    let mut nd = 0usize;
    let mut point: i32 = 0;
    let mut seen_point = false;
    for &b in mantissa.as_bytes() {
        if b == b'.' {
            seen_point = true;
            continue;
        }
        if nd < digits.len() {
            digits[nd] = b;
            nd += 1;
        }
        if !seen_point {
            point += 1;
        }
    }
    // Strip leading zeros (e.g. "0.001") and trailing zeros (e.g. "100.0").
    let mut start = 0;
    while start < nd && digits[start] == b'0' {
        start += 1;
        point -= 1;
    }
    let mut end = nd;
    while end > start && digits[end - 1] == b'0' {
        end -= 1;
    }
    if neg {
        out.push('-');
    }
    if start == end {
        out.push_str(if add_dot_0 { "0.0" } else { "0" });
        return;
    }
    let digits = &digits[start..end];
    let decpt = point + exp; // value = 0.d1d2d3... * 10^decpt
    let sci_exp = decpt - 1;
    if (-4..16).contains(&sci_exp) {
        if decpt <= 0 {
            out.push_str("0.");
            for _ in 0..(-decpt) {
                out.push('0');
            }
            push_digits(out, digits);
        } else {
            let decpt = decpt as usize;
            if digits.len() <= decpt {
                push_digits(out, digits);
                for _ in digits.len()..decpt {
                    out.push('0');
                }
                if add_dot_0 {
                    out.push_str(".0");
                }
            } else {
                push_digits(out, &digits[..decpt]);
                out.push('.');
                push_digits(out, &digits[decpt..]);
            }
        }
    } else {
        out.push(digits[0] as char);
        if digits.len() > 1 {
            out.push('.');
            push_digits(out, &digits[1..]);
        }
        out.push('e');
        out.push(if sci_exp < 0 { '-' } else { '+' });
        let _ = write!(out, "{:02}", sci_exp.unsigned_abs());
    }
}

fn push_digits(out: &mut String, digits: &[u8]) {
    for &d in digits {
        out.push(d as char);
    }
}

/// Appends Python's `repr(complex(re, im))`: `1.5j`, `-1.5j`, `(1+2j)`, `(-0-1j)`.
pub fn write_complex_repr(out: &mut String, re: f64, im: f64) {
    if re == 0.0 && re.is_sign_positive() {
        write_float_repr_no_dot0(out, im);
        out.push('j');
        return;
    }
    out.push('(');
    write_float_repr_no_dot0(out, re);
    // Python formats the imaginary part with a forced sign; nan has none of its own.
    if im.is_nan() || im.is_sign_positive() {
        out.push('+');
    }
    write_float_repr_no_dot0(out, im);
    out.push_str("j)");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(f: f64) -> String {
        let mut s = String::new();
        write_float_repr(&mut s, f);
        s
    }

    #[test]
    fn floats_like_python() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.5, "1.5"),
            (100.0, "100.0"),
            (123456789012345.6, "123456789012345.6"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (0.00001, "1e-05"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-123.456, "-123.456"),
        ];
        for (f, want) in cases {
            assert_eq!(float(f), want, "{f:e}");
        }
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        #[test]
        fn fast_path_matches_general_layout(f in proptest::prop_oneof![
            proptest::prelude::any::<u64>().prop_map(f64::from_bits),
            -1e17f64..1e17,
            -1e-3f64..1e-3,
            (-1_000_000i64..1_000_000, 0u32..20).prop_map(|(m, e)| m as f64 / 10f64.powi(e as i32)),
        ]) {
            proptest::prop_assume!(f.is_finite());
            let mut fast = String::new();
            write_float_repr(&mut fast, f);
            let mut general = String::new();
            relayout_float(&mut general, ryu::Buffer::new().format_finite(f), true);
            proptest::prop_assert_eq!(fast, general);
        }
    }

    #[test]
    fn strings_like_python() {
        let cases = [
            ("hello", "'hello'"),
            ("it's", "\"it's\""),
            ("it's \"q\"", "'it\\'s \"q\"'"),
            (
                "ctrl \0\x01\t\n\r\\ end",
                "'ctrl \\x00\\x01\\t\\n\\r\\\\ end'",
            ),
            (
                "zero\u{200b}width \u{2028} \u{feff}",
                "'zero\\u200bwidth \\u2028 \\ufeff'",
            ),
            ("unicode é€☃ 😀", "'unicode é€☃ 😀'"),
            ("\u{7f}\u{a0}\u{ad}", "'\\x7f\\xa0\\xad'"),
            ("\u{e0000}", "'\\U000e0000'"),
        ];
        for (s, want) in cases {
            let mut out = String::new();
            write_str_repr(&mut out, s);
            assert_eq!(out, want);
        }
    }

    #[test]
    fn complex_like_python() {
        let cases = [
            ((1.0, 2.0), "(1+2j)"),
            ((0.0, -1.5), "-1.5j"),
            ((-0.0, 1.0), "(-0+1j)"),
            ((1.5, -0.0), "(1.5-0j)"),
            ((0.0, 0.0), "0j"),
            ((1e300, 1e-10), "(1e+300+1e-10j)"),
        ];
        for ((re, im), want) in cases {
            let mut out = String::new();
            write_complex_repr(&mut out, re, im);
            assert_eq!(out, want);
        }
    }
}
