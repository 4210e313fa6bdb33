//! Fuzzes the gateway's request parsers (pyroxene-gateway `params`, `frame`, `correlation`):
//! query strings, form and JSON bodies, URL paths, WebSocket frames and correlation ids give
//! call arguments or a refusal, never a panic, a hang or an unbounded allocation; and what
//! they accept stays within the parameter limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyroxene_gateway::correlation::parse_python_uuid;
use pyroxene_gateway::frame::read_frame;
use pyroxene_gateway::params::{BodyKind, decode_path, parse};

const MAX_PARAMS: usize = 20;

fuzz_target!(|data: &[u8]| {
    // First byte: the body kind; then the query (up to a 0xff byte, as text), then the body.
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let kind = match selector % 3 {
        0 => BodyKind::Ignored,
        1 => BodyKind::Form,
        _ => BodyKind::Json,
    };
    let split = rest.iter().position(|&b| b == 0xff).unwrap_or(rest.len());
    let (query, body) = (&rest[..split], rest.get(split + 1..).unwrap_or_default());
    let query = std::str::from_utf8(query).ok();
    if let Ok(params) = parse(query, kind, body, MAX_PARAMS) {
        assert!(params.args.len() + params.kwargs.len() <= MAX_PARAMS);
    }
    if let Ok(frame) = read_frame(rest, MAX_PARAMS) {
        assert!(!frame.object.is_empty() && !frame.method.is_empty());
        assert!(frame.params.args.len() + frame.params.kwargs.len() <= MAX_PARAMS);
    }
    if let Ok(text) = std::str::from_utf8(rest) {
        let _ = decode_path(text);
        let _ = parse_python_uuid(text);
    }
});
