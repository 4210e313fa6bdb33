//! Typed interfaces in process: the `Library` interface (support/library.rs) served by a Rust
//! daemon through `#[expose] impl Library for Shelf`, called by its typed clients (async and
//! blocking), checked against what Python clients see too (metadata, binding errors).

#[path = "support/library.rs"]
mod library;

use library::{Book, LibraryBlockingProxy, LibraryProxy, books, check_library, serve_shelf};
use pyroxene::{Proxy, Value, tuple};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typed_client_calls_every_member_of_the_exposed_impl() {
    let (daemon, uri) = serve_shelf().await;
    let lib = LibraryProxy::new(&uri).expect("uri");
    check_library(&lib, "Rust daemon").await;
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metadata_is_the_traits_python_names_and_markers() {
    let (daemon, uri) = serve_shelf().await;
    let meta = Proxy::new(&uri)
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let mut methods: Vec<&str> = meta.methods.iter().map(String::as_str).collect();
    methods.sort_unstable();
    assert_eq!(
        methods,
        [
            "fail_os",
            "get",
            "listBooks",
            "numbers",
            "onewayPings",
            "ping",
            "read"
        ]
    );
    assert!(meta.oneway.iter().eq(["ping"]), "{meta:?}");
    assert!(meta.attrs.iter().eq(["title"]), "{meta:?}");
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untyped_calls_get_pythons_binding_errors_with_the_impls_class_name() {
    let (daemon, uri) = serve_shelf().await;
    let proxy = Proxy::new(&uri).expect("uri");
    let cases = [
        (
            "get",
            tuple![],
            "Shelf.get() missing 1 required positional argument: 'id'",
        ),
        (
            "get",
            tuple![1, 2],
            "Shelf.get() takes 2 positional arguments but 3 were given",
        ),
        (
            "listBooks",
            tuple![1, 2, 3],
            "Shelf.listBooks() takes from 1 to 3 positional arguments but 4 were given",
        ),
        (
            "get",
            tuple!["one"],
            "Shelf.get() argument 'id': invalid type: Python str, expected u32",
        ),
    ];
    for (method, args, text) in cases {
        let err = proxy.call(method, args, None).await.expect_err(method);
        let remote = err.remote().expect("remote");
        assert_eq!(
            (
                remote.class.class_name(pyroxene::ProtocolVersion::V5),
                remote.message()
            ),
            ("builtins.TypeError", text.to_owned())
        );
    }
    let kwargs = pyroxene::Dict::from_iter([(Value::from("max_count"), Value::from(1))]);
    let err = proxy
        .call("listBooks", tuple![], Some(kwargs))
        .await
        .expect_err("kw");
    assert_eq!(
        err.remote().expect("remote").message(),
        "Shelf.listBooks() got an unexpected keyword argument 'max_count'"
    );
    // The Rust name is not the remote name.
    let err = proxy
        .call("list_books", tuple![], None)
        .await
        .expect_err("rust name");
    assert_eq!(
        err.remote().expect("remote").message(),
        "'Shelf' object has no attribute 'list_books'"
    );
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_client_calls_the_same_object() {
    let (daemon, uri) = serve_shelf().await;
    let checked = tokio::task::spawn_blocking(move || {
        let lib = LibraryBlockingProxy::new(&uri).expect("uri");
        assert_eq!(lib.get(2).expect("get"), books()[1]);
        let err = lib.get(7).expect_err("get(7)");
        assert!(err.remote().expect("remote").is_builtin("KeyError"));
        assert_eq!(
            lib.list_books(Some("Ev".into()), None).expect("listBooks"),
            books()[2..]
        );
        let refused = lib.list_books(None, Some(0)).expect_err("maxCount=0");
        assert!(refused.remote().expect("remote").is_builtin("RuntimeError"));
        let items: Vec<u32> = lib
            .numbers(3)
            .expect("numbers")
            .map(|i| i.expect("item"))
            .collect();
        assert_eq!(items, [0, 1, 2]);
        lib.set_title("blocking".into()).expect("set title");
        assert_eq!(lib.title().expect("title"), "blocking");
        lib.ping().expect("ping");
        let err = lib.fail_os(13).expect_err("EACCES");
        let remote = err.remote().expect("remote");
        assert_eq!(remote.class, "builtins.PermissionError");
        assert_eq!(
            remote.args,
            vec![Value::from(13), Value::from("Permission denied")]
        );
        format!("{lib:?}")
    })
    .await
    .expect("blocking client");
    assert!(
        checked.starts_with("LibraryBlockingProxy { uri: \"PYRO:library@127.0.0.1:"),
        "{checked}"
    );
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typed_client_wraps_a_configured_proxy() {
    let (daemon, uri) = serve_shelf().await;
    let proxy = Proxy::new(&uri)
        .expect("uri")
        .with_serializer(pyroxene::Serializer::Json);
    let lib = LibraryProxy::from_proxy(proxy);
    let book: Book = lib.get(3).await.expect("get");
    assert_eq!(book.title, "Evelina");
    assert_eq!(lib.proxy().uri().object(), "library");
    let untyped = lib.into_proxy();
    assert_eq!(
        untyped.call_as::<Book>("get", (3,)).await.expect("get"),
        book
    );
    daemon.shutdown();
}

/// An interface in one module, implemented in another through its path, with a provided
/// method, a supertrait, and a generic implementing type.
mod api {
    /// A catalogue.
    #[pyroxene::interface]
    pub trait Catalog: Send + Sync {
        /// The entries.
        async fn entries(&self) -> Vec<String>;

        /// How many entries (provided: the implementations share it).
        async fn size(&self) -> usize {
            self.entries().await.len()
        }
    }
}

mod server {
    /// A catalogue of whatever items it holds.
    pub struct Items<T>(pub Vec<T>);

    #[pyroxene::expose]
    impl<T: ToString + Send + Sync + 'static> super::api::Catalog for Items<T> {
        async fn entries(&self) -> Vec<String> {
            self.0.iter().map(ToString::to_string).collect()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interface_from_another_module_with_a_provided_method() {
    let (daemon, _) = serve_shelf().await;
    let items = std::sync::Arc::new(server::Items(vec![3, 1, 2]));
    let uri = daemon.register_with_id(items, "catalog").expect("register");
    let catalog = api::CatalogProxy::new(uri.to_string()).expect("uri");
    assert_eq!(catalog.entries().await.expect("entries"), ["3", "1", "2"]);
    assert_eq!(catalog.size().await.expect("size"), 3);
    let meta = catalog.proxy().metadata().expect("connected");
    assert!(meta.methods.iter().eq(["entries", "size"]), "{meta:?}");
    daemon.shutdown();
}
