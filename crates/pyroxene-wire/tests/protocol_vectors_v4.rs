//! The v4 codec against every message of the Pyro4 4.82 sessions recorded between the real
//! Python libraries (`testdata/vectors/pyro4`): each TCP stream splits into messages
//! whose header fields and annotations match `index.json`, HMAC-signed streams verify with the
//! key they were signed with and re-encode byte for byte (so our HMAC is Pyro4's), and the
//! refused client bytes fail with the text the Python daemon sent back in its CONNECTFAIL.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pyroxene_wire::dialect::{ConnectRequest, ConnectResponse, RemoteException};
use pyroxene_wire::protocol::{
    Flags, Message, MessageType, ParseOptions, ProtocolError, V4, detect_version,
};
use pyroxene_wire::{ProtocolVersion, Serializer, Value};
use serde_json::Value as Json;

fn dir() -> PathBuf {
    pyroxene_testkit::vectors_dir().join("pyro4")
}

fn index() -> Json {
    serde_json::from_str(&std::fs::read_to_string(dir().join("index.json")).expect("index"))
        .expect("index.json")
}

/// Every recorded message with a header, grouped by stream file, in offset order.
fn streams() -> BTreeMap<String, Vec<Json>> {
    let mut by_file: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    for m in index()["messages"].as_array().expect("messages") {
        let file = m["file"].as_str().expect("file").to_owned();
        if m["msg_type"].as_u64().is_some_and(|t| (1..=6).contains(&t)) {
            by_file.entry(file).or_default().push(m.clone());
        }
    }
    for msgs in by_file.values_mut() {
        msgs.sort_by_key(|m| m["offset"].as_u64());
    }
    by_file
}

fn read(file: &str) -> Vec<u8> {
    std::fs::read(dir().join(file)).expect("vector file")
}

/// The key the sender of `file` signed with: the scenario's client or daemon key, else the
/// index's key for the raw signed messages (the capture used one key for all of them).
fn sender_key(file: &str) -> Option<Vec<u8>> {
    let index = index();
    let scenario = index["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .find(|s| file.starts_with(&format!("{}.", s["scenario"].as_str().unwrap_or("?"))));
    let side = if file.contains("c2s") {
        "client_hmac_key"
    } else {
        "daemon_hmac_key"
    };
    let key = scenario
        .and_then(|s| s[side].as_str())
        .or_else(|| index["hmac_key"].as_str())?;
    Some(key.as_bytes().to_vec())
}

/// The codec that reads `m` as its sender wrote it: keyed when the message carries `HMAC`.
fn codec_for(m: &Json) -> V4 {
    let signed = m["annotations"]
        .as_array()
        .is_some_and(|a| a.iter().any(|c| c["key"] == "HMAC"));
    match sender_key(m["file"].as_str().expect("file")) {
        Some(key) if signed => V4::with_hmac(key),
        _ => V4::new(),
    }
}

/// Files whose message the receiving daemon refuses (checked in `refused_*`).
const REFUSED: &[&str] = &["invalid_bad_checksum.c2s.bin"];

fn raw() -> ParseOptions {
    ParseOptions::default().decompress(false)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn flag_name(f: Flags) -> &'static str {
    match f {
        Flags::EXCEPTION => "EXCEPTION",
        Flags::COMPRESSED => "COMPRESSED",
        Flags::ONEWAY => "ONEWAY",
        Flags::BATCH => "BATCH",
        Flags::META_ON_CONNECT => "META_ON_CONNECT",
        Flags::ITEMSTREAMRESULT => "ITEMSTREAMRESULT",
        Flags::KEEPSERIALIZED => "KEEPSERIALIZED",
        _ => "?",
    }
}

fn check_header(m: &Json, msg: &Message) {
    let here = format!("{} @{}", m["file"], m["offset"]);
    assert_eq!(u64::from(msg.msg_type.number()), m["msg_type"], "{here}");
    assert_eq!(msg.msg_type.name(), m["type"], "{here}");
    assert_eq!(u64::from(msg.serializer_id), m["serializer_id"], "{here}");
    assert_eq!(u64::from(msg.seq), m["seq"], "{here}");
    assert_eq!(msg.payload.len() as u64, m["data_size"], "{here}");
    let names: Vec<&str> = msg.flags.iter().map(flag_name).collect();
    let want: Vec<&str> = m["flag_names"]
        .as_array()
        .expect("flag_names")
        .iter()
        .filter_map(Json::as_str)
        .collect();
    assert_eq!(names, want, "{here}");
    // The model keeps CORR as the correlation id and drops the verified HMAC.
    let mut want_rest = Vec::new();
    let mut want_corr = None;
    for c in m["annotations"].as_array().into_iter().flatten() {
        let (key, value) = (c["key"].as_str().expect("key"), c["value_hex"].as_str());
        match key {
            "CORR" => want_corr = value.map(str::to_owned),
            "HMAC" => assert_eq!(c["length"], 20, "{here}"),
            _ => want_rest.push((key.to_owned(), value.expect("hex").to_owned())),
        }
    }
    let rest: Vec<(String, String)> = msg
        .annotations
        .iter()
        .map(|(id, v)| (id.to_string(), hex(v)))
        .collect();
    assert_eq!(rest, want_rest, "{here}");
    assert_eq!(
        msg.correlation_id.map(|c| hex(c.as_bytes())),
        want_corr,
        "{here}"
    );
}

#[test]
fn every_recorded_stream_splits_into_its_messages_and_reencodes_byte_for_byte() {
    let (mut files, mut messages, mut signed) = (0, 0, 0);
    for (file, msgs) in streams() {
        if REFUSED.contains(&file.as_str()) {
            continue;
        }
        let bytes = read(&file);
        assert_eq!(detect_version(&bytes), Some(ProtocolVersion::V4), "{file}");
        let mut pos = 0;
        for m in &msgs {
            assert_eq!(m["offset"].as_u64(), Some(pos as u64), "{file}: gap");
            let codec = codec_for(m);
            signed += usize::from(codec.hmac_key().is_some());
            let (msg, used) = codec
                .parse(&bytes[pos..], &raw())
                .unwrap_or_else(|e| panic!("{file} @{pos}: {e}"))
                .unwrap_or_else(|| panic!("{file} @{pos}: incomplete"));
            assert_eq!(Some(used as u64), m["length"].as_u64(), "{file} @{pos}");
            check_header(m, &msg);
            let again = codec.encode(&msg).expect("encode");
            assert_eq!(
                again,
                &bytes[pos..pos + used],
                "{file} @{pos}: re-encode differs"
            );
            pos += used;
            messages += 1;
        }
        assert_eq!(pos, bytes.len(), "{file}: trailing bytes");
        files += 1;
    }
    assert!(
        files >= 140 && messages >= 800,
        "{files} files, {messages} messages"
    );
    assert!(signed >= 25, "only {signed} signed messages");
}

#[test]
fn streams_fed_one_byte_at_a_time_wait_for_each_whole_message() {
    let mut checked = 0;
    for (file, msgs) in streams() {
        if REFUSED.contains(&file.as_str()) {
            continue;
        }
        let bytes = read(&file);
        let mut buf = Vec::new();
        // (length, codec) per message: the codec (key lookup in the index) is made once.
        let plan: Vec<(usize, V4)> = msgs
            .iter()
            .map(|m| (m["length"].as_u64().expect("len") as usize, codec_for(m)))
            .collect();
        let mut msgs = plan.iter();
        let mut want = msgs.next();
        for &b in &bytes {
            buf.push(b);
            let (len, codec) = want.expect("a message is due");
            let len = *len;
            match codec.parse(&buf, &ParseOptions::default()) {
                Ok(None) => assert!(buf.len() < len, "{file}: nothing at full length"),
                Ok(Some((_, used))) => {
                    assert_eq!((used, buf.len()), (len, len), "{file}");
                    buf.clear();
                    want = msgs.next();
                    checked += 1;
                }
                // Only the session whose payload is not zlib data may fail, once complete.
                Err(e) => {
                    assert!(matches!(e, ProtocolError::Decompress(_)), "{file}: {e}");
                    assert_eq!(buf.len(), len);
                    buf.clear();
                    want = msgs.next();
                }
            }
        }
        assert!(buf.is_empty() && want.is_none(), "{file}: leftover");
    }
    assert!(checked >= 800, "{checked}");
}

#[test]
fn compressed_payloads_inflate_to_the_recorded_size() {
    let mut seen = 0;
    for (file, msgs) in streams() {
        let bytes = read(&file);
        for m in msgs
            .iter()
            .filter(|m| m["payload_decompressed_size"].is_u64())
        {
            let at = m["offset"].as_u64().expect("offset") as usize;
            let (msg, _) = codec_for(m)
                .parse(&bytes[at..], &ParseOptions::default())
                .expect("parse")
                .expect("complete");
            assert!(!msg.has(Flags::COMPRESSED), "flag cleared after inflating");
            assert_eq!(msg.payload.len() as u64, m["payload_decompressed_size"]);
            seen += 1;
        }
    }
    assert!(seen >= 2, "{seen}");
}

/// Payload shapes through the dialect: handshakes, metadata as lists, exceptions.
#[test]
fn payloads_decode_through_the_dialect() {
    let (mut connects, mut metas, mut errors) = (0, 0, 0);
    for (file, msgs) in streams() {
        let bytes = read(&file);
        for m in &msgs {
            let at = m["offset"].as_u64().expect("offset") as usize;
            let Ok(Some((msg, _))) = codec_for(m).parse(&bytes[at..], &ParseOptions::default())
            else {
                continue;
            };
            let Some(ser) = msg.serializer(ProtocolVersion::V4) else {
                continue;
            };
            if msg.msg_type == MessageType::Invoke || msg.msg_type == MessageType::Ping {
                continue;
            }
            let Ok(value) = ser.decode(&msg.payload) else {
                continue; // a garbage payload, or pickled classes we don't rebuild
            };
            match msg.msg_type {
                MessageType::Connect => {
                    ConnectRequest::from_value(value).expect("connect payload");
                    connects += 1;
                }
                MessageType::ConnectOk if msg.has(Flags::META_ON_CONNECT) => {
                    let ok = ConnectResponse::from_value(value).expect("connectok");
                    assert!(ok.meta.is_some_and(|m| !m.is_empty()), "{file}");
                    metas += 1;
                }
                MessageType::Result if msg.has(Flags::EXCEPTION) => {
                    let err = RemoteException::from_value(&value).expect("exception");
                    if let Some(class) = m["exception_type"].as_str() {
                        assert_eq!(err.class, class, "{file}");
                    }
                    errors += 1;
                }
                _ => {}
            }
        }
    }
    assert!(
        connects >= 40 && metas >= 30 && errors >= 10,
        "{connects} {metas} {errors}"
    );
}

/// (client bytes, accepted types, daemon key, error Python's daemon reported or would report).
/// (client bytes, accepted types, daemon key, error).
type Refused = (
    &'static str,
    &'static [MessageType],
    Option<&'static [u8]>,
    ProtocolError,
);

fn refused_inputs() -> Vec<Refused> {
    const FIRST: &[MessageType] = &[MessageType::Connect];
    const LATER: &[MessageType] = &[MessageType::Invoke, MessageType::Ping];
    let key: Option<&[u8]> = Some(b"pyro-hmac-key");
    let wrong_type = |t| ProtocolError::InvalidMessageType {
        msg_type: t,
        expected: None,
    };
    vec![
        (
            "invalid_zeros24",
            FIRST,
            None,
            ProtocolError::V4InvalidHeader,
        ),
        (
            "invalid_http_get",
            FIRST,
            None,
            ProtocolError::V4InvalidHeader,
        ),
        (
            "invalid_pyro5_connect",
            FIRST,
            None,
            ProtocolError::V4InvalidHeader,
        ),
        (
            "invalid_bad_checksum",
            FIRST,
            None,
            ProtocolError::ChecksumMismatch,
        ),
        ("invalid_invoke_before_connect", FIRST, None, wrong_type(4)),
        ("invalid_ping_before_connect", FIRST, None, wrong_type(6)),
        (
            "invalid_connect_without_hmac_to_hmac_daemon",
            FIRST,
            key,
            ProtocolError::HmacNotSymmetric,
        ),
        (
            "hmac_client_without_key",
            FIRST,
            key,
            ProtocolError::HmacNotSymmetric,
        ),
        ("hmac_wrong_key", FIRST, key, ProtocolError::HmacMismatch),
        (
            "hmac_key_to_plain_daemon",
            FIRST,
            None,
            ProtocolError::HmacNotSymmetric,
        ),
        // Python closes without a reply for these two.
        (
            "session_hmac_unsigned_invoke.step2",
            LATER,
            key,
            ProtocolError::HmacNotSymmetric,
        ),
        ("session_second_connect.step2", LATER, None, wrong_type(1)),
    ]
}

#[test]
fn refused_client_bytes_fail_with_the_text_the_python_daemon_sent_back() {
    for (name, accepted, key, want) in refused_inputs() {
        let (c2s, s2c) = if name.contains(".step") {
            (format!("{name}-c2s.bin"), format!("{name}-s2c.bin"))
        } else {
            (format!("{name}.c2s.bin"), format!("{name}.s2c.bin"))
        };
        let daemon = key.map_or_else(V4::new, V4::with_hmac);
        let opts = ParseOptions::default().accept(accepted);
        let err = daemon.parse(&read(&c2s), &opts).expect_err(name);
        assert_eq!(err, want, "{name}");
        let reply = read(&s2c);
        if reply.is_empty() {
            continue;
        }
        // The reply is signed when the daemon has a key: read it with the daemon's codec.
        let (fail, _) = daemon
            .parse(&reply, &ParseOptions::default())
            .expect("reply")
            .expect("whole");
        assert_eq!(fail.msg_type, MessageType::ConnectFail, "{name}");
        let ser = fail.serializer(ProtocolVersion::V4).expect("marshal");
        let text = ser.decode(&fail.payload).expect("reason");
        assert_eq!(text.as_str(), Some(err.to_string().as_str()), "{name}");
    }
}

/// Six zero bytes: Python's daemon waits for 24 header bytes (the capture timed out); we
/// already know the tag is wrong and say so with the same text.
#[test]
fn short_garbage_is_refused_as_soon_as_the_tag_is_in() {
    let opts = ParseOptions::default();
    assert_eq!(
        V4::new().parse(&read("invalid_zeros6.c2s.bin")[..5], &opts),
        Ok(None)
    );
    assert_eq!(
        V4::new().parse(&read("invalid_zeros6.c2s.bin"), &opts),
        Err(ProtocolError::V4InvalidHeader)
    );
}

#[test]
fn unknown_serializers_and_ping_ids_are_the_callers_business() {
    for file in [
        "invalid_unknown_serializer.c2s.bin",
        "session_unknown_serializer_invoke.step2-c2s.bin",
        "session_ping_seq_serializer.step2-c2s.bin",
    ] {
        let (msg, _) = V4::new()
            .parse(&read(file), &ParseOptions::default())
            .expect(file)
            .expect(file);
        assert!(msg.serializer(ProtocolVersion::V4).is_none(), "{file}");
    }
    let (pong, _) = V4::new()
        .parse(
            &read("session_ping_seq_serializer.step2-s2c.bin"),
            &ParseOptions::default(),
        )
        .expect("pong")
        .expect("whole");
    assert_eq!(
        (pong.seq, pong.serializer_id, &pong.payload[..]),
        (1234, 42, &b"pong"[..])
    );
    assert_eq!(Serializer::from_id(42, ProtocolVersion::V4), None);
}

#[test]
fn bad_compression_is_refused_only_when_inflating() {
    let bytes = read("session_bad_compression.step2-c2s.bin");
    let (msg, used) = V4::new()
        .parse(&bytes, &raw())
        .expect("frame ok")
        .expect("whole");
    assert!(msg.has(Flags::COMPRESSED) && used == bytes.len());
    let err = V4::new()
        .parse(&bytes, &ParseOptions::default())
        .expect_err("bad zlib");
    assert!(matches!(err, ProtocolError::Decompress(_)), "{err}");
}

#[test]
fn a_string_value_round_trips_with_the_pyro4_serializer_ids() {
    for (ser, id) in [
        (Serializer::Serpent, 1),
        (Serializer::Json, 2),
        (Serializer::Marshal, 3),
        (Serializer::Msgpack, 6),
    ] {
        assert_eq!(ser.id(ProtocolVersion::V4), id);
        let payload = ser.encode(&Value::from("x")).expect("encode");
        let msg = Message::new(MessageType::Result, id.into(), 3, payload);
        let bytes = V4::new().encode(&msg).expect("encode");
        let (back, _) = V4::new()
            .parse(&bytes, &raw())
            .expect("parse")
            .expect("whole");
        assert_eq!(back.serializer(ProtocolVersion::V4), Some(ser));
    }
}
