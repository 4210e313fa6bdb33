//! The typed interface of the interface tests, `Library`, and `Shelf`, its Rust
//! implementation. The Python side: `interop/library_daemon.py` (the same interface in Python,
//! Pyro5 or Pyro4) and `interop/library_client.py` (a Python client of either).

#![allow(dead_code)] // each test file uses a part

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use pyroxene::wire::protocol::Flags;
use pyroxene::{Daemon, ItemStream, RemoteException};
use serde::{Deserialize, Serialize};

/// A book, a dict `{'id': 1, 'title': 'Dune'}` in Python.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Book {
    /// Its number.
    pub id: u32,
    /// Its title.
    pub title: String,
}

/// A small library: every kind of remote member a typed interface declares.
#[pyroxene::interface]
pub trait Library {
    /// One book by id; `KeyError` when there is none.
    async fn get(&self, id: u32) -> Result<Book, RemoteException>;

    /// Counts a ping that came as a oneway call (the caller doesn't wait).
    #[oneway]
    async fn ping(&self);

    /// The pings so far that came as oneway calls (the ONEWAY flag set).
    #[pyro(name = "onewayPings")]
    fn oneway_pings(&self) -> u32;

    /// Books whose title starts with `prefix` (Python's default: all), at most `maxCount`;
    /// a `RuntimeError` for a `maxCount` of 0.
    #[pyro(name = "listBooks")]
    fn list_books(
        &self,
        #[pyro(kw)] prefix: Option<String>,
        #[pyro(kw, name = "maxCount")] limit: Option<u32>,
    ) -> Result<Vec<Book>, String>;

    /// Streams 0..n.
    fn numbers(&self, n: u32) -> ItemStream<u32>;

    /// A text file's contents (an `OSError` subclass when it can't be read).
    fn read(&self, path: String) -> std::io::Result<String>;

    /// Fails with the OS error `errno`.
    fn fail_os(&self, errno: i32) -> std::io::Result<()>;

    /// The library's name.
    #[getter]
    fn title(&self) -> String;

    /// Renames the library.
    #[setter(title)]
    fn set_title(&self, title: String);
}

/// The books every implementation holds.
pub fn books() -> Vec<Book> {
    vec![
        Book {
            id: 1,
            title: "Dune".into(),
        },
        Book {
            id: 2,
            title: "Emma".into(),
        },
        Book {
            id: 3,
            title: "Evelina".into(),
        },
    ]
}

/// The Rust implementation.
pub struct Shelf {
    books: Vec<Book>,
    pings: AtomicU32,
    title: Mutex<String>,
}

impl Default for Shelf {
    fn default() -> Shelf {
        Shelf {
            books: books(),
            pings: AtomicU32::new(0),
            title: Mutex::new("town library".into()),
        }
    }
}

#[pyroxene::expose]
impl Library for Shelf {
    async fn get(&self, id: u32) -> Result<Book, RemoteException> {
        self.books
            .iter()
            .find(|b| b.id == id)
            .cloned()
            .ok_or_else(|| RemoteException::builtin("KeyError", format!("no book {id}")))
    }

    async fn ping(&self) {
        let oneway = pyroxene::current_context().is_some_and(|c| c.flags.contains(Flags::ONEWAY));
        if oneway {
            self.pings.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[nonblocking]
    fn oneway_pings(&self) -> u32 {
        self.pings.load(Ordering::SeqCst)
    }

    fn list_books(&self, prefix: Option<String>, limit: Option<u32>) -> Result<Vec<Book>, String> {
        if limit == Some(0) {
            return Err("limit must be positive".to_owned());
        }
        let prefix = prefix.unwrap_or_default();
        let limit = limit.map_or(usize::MAX, |l| l as usize);
        Ok(self
            .books
            .iter()
            .filter(|b| b.title.starts_with(&prefix))
            .take(limit)
            .cloned()
            .collect())
    }

    fn numbers(&self, n: u32) -> ItemStream<u32> {
        ItemStream::from_iter(0..n)
    }

    fn read(&self, path: String) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn fail_os(&self, errno: i32) -> std::io::Result<()> {
        Err(std::io::Error::from_raw_os_error(errno))
    }

    fn title(&self) -> String {
        self.title.lock().map(|t| t.clone()).unwrap_or_default()
    }

    fn set_title(&self, title: String) {
        if let Ok(mut t) = self.title.lock() {
            *t = title;
        }
    }
}

/// A daemon on 127.0.0.1 serving a `Shelf` as `library`, and the object's URI.
pub async fn serve_shelf() -> (Daemon, String) {
    let daemon = Daemon::builder()
        .host("127.0.0.1")
        .port(0)
        .bind()
        .await
        .expect("bind");
    let uri = daemon
        .register_with_id(Arc::new(Shelf::default()), "library")
        .expect("register");
    tokio::spawn({
        let daemon = daemon.clone();
        async move { daemon.serve().await }
    });
    (daemon, uri.to_string())
}

/// Every call of the interface through the typed async client, checked against what any
/// implementation (ours, Python's) answers. `what` names the server in failures.
pub async fn check_library(lib: &LibraryProxy, what: &str) {
    assert_eq!(lib.get(1).await.expect("get"), books()[0], "{what}");
    let missing = lib.get(9).await.expect_err("get(9)");
    let remote = missing.remote().expect("a remote exception");
    assert!(remote.is_builtin("KeyError"), "{what}: {remote:?}");
    assert_eq!(
        remote.args,
        vec![pyroxene::Value::from("no book 9")],
        "{what}"
    );

    // Keyword arguments: left out when None, so the Python defaults apply.
    let all = lib.list_books(None, None).await.expect("listBooks()");
    assert_eq!(all, books(), "{what}");
    let e_books = lib
        .list_books(Some("E".into()), None)
        .await
        .expect("prefix");
    assert_eq!(e_books, books()[1..].to_vec(), "{what}");
    let first = lib.list_books(None, Some(1)).await.expect("maxCount");
    assert_eq!(first, books()[..1].to_vec(), "{what}");
    let refused = lib.list_books(None, Some(0)).await.expect_err("maxCount=0");
    let remote = refused.remote().expect("a remote exception");
    assert!(remote.is_builtin("RuntimeError"), "{what}: {remote:?}");
    assert_eq!(remote.message(), "limit must be positive", "{what}");

    let numbers = lib.numbers(4).await.expect("numbers");
    assert_eq!(
        numbers.collect_all().await.expect("items"),
        [0, 1, 2, 3],
        "{what}"
    );

    // An OS error: the class and Python's (errno, strerror) arguments.
    let unread = lib.read("/no/such/file".into()).await.expect_err("read");
    let remote = unread.remote().expect("a remote exception");
    assert!(remote.is_builtin("FileNotFoundError"), "{what}: {remote:?}");
    assert_eq!(
        remote.args,
        vec![
            pyroxene::Value::from(2),
            pyroxene::Value::from("No such file or directory")
        ],
        "{what}"
    );

    assert_eq!(lib.title().await.expect("title"), "town library", "{what}");
    lib.set_title("city library".into())
        .await
        .expect("set title");
    assert_eq!(lib.title().await.expect("title"), "city library", "{what}");

    // Oneway: sent with the ONEWAY flag (whatever the daemon's metadata says: the trait
    // declares it); the count of pings that came flagged shows it (the daemon may run it
    // after our next call, so wait for it, within a bound).
    let before = lib.oneway_pings().await.expect("onewayPings");
    lib.ping().await.expect("ping");
    let deadline = Instant::now() + Duration::from_secs(10);
    while lib.oneway_pings().await.expect("onewayPings") == before {
        assert!(
            Instant::now() < deadline,
            "{what}: the oneway ping never ran"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
