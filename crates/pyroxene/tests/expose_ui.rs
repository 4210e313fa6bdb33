//! Compile errors of `#[pyroxene::expose]`, `#[pyroxene::interface]` (its traits, their impls,
//! their typed clients) and `call_as`: each case in `ui/` with the exact diagnostics it
//! must give (`TRYBUILD=overwrite` rewrites the `.stderr` files after a deliberate change).

#[test]
fn compile_errors() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
