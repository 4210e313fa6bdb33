//! Both codecs against every TCP stream of the sessions recorded between the real Python
//! libraries: Pyro5 5.17 (`testdata/vectors/pyro5`, [`V5`]) and Pyro4 4.82
//! (`testdata/vectors/pyro4`, [`V4`]). For each generation, each stream splits into messages
//! whose header fields and annotations match its `index.json`, also fed one byte at a time;
//! re-encoding gives the recorded bytes back (for Pyro4's HMAC-signed streams too, with the key
//! they were signed with, so our HMAC is Pyro4's); and the refused client bytes fail with the
//! very text the Python daemon answered in its CONNECTFAIL. (What the payloads decode to is in
//! `protocol_payloads.rs`.)
//!
//! Every check that applies to both generations is written once and runs over `GENS`; what
//! differs is a field of [`Gen`] or a branch on its version, and a failure names the
//! generation and the vector file and offset.

#[path = "support/recorded_vectors.rs"]
mod recorded_vectors;

use std::sync::Arc;

use pyroxene_wire::ProtocolVersion;
use pyroxene_wire::protocol::{
    Codec, CorrelationId, Flags, Message, MessageType, ParseOptions, ProtocolError, V4,
    codec_with_hmac, detect_version,
};
use recorded_vectors::{At, Gen, all, here, raw};
use serde_json::Value as Json;

/// The index's flag names. META_ON_CONNECT is Pyro4's only: the v5 codec has no wire bit for
/// it, so a v5 message never shows it.
const FLAG_NAMES: [(Flags, &str); 7] = [
    (Flags::EXCEPTION, "EXCEPTION"),
    (Flags::COMPRESSED, "COMPRESSED"),
    (Flags::ONEWAY, "ONEWAY"),
    (Flags::BATCH, "BATCH"),
    (Flags::META_ON_CONNECT, "META_ON_CONNECT"),
    (Flags::ITEMSTREAMRESULT, "ITEMSTREAMRESULT"),
    (Flags::KEEPSERIALIZED, "KEEPSERIALIZED"),
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_header(g: &Gen, m: &Json, msg: &Message) {
    let here = here(g, m);
    assert_eq!(u64::from(msg.msg_type.number()), m["msg_type"], "{here}");
    assert_eq!(msg.msg_type.name(), m["type"], "{here}");
    assert_eq!(u64::from(msg.serializer_id), m["serializer_id"], "{here}");
    assert_eq!(u64::from(msg.seq), m["seq"], "{here}");
    assert_eq!(msg.payload.len() as u64, m["data_size"], "{here}");
    let mut names: Vec<&str> = msg
        .flags
        .iter()
        .map(|f| FLAG_NAMES.iter().find(|n| n.0 == f).map_or("?", |n| n.1))
        .collect();
    // Pyro4 carries the correlation id in a CORR annotation and signs with an HMAC one; the
    // model lifts the first into the message and drops the verified second, so both leave
    // the expected chunks (their framing still counts in the annotation size).
    let (mut want_chunks, mut lifted_size, mut want_corr) = (Vec::new(), 0, None);
    for c in m["annotations"].as_array().into_iter().flatten() {
        let key = c["key"].as_str().at(&here);
        let len = c["length"].as_u64().at(&here);
        let value = c["value_hex"].as_str().at(&here).to_owned();
        match (g.version, key) {
            (ProtocolVersion::V4, "CORR") => want_corr = Some(value),
            (ProtocolVersion::V4, "HMAC") => assert_eq!(len, 20, "{here}"),
            _ => {
                want_chunks.push((key.to_owned(), len, value));
                continue;
            }
        }
        lifted_size += g.chunk_overhead + len;
    }
    let chunks: Vec<(String, u64, String)> = msg
        .annotations
        .iter()
        .map(|(id, v)| (id.to_string(), v.len() as u64, hex(v)))
        .collect();
    assert_eq!(chunks, want_chunks, "{here}");
    let annotations_size = msg.annotations.wire_size(g.chunk_overhead) + lifted_size;
    assert_eq!(annotations_size, m["annotations_size"], "{here}");
    let payload_offset = g.header_size + annotations_size;
    assert_eq!(payload_offset, m["payload_offset"], "{here}");
    match g.version {
        ProtocolVersion::V4 => {
            let corr = msg.correlation_id.map(|c| hex(c.as_bytes()));
            assert_eq!(corr, want_corr, "{here}");
        }
        ProtocolVersion::V5 => {
            // A header field with a flag bit, which the index lists as a flag name; an absent
            // id is shown as zeros.
            if msg.correlation_id.is_some() {
                names.push("CORR_ID");
            }
            let corr = msg.correlation_id.unwrap_or_default();
            assert_eq!(corr.to_string(), m["correlation_id"], "{here}");
            let want: CorrelationId = m["correlation_id"].as_str().at(&here).parse().at(&here);
            assert_eq!(corr, want, "{here}");
        }
    }
    let want: Vec<&str> = m["flag_names"]
        .as_array()
        .at(&here)
        .iter()
        .filter_map(Json::as_str)
        .collect();
    assert_eq!(names, want, "{here}");
}

#[test]
fn every_recorded_stream_splits_into_its_messages_and_reencodes_byte_for_byte() {
    for v in all() {
        let g = v.g;
        let (mut files, mut messages, mut signed) = (0, 0, 0);
        for (file, msgs) in v.accepted_streams() {
            let bytes = v.read(&file);
            assert_eq!(detect_version(&bytes), Some(g.version), "{g} {file}");
            let mut pos = 0;
            for m in &msgs {
                let here = format!("{g} {file} @{pos}");
                assert_eq!(m["offset"].as_u64(), Some(pos as u64), "{here}: gap");
                let codec = v.codec_for(m);
                assert_eq!(codec.header_size() as u64, g.header_size, "{here}");
                signed += usize::from(v.signing_key(m).is_some());
                let (msg, used) = codec.parse(&bytes[pos..], &raw()).at(&here).at(&here);
                assert_eq!(Some(used as u64), m["length"].as_u64(), "{here}");
                check_header(g, m, &msg);
                let again = codec.encode(&msg).at(&here);
                let recorded = &bytes[pos..pos + used];
                assert_eq!(again, recorded, "{here}: re-encode differs");
                pos += used;
                messages += 1;
            }
            assert_eq!(pos, bytes.len(), "{g} {file}: trailing bytes");
            files += 1;
        }
        assert!(
            files >= g.min_files && messages >= g.min_messages,
            "{g}: {files} files, {messages} messages"
        );
        assert!(signed >= g.min_signed, "{g}: only {signed} signed");
    }
}

#[test]
fn streams_fed_one_byte_at_a_time_wait_for_each_whole_message() {
    for v in all() {
        let g = v.g;
        let mut checked = 0;
        for (file, msgs) in v.accepted_streams() {
            let bytes = v.read(&file);
            // (length, codec) per message, made before the byte loop: a Pyro4 codec needs a
            // key lookup.
            let plan: Vec<(usize, Arc<dyn Codec>)> = msgs
                .iter()
                .map(|m| {
                    (
                        m["length"].as_u64().at(&here(g, m)) as usize,
                        v.codec_for(m),
                    )
                })
                .collect();
            let mut plan = plan.iter();
            let mut want = plan.next();
            let (mut buf, mut start) = (Vec::new(), 0);
            for &b in &bytes {
                buf.push(b);
                let here = format!("{g} {file} @{start}");
                let (len, codec) = want.at(&here);
                match codec.parse(&buf, &ParseOptions::default()).at(&here) {
                    None => assert!(buf.len() < *len, "{here}: nothing at full length"),
                    Some((_, used)) => {
                        assert_eq!((used, buf.len()), (*len, *len), "{here}");
                        buf.clear();
                        start += used;
                        want = plan.next();
                        checked += 1;
                    }
                }
            }
            assert!(buf.is_empty() && want.is_none(), "{g} {file}: leftover");
        }
        assert!(checked >= g.min_messages, "{g}: {checked}");
    }
}

#[test]
fn refused_client_bytes_fail_with_the_text_the_python_daemon_sent_back() {
    for v in all() {
        let g = v.g;
        for (name, accepted, key, want) in (g.refused)() {
            let here = format!("{g} {name}");
            let (c2s, s2c) = if name.contains(".step") {
                (format!("{name}-c2s.bin"), format!("{name}-s2c.bin"))
            } else {
                (format!("{name}.c2s.bin"), format!("{name}.s2c.bin"))
            };
            let daemon = codec_with_hmac(g.version, key.map(Arc::from)).at(&here);
            let opts = ParseOptions::default().accept(accepted);
            let err = daemon.parse(&v.read(&c2s), &opts).expect_err(&here);
            assert_eq!(err, want, "{here}");
            let reply = v.read(&s2c);
            if reply.is_empty() {
                continue; // Python closed without a reply (see the tables)
            }
            // The reply is signed when the daemon has a key: read it with the daemon's codec.
            let (fail, _) = daemon
                .parse(&reply, &ParseOptions::default())
                .at(&here)
                .at(&here);
            assert_eq!(fail.msg_type, MessageType::ConnectFail, "{here}");
            let ser = fail.serializer(g.version).at(&here);
            let text = ser.decode(&fail.payload).at(&here);
            assert_eq!(text.as_str(), Some(err.to_string().as_str()), "{here}");
        }
    }
}

#[test]
fn bad_compression_is_refused_only_when_inflating() {
    for v in all() {
        let here = format!("{} session_bad_compression.step2-c2s.bin", v.g);
        let bytes = v.read("session_bad_compression.step2-c2s.bin");
        let (msg, used) = v.plain().parse(&bytes, &raw()).at(&here).at(&here);
        assert!(msg.has(Flags::COMPRESSED) && used == bytes.len(), "{here}");
        let err = v
            .plain()
            .parse(&bytes, &ParseOptions::default())
            .expect_err(&here);
        assert!(matches!(err, ProtocolError::Decompress(_)), "{here}: {err}");
    }
}

/// Six zero bytes: Python's Pyro4 daemon waits for 24 header bytes (the capture timed out); we
/// already know the tag is wrong and say so with the same text. (Pyro5's `invalid_zeros` is
/// a whole header, in the refused table.)
#[test]
fn v4_short_garbage_is_refused_as_soon_as_the_tag_is_in() {
    let v = all().find(|v| v.g.version == ProtocolVersion::V4).at("v4");
    let zeros = v.read("invalid_zeros6.c2s.bin");
    let opts = ParseOptions::default();
    assert_eq!(V4::new().parse(&zeros[..5], &opts), Ok(None));
    let err = V4::new().parse(&zeros, &opts);
    assert_eq!(err, Err(ProtocolError::V4InvalidHeader));
}
