//! Nothing to build. With the `etcd` feature, protoc-bin-vendored is a build-dependency only so
//! that cargo fetches the protoc that `scripts/protoc` (PROTOC in `.cargo/config.toml`) hands to
//! etcd-client's build script; naming its path here keeps the dependency used.

fn main() {
    #[cfg(feature = "etcd")]
    if let Ok(path) = protoc_bin_vendored::protoc_bin_path() {
        println!("cargo:rustc-env=PYROXENE_NS_PROTOC={}", path.display());
    }
}
