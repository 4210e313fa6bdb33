//! Runs the serializer work of one `echo('hello')` round trip N times, one operation per
//! `#[inline(never)]` function, so that callgrind can count instructions per operation:
//!
//! ```text
//! cargo build --release -p pyroxene-wire --example call_cost
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \
//!     target/release/examples/call_cost [serpent|json|marshal|msgpack|pickle] [N]
//! callgrind_annotate --inclusive=yes /tmp/cg.out | grep call_cost::
//! ```
//!
//! Each `call_cost::op_*` function's inclusive count divided by N is the cost of one call.

use std::hint::black_box;

use bytes::Bytes;
use pyroxene_wire::{Call, Dict, Result, Serializer, Value, tuple};

/// The client encodes the call.
#[inline(never)]
fn op_encode_call(ser: Serializer, vargs: &Value, kwargs: &Dict) -> Result<Vec<u8>> {
    ser.encode_call(
        black_box("test.echoserver"),
        black_box("echo"),
        vargs,
        Some(kwargs),
    )
}

/// The daemon decodes it.
#[inline(never)]
fn op_decode_call(ser: Serializer, payload: &Bytes) -> Result<Call> {
    ser.decode_call_shared(payload)
}

/// The daemon encodes the result.
#[inline(never)]
fn op_encode_result(ser: Serializer, result: &Value) -> Result<Vec<u8>> {
    ser.encode(result)
}

/// The client decodes it.
#[inline(never)]
fn op_decode_result(ser: Serializer, payload: &Bytes) -> Result<Value> {
    ser.decode_shared(payload)
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let ser = args
        .next()
        .map_or(Some(Serializer::Serpent), |name| {
            Serializer::from_name_in(&name, pyroxene_wire::ProtocolVersion::V4)
        })
        .unwrap_or(Serializer::Serpent);
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let mut total = 0usize;
    for _ in 0..n {
        let payload = Bytes::from(op_encode_call(ser, &tuple!["hello"], &Dict::default())?);
        let call = op_decode_call(ser, black_box(&payload))?;
        let result = call.args.into_iter().next().unwrap_or_default();
        let reply = Bytes::from(op_encode_result(ser, black_box(&result))?);
        let value = op_decode_result(ser, black_box(&reply))?;
        total += usize::from(value == result);
    }
    println!("{} {n} calls, {total} echoed", ser.name());
    Ok(())
}
