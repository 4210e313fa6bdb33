//! Serializer benchmarks: the payloads of `interop/bench_serializers.py`, so
//! `scripts/bench-vs-python.sh` can put Rust and Python side by side (see BENCHMARKS.md).
//!
//! Run: `cargo bench -p pyroxene-wire --bench serializers`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pyroxene_wire::{Dict, Serializer, Value, dict, list};

/// A dict of 100 mixed items (ints, floats, strs, bools, lists, small dicts), as in the Python script.
fn mixed_dict() -> Value {
    let mut d = Dict::default();
    for i in 0..100i64 {
        let v = match i % 6 {
            0 => Value::Int(i * 1_000_003),
            1 => Value::Float(i as f64 * 0.5 + 0.25),
            2 => Value::from(format!("value number {i} with some text")),
            3 => Value::Bool(i % 2 == 0),
            4 => list![i, i + 1, i + 2],
            _ => dict! { "nested" => i, "name" => format!("n{i}") },
        };
        d.insert(Value::from(format!("key{i}")), v);
    }
    d.into()
}

fn payloads() -> Vec<(&'static str, Value)> {
    vec![
        (
            "bytes_1mb",
            Value::Bytes((0..=255u8).cycle().take(256 * 4096).collect()),
        ),
        (
            "floats_10k",
            Value::List((0..10_000).map(|i| Value::Float(i as f64 * 1.1)).collect()),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let call_args = Value::Tuple(vec![mixed_dict()]);
    let kwargs = Dict::default();
    let mut enc = c.benchmark_group("encode");
    for ser in Serializer::ALL {
        enc.bench_function(BenchmarkId::new(ser.name(), "call_dict100"), |b| {
            b.iter(|| {
                ser.encode_call(
                    "obj_1234567890",
                    "process",
                    black_box(&call_args),
                    Some(&kwargs),
                )
            })
        });
        for (name, value) in payloads() {
            if ser == Serializer::Json && name == "bytes_1mb" {
                continue; // Pyro's json can't carry bytes (nor can Python's)
            }
            let size = ser.encode(&value).map(|b| b.len()).unwrap_or(0);
            enc.throughput(Throughput::Bytes(size as u64));
            enc.bench_function(BenchmarkId::new(ser.name(), name), |b| {
                b.iter(|| ser.encode(black_box(&value)))
            });
        }
    }
    enc.finish();
    let mut dec = c.benchmark_group("decode");
    for ser in Serializer::ALL {
        let Ok(call) = ser.encode_call("obj_1234567890", "process", &call_args, Some(&kwargs))
        else {
            continue;
        };
        dec.bench_function(BenchmarkId::new(ser.name(), "call_dict100"), |b| {
            b.iter(|| ser.decode_call(black_box(&call)))
        });
        for (name, value) in payloads() {
            let Ok(bytes) = ser.encode(&value) else {
                continue;
            };
            dec.throughput(Throughput::Bytes(bytes.len() as u64));
            dec.bench_function(BenchmarkId::new(ser.name(), name), |b| {
                b.iter(|| ser.decode(black_box(&bytes)))
            });
        }
    }
    dec.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
        .sample_size(30);
    targets = bench
}
criterion_main!(benches);
