//! Serializer benchmarks (filled in with the serializers).
fn main() {}
