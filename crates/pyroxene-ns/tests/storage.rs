//! The sqlite store: what one registers survives reopening (sqlite and dbm:), the file has
//! Python's schema (old databases are migrated; Python's SqlStorage reads ours). What all
//! stores share is `storage_suite.rs`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use pyroxene_ns::storage::{Registration, SqliteStorage, Storage, StorageSpec};
use pyroxene_ns::{ListFilter, MetaFilter, RegisterOptions, Registry, Remove};
use pyroxene_testkit::{ONE_SHOT_LIMIT, output_within, python};

/// A fresh directory in the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("pyroxene-ns-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tags(t: &[&str]) -> BTreeSet<String> {
    t.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn sqlite_registrations_survive_reopening() {
    let dir = TempDir::new("reopen");
    for spelling in ["sql", "dbm"] {
        let file = dir.0.join(format!("{spelling}.db"));
        let spec = StorageSpec::parse(&format!("{spelling}:{}", file.display())).expect("spec");
        {
            let registry = Registry::new(spec.open().expect("open"));
            registry
                .register(
                    "a",
                    "PYRO:a@h:1",
                    RegisterOptions::new().metadata(["x", "y"]),
                )
                .expect("register");
            registry
                .register("b", "PYRO:b@h:2", RegisterOptions::new())
                .expect("register");
            registry
                .register("a", "PYRO:a@h:3", RegisterOptions::new().metadata(["z"]))
                .expect("re-register");
            registry
                .set_metadata("b", tags(&["q"]))
                .expect("set_metadata");
            registry
                .register("gone", "PYRO:g@h:4", RegisterOptions::new())
                .expect("register");
            assert_eq!(registry.remove(Remove::Name("gone")).expect("remove"), 1);
        } // dropped: the connection closes, as when the process ends
        let registry = Registry::new(spec.open().expect("reopen"));
        assert_eq!(registry.count().expect("count"), 2);
        let a = registry.lookup("a").expect("lookup a");
        assert_eq!((a.uri.as_str(), a.metadata), ("PYRO:a@h:3", tags(&["z"])));
        assert_eq!(
            registry.lookup("b").expect("lookup b").metadata,
            tags(&["q"])
        );
        assert!(registry.lookup("gone").is_err());
        let found = registry.yplookup(&MetaFilter::any(["q", "z"])).expect("yp");
        assert_eq!(found.len(), 2);
        // Like Python's sqlite store, a rewritten name moves to the end: "a" when re-registered,
        // then "b" when its metadata changed.
        let order: Vec<String> = registry
            .list(ListFilter::All)
            .expect("list")
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(order, ["a", "b"]);
    }
}

#[test]
fn old_schema_without_metadata_is_migrated() {
    let dir = TempDir::new("migrate");
    let file = dir.0.join("old.db");
    {
        let db = rusqlite::Connection::open(&file).expect("create");
        db.execute_batch(
            "CREATE TABLE pyro_names (id integer PRIMARY KEY, name nvarchar NOT NULL UNIQUE, uri nvarchar NOT NULL);
             INSERT INTO pyro_names(name, uri) VALUES ('old.name', 'PYRO:old@h:1');",
        )
        .expect("old schema");
    }
    let store = SqliteStorage::open(&file).expect("open old");
    let found = store.get("old.name").expect("get").expect("migrated");
    assert_eq!(found.uri, "PYRO:old@h:1");
    store
        .set("new", Registration::new("PYRO:n@h:2", tags(&["t"])), false)
        .expect("metadata table exists now");
}

/// The file is interchangeable with pyro5-ns's: Python's SqlStorage reads what we wrote.
#[test]
fn pythons_sql_storage_reads_our_database() {
    let Some(py) = python() else { return };
    let dir = TempDir::new("python");
    let file = dir.0.join("shared.db");
    {
        let registry = Registry::new(Box::new(SqliteStorage::open(&file).expect("open")));
        registry
            .register(
                "shared.name",
                "PYRO:s@h:7",
                RegisterOptions::new().metadata(["t1", "t2"]),
            )
            .expect("register");
    }
    let out = output_within(
        std::process::Command::new(py)
            .args([
                "-c",
                "import sys; from Pyro5.nameserver import SqlStorage; s = SqlStorage(sys.argv[1]); \
                 uri, meta = s['shared.name']; print(len(s), uri, sorted(meta))",
            ])
            .arg(&file)
            .env("PYRO_BROADCAST_ADDRS", "127.0.0.1"),
        None,
        ONE_SHOT_LIMIT,
    )
    .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "1 PYRO:s@h:7 ['t1', 't2']"
    );
}
