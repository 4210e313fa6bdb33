//! Unit-test access to the serializer vectors captured from Python (see `tests/vectors.rs` for
//! the full byte-exact suite).

use serde_json::Value as Json;

/// (label, index result object, bytes) for every Pyro4/Pyro5 vector of serializer `ser` that
/// has bytes, values and calls alike.
pub(crate) fn vectors(ser: &str) -> Vec<(String, Json, Vec<u8>)> {
    let dir = pyroxene_testkit::vectors_dir().join("serializers");
    let index: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).expect("index"))
            .expect("index.json");
    let mut out = Vec::new();
    for section in ["values", "calls"] {
        for entry in index[section].as_array().expect("entries") {
            for lib in ["pyro4", "pyro5"] {
                let result = &entry["results"][format!("{lib}-{ser}")];
                let Some(file) = result["file"].as_str() else {
                    continue;
                };
                let all = std::fs::read(dir.join(file)).expect("vector file");
                let off = result["offset"].as_u64().expect("offset") as usize;
                let len = result["length"].as_u64().expect("length") as usize;
                let label = format!("{lib} {}", entry["name"].as_str().unwrap_or("?"));
                out.push((label, result.clone(), all[off..off + len].to_vec()));
            }
        }
    }
    out
}

pub(crate) use crate::oracles::mutate;
