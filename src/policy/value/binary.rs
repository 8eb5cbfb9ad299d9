//! Values of the `BinaryEquals` condition operator (reference §6.1): the
//! policy holds base64 text and the comparison is byte for byte.

/// Decodes standard-alphabet base64 (RFC 4648 §4: `A-Z a-z 0-9 + /`).
///
/// * Padding: AWS's documented example is padded, and AWS does not document
///   unpadded input. We accept both `QQ==` and `QQ`, because the decoded
///   bytes are unambiguous either way and comparing bytes (not spellings)
///   is the point of the operator. When padding is present it must be
///   complete (total length a multiple of four) and only at the end.
/// * Non-zero trailing bits (`QR==`, which some decoders read as `A`):
///   AWS does not document them; we reject them, as RFC 4648 §3.5 permits,
///   because no encoder produces them, so they signal a truncated or
///   mistyped value that should surface as a type mismatch rather than
///   silently compare equal to a different spelling.
/// * Whitespace, line breaks and the URL-safe alphabet (`-`, `_`) are
///   rejected: AWS does not document them, and a policy value has no reason
///   to contain them.
/// * The empty string decodes to no bytes.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let data = bytes.strip_suffix(b"==").or_else(|| bytes.strip_suffix(b"=")).unwrap_or(bytes);
    let padded = data.len() != bytes.len();
    if padded && !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    let mut chunks = data.chunks_exact(4);
    for chunk in chunks.by_ref() {
        let &[a, b, c, d] = chunk else {
            return None;
        };
        let n = (sextet(a)? << 18) | (sextet(b)? << 12) | (sextet(c)? << 6) | sextet(d)?;
        out.extend([byte(n, 16), byte(n, 8), byte(n, 0)]);
    }
    match *chunks.remainder() {
        [] => {}
        [a, b] => {
            let n = (sextet(a)? << 18) | (sextet(b)? << 12);
            if n & 0xFFFF != 0 {
                return None;
            }
            out.push(byte(n, 16));
        }
        [a, b, c] => {
            let n = (sextet(a)? << 18) | (sextet(b)? << 12) | (sextet(c)? << 6);
            if n & 0xFF != 0 {
                return None;
            }
            out.push(byte(n, 16));
            out.push(byte(n, 8));
        }
        // A single leftover character carries only six bits: not a byte.
        _ => return None,
    }
    Some(out)
}

/// `BinaryEquals`: both values are decoded and compared byte for byte; a
/// value that is not valid base64 matches nothing.
pub fn binary_equals(policy_b64: &str, context_b64: &str) -> bool {
    match (decode_base64(policy_b64), decode_base64(context_b64)) {
        (Some(policy), Some(context)) => policy == context,
        _ => false,
    }
}

fn sextet(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

fn byte(n: u32, shift: u32) -> u8 {
    // Truncation to the low eight bits is the intent.
    ((n >> shift) & 0xFF) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decode_table() {
        #[rustfmt::skip]
        let rows: &[(&str, Option<&[u8]>)] = &[
            // RFC 4648 §10 test vectors, padded.
            ("", Some(b"")),
            ("Zg==", Some(b"f")),
            ("Zm8=", Some(b"fo")),
            ("Zm9v", Some(b"foo")),
            ("Zm9vYg==", Some(b"foob")),
            ("Zm9vYmE=", Some(b"fooba")),
            ("Zm9vYmFy", Some(b"foobar")),
            // The same vectors unpadded.
            ("Zg", Some(b"f")),
            ("Zm8", Some(b"fo")),
            ("Zm9vYg", Some(b"foob")),
            ("Zm9vYmE", Some(b"fooba")),
            // AWS documentation example value.
            ("QmluYXJ5VmFsdWVJbkJhc2U2NA==", Some(b"BinaryValueInBase64")),
            // Both alphabet extras of the standard alphabet.
            ("+/+/", Some(&[0xFB, 0xFF, 0xBF])),
            // Incomplete padding or padding in the middle.
            ("Zg=", None),
            ("Zm8==", None),
            ("Zg==Zg==", None),
            ("Z===", None),
            ("====", None),
            ("=", None),
            // One leftover character is not a byte.
            ("Z", None),
            ("Zm9vY", None),
            // Non-zero trailing bits are rejected.
            ("Zh==", None),
            ("Zm9=", None),
            ("Zh", None),
            // URL-safe alphabet, whitespace and other characters.
            ("-_-_", None),
            ("Zm9v\n", None),
            ("Zm 9v", None),
            (" Zm9v", None),
            ("Zm9v!", None),
            ("Zm9vé", None),
        ];
        for (s, want) in rows {
            assert_eq!(decode_base64(s).as_deref(), *want, "decode_base64({s:?})");
        }
    }

    #[test]
    fn binary_equals_table() {
        #[rustfmt::skip]
        let rows: &[(&str, &str, bool)] = &[
            ("Zm9v", "Zm9v", true),           // identical
            ("Zg==", "Zg", true),             // padding is not significant
            ("Zm9v", "Zm9w", false),          // different bytes
            ("Zm9v", "Zm9vYg==", false),      // prefix is not equal
            ("", "", true),                   // empty equals empty
            ("Zh==", "Zh==", false),          // invalid values match nothing
            ("Zm9v", "not base64!", false),   // invalid context value
        ];
        for (p, c, want) in rows {
            assert_eq!(binary_equals(p, c), *want, "binary_equals({p:?}, {c:?})");
        }
    }

    /// Test-local encoder, independent of the decoder under test.
    fn encode(bytes: &[u8], pad: bool) -> String {
        const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let mut buf = [0u8; 3];
            buf[..chunk.len()].copy_from_slice(chunk);
            let n = (u32::from(buf[0]) << 16) | (u32::from(buf[1]) << 8) | u32::from(buf[2]);
            let chars = chunk.len() + 1;
            for i in 0..4 {
                if i < chars {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else if pad {
                    out.push('=');
                }
            }
        }
        out
    }

    proptest! {
        #[test]
        fn round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..64), pad in any::<bool>()) {
            prop_assert_eq!(decode_base64(&encode(&bytes, pad)), Some(bytes));
        }

        #[test]
        fn never_panics(s in "[A-Za-z0-9+/=_ -]{0,12}") {
            let _ = decode_base64(&s);
        }
    }
}
