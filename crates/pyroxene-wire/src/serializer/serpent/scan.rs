//! Word-at-a-time byte scanning (SWAR) for the hot string loops of the encoder and decoder.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Nonzero iff some byte of `v` is zero.
#[inline]
fn zero_byte(v: u64) -> u64 {
    v.wrapping_sub(LO) & !v & HI
}

/// Nonzero iff some byte of `v` equals `b`.
#[inline]
fn byte_eq(v: u64, b: u8) -> u64 {
    zero_byte(v ^ (LO * u64::from(b)))
}

/// Nonzero iff some byte of `v` is below 0x20 or 0x80 and above (a control char or non-ASCII).
#[inline]
fn control_or_high(v: u64) -> u64 {
    (v.wrapping_sub(LO * 0x20) & !v & HI) | (v & HI)
}

#[inline]
fn word(chunk: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(chunk);
    u64::from_le_bytes(bytes)
}

/// The index of the first byte at or after `from` that is `quote`, a backslash, `\n`, `\r`,
/// NUL, or (with `stop_high`) 0x80 and above; `hay.len()` if there is none.
#[inline]
pub(super) fn find_special(hay: &[u8], from: usize, quote: u8, stop_high: bool) -> usize {
    let mut i = from;
    let high_mask = if stop_high { HI } else { 0 };
    while i + 8 <= hay.len() {
        let v = word(&hay[i..i + 8]);
        let hit = byte_eq(v, quote)
            | byte_eq(v, b'\\')
            | byte_eq(v, b'\n')
            | byte_eq(v, b'\r')
            | zero_byte(v)
            | (v & high_mask);
        if hit != 0 {
            break;
        }
        i += 8;
    }
    while i < hay.len() {
        let c = hay[i];
        let stop = c == quote || matches!(c, b'\\' | b'\n' | b'\r' | 0);
        if stop || (stop_high && c >= 0x80) {
            return i;
        }
        i += 1;
    }
    hay.len()
}

/// The index of the first byte at or after `from` that `repr()` of a str does not copy as it
/// is: a control char, DEL, a backslash, `quote`, or any byte of a non-ASCII char;
/// `hay.len()` if there is none.
#[inline]
pub(super) fn find_escape(hay: &[u8], from: usize, quote: u8) -> usize {
    let mut i = from;
    while i + 8 <= hay.len() {
        let v = word(&hay[i..i + 8]);
        let hit = control_or_high(v) | byte_eq(v, b'\\') | byte_eq(v, quote) | byte_eq(v, 0x7f);
        if hit != 0 {
            break;
        }
        i += 8;
    }
    while i < hay.len() {
        let c = hay[i];
        if !(0x20..0x7f).contains(&c) || c == b'\\' || c == quote {
            return i;
        }
        i += 1;
    }
    hay.len()
}

/// For text that Python's `repr()` copies verbatim (printable ASCII without backslashes):
/// whether it contains `'` and whether it contains `"`. `None` if anything needs escaping.
#[inline]
pub(super) fn plain_ascii(s: &[u8]) -> Option<(bool, bool)> {
    let mut bad = 0u64;
    let mut single = 0u64;
    let mut double = 0u64;
    let mut chunks = s.chunks_exact(8);
    for chunk in &mut chunks {
        let v = word(chunk);
        bad |= control_or_high(v) | byte_eq(v, b'\\') | byte_eq(v, 0x7f);
        single |= byte_eq(v, b'\'');
        double |= byte_eq(v, b'"');
    }
    let (mut single, mut double) = (single != 0, double != 0);
    if bad != 0 {
        return None;
    }
    for &c in chunks.remainder() {
        if !(0x20..0x7f).contains(&c) || c == b'\\' {
            return None;
        }
        single |= c == b'\'';
        double |= c == b'"';
    }
    Some((single, double))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_special_matches_a_byte_loop() {
        let text = b"0123456789abcdef'ghij\\klm\nopq\rrst\"uvw\xc3\xa9xyz0123456789\0abcdefgh";
        for from in 0..text.len() {
            for (quote, high) in [(b'\'', false), (b'"', true)] {
                let want = (from..text.len())
                    .find(|&i| {
                        let c = text[i];
                        c == quote || b"\\\n\r\0".contains(&c) || (high && c >= 0x80)
                    })
                    .unwrap_or(text.len());
                assert_eq!(find_special(text, from, quote, high), want, "{from}");
            }
        }
    }

    #[test]
    fn find_escape_matches_a_byte_loop() {
        let text = b"0123456789abcdef'ghij\\klm\nopq\x7frst\"uvw\xc3\xa9xyz0123456789\x01";
        for from in 0..text.len() {
            for quote in [b'\'', b'"'] {
                let want = (from..text.len())
                    .find(|&i| {
                        let c = text[i];
                        !(0x20..0x7f).contains(&c) || c == b'\\' || c == quote
                    })
                    .unwrap_or(text.len());
                assert_eq!(find_escape(text, from, quote), want, "{from}");
            }
        }
    }

    #[test]
    fn plain_ascii_matches_a_byte_loop() {
        let samples: [&[u8]; 8] = [
            b"",
            b"plain text that is long enough",
            b"it's a \"quote\" test, long enough",
            b"tab\there and more bytes after it",
            b"0123456789abcde\x7f",
            b"caf\xc3\xa9 and some more ascii text",
            b"back\\slash somewhere in the text",
            b"short'",
        ];
        for s in samples {
            let want = s
                .iter()
                .all(|&c| (0x20..0x7f).contains(&c) && c != b'\\')
                .then(|| (s.contains(&b'\''), s.contains(&b'"')));
            assert_eq!(plain_ascii(s), want, "{:?}", String::from_utf8_lossy(s));
        }
    }
}
