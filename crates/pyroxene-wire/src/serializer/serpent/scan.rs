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

/// `a` in every byte: the padding of a partial word, a byte none of the scans stops at.
const PAD: u64 = LO * b'a' as u64;

/// The 8 bytes at `i` (`i < hay.len()`) as a little-endian word or, past the last full word,
/// the bytes left padded with [`PAD`]: so short strings and the tails of long ones take one
/// word test too, instead of a byte loop (most call names and arguments are short).
#[inline]
fn word_at(hay: &[u8], i: usize) -> u64 {
    let len = hay.len();
    if let Some(chunk) = hay.get(i..i + 8) {
        return word(chunk);
    }
    if i >= len {
        return PAD;
    }
    // 1 to 7 bytes left.
    let n = len - i;
    let v = if len >= 8 {
        // The last word of the input, its already scanned bytes shifted out.
        word(&hay[len - 8..]) >> (8 * (8 - n))
    } else {
        small_word(hay.get(i..).unwrap_or_default())
    };
    v | (PAD << (8 * n))
}

/// The bytes of `rest` (at most 7) as the low bytes of a little-endian word, from two
/// overlapping loads rather than a byte loop.
#[inline]
fn small_word(rest: &[u8]) -> u64 {
    let n = rest.len();
    if n >= 4 {
        let lo = u64::from(u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]));
        let hi = u64::from(u32::from_le_bytes([
            rest[n - 4],
            rest[n - 3],
            rest[n - 2],
            rest[n - 1],
        ]));
        lo | hi << (8 * (n - 4))
    } else if n >= 2 {
        let lo = u64::from(u16::from_le_bytes([rest[0], rest[1]]));
        let hi = u64::from(u16::from_le_bytes([rest[n - 2], rest[n - 1]]));
        lo | hi << (8 * (n - 2))
    } else {
        rest.first().map_or(0, |&b| u64::from(b))
    }
}

/// The index in `hay` of the first byte that `hit` (a SWAR test of the word at `i`) flags: the
/// lowest flagged byte is exact (false positives only occur above a true one, from borrows).
#[inline]
fn first_hit(hay: &[u8], i: usize, hit: u64) -> usize {
    (i + (hit.trailing_zeros() / 8) as usize).min(hay.len())
}

/// The index of the first byte at or after `from` that is `quote`, a backslash, `\n`, `\r`,
/// NUL, or (with `stop_high`) 0x80 and above; `hay.len()` if there is none.
#[inline]
pub(super) fn find_special(hay: &[u8], from: usize, quote: u8, stop_high: bool) -> usize {
    let mut i = from;
    let high_mask = if stop_high { HI } else { 0 };
    while i < hay.len() {
        let v = word_at(hay, i);
        let hit = byte_eq(v, quote)
            | byte_eq(v, b'\\')
            | byte_eq(v, b'\n')
            | byte_eq(v, b'\r')
            | zero_byte(v)
            | (v & high_mask);
        if hit != 0 {
            return first_hit(hay, i, hit);
        }
        i += 8;
    }
    hay.len()
}

/// The index of the first byte at or after `from` that is `quote`, a backslash or a control
/// char (below 0x20); `hay.len()` if there is none. Three word tests instead of
/// [`find_special`]'s five, for the plain literals that most are: a stop at anything but the
/// quote sends the caller to the general lexer anyway.
#[inline]
pub(super) fn find_plain_end(hay: &[u8], from: usize, quote: u8) -> usize {
    let mut i = from;
    while i < hay.len() {
        let v = word_at(hay, i);
        let hit = (v.wrapping_sub(LO * 0x20) & !v & HI) | byte_eq(v, quote) | byte_eq(v, b'\\');
        if hit != 0 {
            return first_hit(hay, i, hit);
        }
        i += 8;
    }
    hay.len()
}

/// The index of the first byte at or after `from` that `repr()` of a str does not copy as it
/// is: a control char, DEL, a backslash, `quote`, or any byte of a non-ASCII char;
/// `hay.len()` if there is none.
#[inline]
pub(super) fn find_escape(hay: &[u8], from: usize, quote: u8) -> usize {
    let mut i = from;
    while i < hay.len() {
        let v = word_at(hay, i);
        let hit = control_or_high(v) | byte_eq(v, b'\\') | byte_eq(v, quote) | byte_eq(v, 0x7f);
        if hit != 0 {
            return first_hit(hay, i, hit);
        }
        i += 8;
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
    let mut i = 0;
    while i < s.len() {
        let v = word_at(s, i);
        bad |= control_or_high(v) | byte_eq(v, b'\\') | byte_eq(v, 0x7f);
        single |= byte_eq(v, b'\'');
        double |= byte_eq(v, b'"');
        i += 8;
    }
    (bad == 0).then_some((single != 0, double != 0))
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
    fn find_plain_end_matches_a_byte_loop() {
        let text = b"0123456789abcdef'ghij\\klm\nopq\trst\"uvw\xc3\xa9xyz0123456789\x1fabc\x7f\xff";
        for from in 0..text.len() {
            for quote in [b'\'', b'"'] {
                let want = (from..text.len())
                    .find(|&i| text[i] < 0x20 || text[i] == b'\\' || text[i] == quote)
                    .unwrap_or(text.len());
                assert_eq!(find_plain_end(text, from, quote), want, "{from}");
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
