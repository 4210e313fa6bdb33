//! The v5 codec against every message of the Pyro5 sessions recorded between the real Python
//! libraries (`testdata/vectors/pyro5`): each TCP stream is split into messages whose
//! header fields, annotations and payloads must match `index.json`, re-encoding must give the
//! recorded bytes back, payloads must decode to what Python decoded (exceptions, handshakes,
//! URIs, proxies, batch results through the dialect), and the hand-made invalid client bytes
//! must fail with the very text the Python daemon answered in its CONNECTFAIL.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pyroxene_wire::dialect::{
    ConnectRequest, ConnectResponse, ProxyState, RemoteException, batch_results, class_of,
};
use pyroxene_wire::protocol::{
    CorrelationId, Flags, Message, MessageType, ParseOptions, ProtocolError, V5,
};
use pyroxene_wire::serializer::serpent;
use pyroxene_wire::{ProtocolVersion, Serializer, Uri, Value};
use serde_json::Value as Json;

fn dir() -> PathBuf {
    pyroxene_testkit::vectors_dir().join("pyro5")
}

/// Every recorded message with a parsable header, grouped by stream file, in offset order.
fn streams() -> BTreeMap<String, Vec<Json>> {
    let index: Json =
        serde_json::from_str(&std::fs::read_to_string(dir().join("index.json")).expect("index"))
            .expect("index.json");
    let mut by_file: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    for m in index["messages"].as_array().expect("messages") {
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

/// Files whose (only) message a daemon refuses; checked in `invalid_client_bytes_*`.
const REFUSED: &[&str] = &["invalid_bad_magic.c2s.bin"];

fn raw() -> ParseOptions {
    ParseOptions::default().decompress(false)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_header(m: &Json, msg: &Message) {
    let here = format!("{} @{}", m["file"], m["offset"]);
    assert_eq!(u64::from(msg.msg_type.number()), m["msg_type"], "{here}");
    assert_eq!(msg.msg_type.name(), m["type"], "{here}");
    assert_eq!(u64::from(msg.serializer_id), m["serializer_id"], "{here}");
    assert_eq!(u64::from(msg.seq), m["seq"], "{here}");
    assert_eq!(msg.payload.len() as u64, m["data_size"], "{here}");
    assert_eq!(
        msg.annotations.wire_size(8),
        m["annotations_size"],
        "{here}"
    );
    assert_eq!(
        40 + msg.annotations.wire_size(8),
        m["payload_offset"],
        "{here}"
    );
    let mut names: Vec<&str> = msg
        .flags
        .iter()
        .map(|f| match f {
            Flags::EXCEPTION => "EXCEPTION",
            Flags::COMPRESSED => "COMPRESSED",
            Flags::ONEWAY => "ONEWAY",
            Flags::BATCH => "BATCH",
            Flags::ITEMSTREAMRESULT => "ITEMSTREAMRESULT",
            Flags::KEEPSERIALIZED => "KEEPSERIALIZED",
            _ => "?",
        })
        .collect();
    if msg.correlation_id.is_some() {
        names.push("CORR_ID");
    }
    let want: Vec<&str> = m["flag_names"]
        .as_array()
        .expect("flag_names")
        .iter()
        .filter_map(Json::as_str)
        .collect();
    assert_eq!(names, want, "{here}");
    let corr = msg.correlation_id.unwrap_or_default();
    assert_eq!(corr.to_string(), m["correlation_id"], "{here}");
    let want_corr: CorrelationId = m["correlation_id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    assert_eq!(corr, want_corr);
    let chunks: Vec<(String, u64, String)> = msg
        .annotations
        .iter()
        .map(|(id, v)| (id.to_string(), v.len() as u64, hex(v)))
        .collect();
    let want: Vec<(String, u64, String)> = m["annotations"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    let key = c["key"].as_str().expect("key").to_owned();
                    let len = c["length"].as_u64().expect("length");
                    (key, len, c["value_hex"].as_str().expect("hex").to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(chunks, want, "{here}");
}

#[test]
fn every_recorded_stream_splits_into_its_messages_and_reencodes_byte_for_byte() {
    let (mut files, mut messages) = (0, 0);
    for (file, msgs) in streams() {
        if REFUSED.contains(&file.as_str()) {
            continue;
        }
        let bytes = read(&file);
        let mut pos = 0;
        for m in &msgs {
            assert_eq!(
                m["offset"].as_u64(),
                Some(pos as u64),
                "{file}: gap in stream"
            );
            let (msg, used) = V5
                .parse(&bytes[pos..], &raw())
                .unwrap_or_else(|e| panic!("{file} @{pos}: {e}"))
                .unwrap_or_else(|| panic!("{file} @{pos}: incomplete"));
            assert_eq!(Some(used as u64), m["length"].as_u64(), "{file} @{pos}");
            check_header(m, &msg);
            let again = V5.encode(&msg).expect("encode");
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
        files >= 130 && messages >= 700,
        "{files} files, {messages} messages"
    );
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
        let mut lengths = msgs
            .iter()
            .map(|m| m["length"].as_u64().expect("len") as usize);
        let mut want = lengths.next();
        for &b in &bytes {
            buf.push(b);
            match V5
                .parse(&buf, &ParseOptions::default())
                .expect("valid stream")
            {
                None => assert!(Some(buf.len()) < want, "{file}: nothing at full length"),
                Some((_, used)) => {
                    assert_eq!(Some(used), want, "{file}");
                    assert_eq!(used, buf.len(), "{file}: parsed before the last byte");
                    buf.clear();
                    want = lengths.next();
                    checked += 1;
                }
            }
        }
        assert!(buf.is_empty() && want.is_none(), "{file}: leftover");
    }
    assert!(checked >= 700);
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
            let (msg, _) = V5
                .parse(&bytes[at..], &ParseOptions::default())
                .expect("parse")
                .expect("complete");
            assert!(!msg.has(Flags::COMPRESSED), "flag cleared after inflating");
            assert_eq!(msg.payload.len() as u64, m["payload_decompressed_size"]);
            let text = String::from_utf8(msg.payload.to_vec()).expect("serpent text");
            let shown = m["payload_text"].as_str().expect("text");
            assert!(text.starts_with(shown.split("...<").next().unwrap_or(shown)));
            seen += 1;
        }
    }
    assert_eq!(seen, 3);
}

/// Our decoding of a payload, checked against Python's through the dialect where the payload
/// is one of Pyro's shapes. Returns whether something was compared.
fn check_payload(m: &Json, msg: &Message) -> bool {
    let here = format!("{} @{}", m["file"], m["offset"]);
    let Some(ser) = msg.serializer(ProtocolVersion::V5) else {
        assert!(
            m["decode_error"].is_string() || msg.msg_type == MessageType::Ping,
            "{here}"
        );
        return false;
    };
    if msg.msg_type == MessageType::Invoke {
        let call = ser.decode_call(&msg.payload);
        if let Some(error) = m["decode_error"].as_str() {
            assert!(
                call.is_err() || error.contains("map key"),
                "{here}: {error}"
            );
            return call.is_err();
        }
        let call = call.unwrap_or_else(|e| panic!("{here}: {e}"));
        assert_eq!(
            Value::from(call.object.as_str()).to_string(),
            m["call"]["object"]
        );
        assert_eq!(
            Value::from(call.method.as_str()).to_string(),
            m["call"]["method"]
        );
        return true;
    }
    let value = ser
        .decode(&msg.payload)
        .unwrap_or_else(|e| panic!("{here}: {e}"));
    if let Some(class) = m["exception_type"].as_str() {
        let err = RemoteException::from_value(&value).unwrap_or_else(|e| panic!("{here}: {e}"));
        assert_eq!(err.class, class, "{here}");
        assert_eq!(
            Value::Tuple(err.args.clone()).to_string(),
            m["exception_args"],
            "{here}"
        );
        // Python's hasattr: item-stream replies carry `_pyroTraceback: None`.
        let tb = value
            .get("attributes")
            .and_then(|a| a.get("_pyroTraceback"));
        assert_eq!(
            Some(tb.is_some()),
            m["exception_has_pyroTraceback"].as_bool(),
            "{here}"
        );
        assert_eq!(
            err.traceback.is_some(),
            tb.is_some_and(|t| !t.is_none()),
            "{here}"
        );
        assert!(msg.has(Flags::EXCEPTION));
        assert_eq!(
            RemoteException::from_value(&err.to_value(ProtocolVersion::V5)).as_ref(),
            Ok(&err)
        );
        return true;
    }
    match msg.msg_type {
        MessageType::Connect => {
            let req = ConnectRequest::from_value(value.clone()).expect("connect payload");
            if let Ok(object) = req.require_object() {
                assert!(m["payload_repr"].as_str().expect("repr").contains(object));
            }
        }
        MessageType::ConnectOk => {
            let ok = ConnectResponse::from_value(value.clone()).expect("connectok payload");
            let meta = ok.meta.expect("metadata on connect");
            assert!(!meta.is_empty(), "{here}");
            assert!(
                meta.oneway.iter().all(|o| meta.methods.contains(o)),
                "{here}"
            );
        }
        MessageType::ConnectFail => assert!(value.as_str().is_some(), "{here}: reason is a str"),
        _ => {}
    }
    if msg.has(Flags::BATCH) {
        let results = batch_results(value.clone()).expect("batch results");
        let repr = m["payload_repr"].as_str().unwrap_or_default();
        assert_eq!(
            repr.contains("_ExceptionWrapper"),
            results.iter().any(Result::is_err)
        );
    }
    match class_of(&value) {
        Some("Pyro5.core.URI") => {
            let uri = Uri::from_value(&value).expect("uri");
            let repr = m["payload_repr"].as_str().unwrap_or_default();
            assert!(repr.contains(&format!("; {uri}>")), "{here}: {repr}");
            assert_eq!(
                ser.normalize(&uri.to_value(ProtocolVersion::V5)),
                value,
                "{here}"
            );
        }
        Some("Pyro5.client.Proxy") => {
            let proxy = ProxyState::from_value(&value).expect("proxy");
            let repr = m["payload_repr"].as_str().unwrap_or_default();
            assert!(
                repr.contains(&format!("for {}>", proxy.uri)),
                "{here}: {repr}"
            );
            assert_eq!(
                ser.normalize(&proxy.to_value(ProtocolVersion::V5)),
                value,
                "{here}"
            );
        }
        _ => {}
    }
    let Some(repr) = m["payload_repr"].as_str() else {
        return false;
    };
    // Where Python's repr is itself a literal (no objects, no nan, not clipped), the values
    // must be equal (sets compare as sets, whatever order each side prints).
    match serpent::from_slice(repr.as_bytes()) {
        Ok(python) if !repr.contains("more chars>") => {
            assert_eq!(value, python, "{here}");
            true
        }
        _ => false,
    }
}

#[test]
fn payloads_decode_to_what_python_decoded() {
    let mut compared = 0;
    for (file, msgs) in streams() {
        if REFUSED.contains(&file.as_str()) {
            continue;
        }
        let bytes = read(&file);
        for m in &msgs {
            let at = m["offset"].as_u64().expect("offset") as usize;
            let Ok(Some((msg, _))) = V5.parse(&bytes[at..], &ParseOptions::default()) else {
                continue; // the bad-compression session; checked below
            };
            compared += usize::from(check_payload(m, &msg));
        }
    }
    assert!(compared >= 400, "only {compared} payloads compared");
}

/// (client bytes, accepted types, error Python's daemon reported).
fn refused_inputs() -> Vec<(&'static str, &'static [MessageType], ProtocolError)> {
    const FIRST: &[MessageType] = &[MessageType::Connect];
    const LATER: &[MessageType] = &[MessageType::Invoke, MessageType::Ping];
    let too_large = ProtocolError::TooLarge {
        size: 2_147_483_648,
        max: 1_073_741_824,
    };
    vec![
        ("invalid_zeros", FIRST, ProtocolError::InvalidData),
        ("invalid_http_get", FIRST, ProtocolError::InvalidData),
        (
            "invalid_pyro4_connect",
            FIRST,
            ProtocolError::InvalidVersion(48),
        ),
        ("invalid_bad_magic", FIRST, ProtocolError::InvalidHeader),
        (
            "invalid_invoke_before_connect",
            FIRST,
            pyroxene_wire::protocol::MessageTypes::of(FIRST)
                .check(4)
                .expect_err("refused"),
        ),
        ("session_too_large_connect.step1", FIRST, too_large.clone()),
        ("session_too_large_invoke.step2", LATER, too_large),
    ]
}

#[test]
fn invalid_client_bytes_fail_with_the_text_the_python_daemon_sent_back() {
    for (name, accepted, want) in refused_inputs() {
        let (c2s, s2c) = if name.contains(".step") {
            (format!("{name}-c2s.bin"), format!("{name}-s2c.bin"))
        } else {
            (format!("{name}.c2s.bin"), format!("{name}.s2c.bin"))
        };
        let opts = ParseOptions::default().accept(accepted);
        let err = V5.parse(&read(&c2s), &opts).expect_err(name);
        assert_eq!(err, want, "{name}");
        let reply = read(&s2c);
        if reply.is_empty() {
            continue; // after the handshake Python just closes
        }
        let (fail, _) = V5
            .parse(&reply, &ParseOptions::default())
            .expect("reply")
            .expect("whole");
        assert_eq!(fail.msg_type, MessageType::ConnectFail, "{name}");
        let ser = fail.serializer(ProtocolVersion::V5).expect("marshal");
        let text = ser.decode(&fail.payload).expect("reason");
        assert_eq!(text.as_str(), Some(err.to_string().as_str()), "{name}");
    }
}

#[test]
fn session_bad_compression_is_refused_only_when_inflating() {
    let bytes = read("session_bad_compression.step2-c2s.bin");
    let (msg, used) = V5.parse(&bytes, &raw()).expect("frame ok").expect("whole");
    assert!(msg.has(Flags::COMPRESSED) && used == bytes.len());
    let err = V5
        .parse(&bytes, &ParseOptions::default())
        .expect_err("bad zlib");
    assert!(matches!(err, ProtocolError::Decompress(_)), "{err}");
}

#[test]
fn unknown_serializers_and_ping_ids_are_the_callers_business() {
    for file in [
        "invalid_unknown_serializer.c2s.bin",
        "session_unknown_serializer_invoke.step2-c2s.bin",
        "session_ping_seq_serializer.step2-c2s.bin",
    ] {
        let (msg, _) = V5
            .parse(&read(file), &ParseOptions::default())
            .expect(file)
            .expect(file);
        assert!(msg.serializer(ProtocolVersion::V5).is_none(), "{file}");
    }
    let ping = read("session_ping_seq_serializer.step2-s2c.bin");
    let (pong, _) = V5
        .parse(&ping, &ParseOptions::default())
        .expect("pong")
        .expect("whole");
    assert_eq!(
        (pong.seq, pong.serializer_id, &pong.payload[..]),
        (1234, 42, &b"pong"[..])
    );
    assert_eq!(Serializer::from_id(42, ProtocolVersion::V5), None);
}
