//! The README's example: a typed interface, its server and its typed client, in one program.
//!
//! `cargo run -p pyroxene --example library` serves `PYRO:example.library@127.0.0.1:9999`, calls
//! it through the typed client, then serves Python clients until Ctrl-C (the README shows the
//! Python side).

use pyroxene::{Daemon, ItemStream, RemoteException};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Serialize, Deserialize)]
struct Book {
    id: u32,
    title: String,
} // a dict {'id': 7, 'title': 'Dune'} in Python

/// A library of books.
#[pyroxene::interface]
trait Library {
    /// One book; a `KeyError` in Python when there is none.
    async fn get(&self, id: u32) -> Result<Book, RemoteException>;
    /// Python: `library.listBooks(prefix="D")`; the typed client leaves out a `None` prefix.
    #[pyro(name = "listBooks")]
    fn list_books(&self, #[pyro(kw)] prefix: Option<String>) -> Result<Vec<String>, String>;
    /// The ids, streamed one by one (Python: `for id in library.ids()`).
    fn ids(&self) -> ItemStream<u32>;
    /// Counts a visit; the caller doesn't wait for it.
    #[oneway]
    async fn visit(&self);
}

struct Shelf {
    books: Vec<Book>,
}

#[pyroxene::expose]
impl Library for Shelf {
    async fn get(&self, id: u32) -> Result<Book, RemoteException> {
        let book = self.books.iter().find(|b| b.id == id);
        let book =
            book.ok_or_else(|| RemoteException::builtin("KeyError", format!("no book {id}")))?;
        Ok(Book {
            id,
            title: book.title.clone(),
        })
    }
    fn list_books(&self, prefix: Option<String>) -> Result<Vec<String>, String> {
        let prefix = prefix.unwrap_or_default(); // an Err(String) is a RuntimeError in Python
        Ok(self
            .books
            .iter()
            .map(|b| b.title.clone())
            .filter(|t| t.starts_with(&prefix))
            .collect())
    }
    fn ids(&self) -> ItemStream<u32> {
        ItemStream::from_iter(self.books.iter().map(|b| b.id).collect::<Vec<_>>())
    }
    async fn visit(&self) {}
}

#[tokio::main]
async fn main() -> pyroxene::Result<()> {
    let daemon = Daemon::builder()
        .host("127.0.0.1")
        .port(9999)
        .bind()
        .await?;
    let shelf = Shelf {
        books: vec![Book {
            id: 7,
            title: "Dune".into(),
        }],
    };
    let uri = daemon.register_with_id(Arc::new(shelf), "example.library")?;
    tokio::spawn({
        let d = daemon.clone();
        async move { d.serve().await }
    });

    let library = LibraryProxy::new(uri.to_string())?; // PYRO:example.library@127.0.0.1:9999
    assert_eq!(library.get(7).await?.title, "Dune");
    assert_eq!(library.list_books(None).await?, ["Dune"]);
    assert_eq!(library.ids().await?.collect_all().await?, [7]);
    library.visit().await?; // sent oneway
    tokio::signal::ctrl_c().await.ok(); // serve Python clients meanwhile
    Ok(())
}
