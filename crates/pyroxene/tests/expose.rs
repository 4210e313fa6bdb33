//! `#[pyroxene::expose]` end to end, without a daemon: metadata, calls, argument binding and
//! Python's error texts, properties, async and blocking methods, panics.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use pyroxene::server::{CallContext, CallResult, Invocation, RemoteObject};
use pyroxene::{Dict, ProtocolVersion, RemoteException, Serializer, Value, list, tuple};
use serde::Serialize;
use tokio::sync::oneshot;

#[derive(Default)]
struct EchoServer {
    verbose: AtomicBool,
    log: Mutex<Vec<&'static str>>,
    started: Mutex<Option<oneshot::Sender<()>>>,
}

/// An error type of the application, turned into a Python exception.
struct NotFound(String);

impl From<NotFound> for RemoteException {
    fn from(e: NotFound) -> RemoteException {
        RemoteException::new("builtins.KeyError", e.0)
    }
}

/// A value `to_value` refuses.
struct Unserializable;

impl Serialize for Unserializable {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("x")?;
        Err(serde::ser::Error::custom("no way"))
    }
}

#[pyroxene::expose]
impl EchoServer {
    /// Returns its argument.
    fn echo(&self, message: Value) -> Value {
        message
    }
    fn add(&self, a: i64, b: Option<i64>) -> i64 {
        a + b.unwrap_or(0)
    }
    fn three(&self, a: String, b: f64, c: Vec<u8>) -> (String, f64, Vec<u8>) {
        (a, b, c)
    }
    fn two(&self, a: i64, b: i64) -> i64 {
        a * b
    }
    fn keyword(&self, r#type: String, value: Option<Value>) -> Option<String> {
        value.map(|v| format!("{type}={v}"))
    }
    #[allow(clippy::result_large_err)] // RemoteException's size is its owner's call
    fn error(&self) -> Result<(), RemoteException> {
        Err(RemoteException::new(
            "builtins.ValueError",
            "this is the generated error from echoserver echo() method",
        ))
    }
    fn lookup(&self, key: String) -> Result<i64, NotFound> {
        Err(NotFound(key))
    }
    fn unserializable(&self) -> Unserializable {
        Unserializable
    }
    async fn slow(&self, seconds: f64) -> String {
        tokio::task::yield_now().await;
        format!("slept {seconds}")
    }
    /// Blocks its thread: it must not be the runtime's.
    fn sleepy(&self) -> &'static str {
        if let Some(started) = self.started.lock().expect("lock").take() {
            let _ = started.send(());
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        self.log.lock().expect("lock").push("sleepy");
        "awake"
    }
    async fn quick(&self) {
        self.log.lock().expect("lock").push("quick");
    }
    #[nonblocking]
    fn nonblocking(&self, x: i64) -> i64 {
        x + 1
    }
    fn panics(&self) -> i64 {
        panic!("boom")
    }
    async fn panics_async(&self) -> i64 {
        panic!("async {}", "boom")
    }
    #[nonblocking]
    fn panics_inline(&self) {
        panic!("inline boom")
    }
    #[oneway]
    fn oneway_echo(&self, message: Value) -> &'static str {
        let _ = message;
        "bogus return value"
    }
    #[getter]
    fn verbose(&self) -> bool {
        self.verbose.load(Ordering::Relaxed)
    }
    #[setter(verbose)]
    fn set_verbose(&self, value: bool) {
        self.verbose.store(value, Ordering::Relaxed)
    }
    #[getter(answer)]
    async fn get_answer(&self) -> i64 {
        42
    }
    #[setter(sink)]
    fn set_sink(&self, value: Value) {
        let _ = value;
    }
    #[skip]
    #[allow(dead_code)]
    fn helper(&self) {}
    fn _private(&self) {}
    fn __dunder__(&self) -> &'static str {
        "should be allowed (dunder)"
    }
    fn __eq__(&self) {}
    #[allow(dead_code)]
    fn new() -> EchoServer {
        EchoServer::default()
    }
}

/// A generic type: the impl's generics carry over.
struct Holder<T>(T);

#[pyroxene::expose]
impl<T: Serialize + Clone + Send + Sync + 'static> Holder<T> {
    fn get(&self) -> T {
        self.0.clone()
    }
}

fn context() -> Arc<CallContext> {
    Arc::new(CallContext::new(
        "127.0.0.1:40000".to_owned(),
        ProtocolVersion::V5,
        Serializer::Serpent,
        1,
        None,
        BTreeMap::new(),
    ))
}

fn kwargs(items: &[(&str, Value)]) -> Dict {
    items
        .iter()
        .map(|(k, v)| (Value::from(*k), v.clone()))
        .collect()
}

async fn call<O: RemoteObject>(
    obj: &Arc<O>,
    method: &str,
    args: Vec<Value>,
    kw: Dict,
) -> CallResult {
    let invocation = Invocation::new(method, args, kw, context());
    obj.clone().invoke(invocation).await
}

/// Calls, expecting an exception: (class, message).
async fn fails(
    obj: &Arc<EchoServer>,
    method: &str,
    args: Vec<Value>,
    kw: Dict,
) -> (String, String) {
    let e = call(obj, method, args, kw).await.expect_err("an exception");
    let message = e.args[0].as_str().expect("a message").to_owned();
    (e.class.class_name(ProtocolVersion::V5).to_owned(), message)
}

fn server() -> Arc<EchoServer> {
    Arc::new(EchoServer::default())
}

fn type_error(message: &str) -> (String, String) {
    ("builtins.TypeError".to_owned(), message.to_owned())
}

#[test]
fn metadata_lists_exposed_names() {
    let meta = server().metadata();
    let names = |set: &pyroxene::wire::dialect::NameSet| set.iter().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&meta.methods),
        [
            "echo",
            "add",
            "three",
            "two",
            "keyword",
            "error",
            "lookup",
            "unserializable",
            "slow",
            "sleepy",
            "quick",
            "nonblocking",
            "panics",
            "panics_async",
            "panics_inline",
            "oneway_echo",
            "__dunder__"
        ]
    );
    assert_eq!(names(&meta.oneway), ["oneway_echo"]);
    assert_eq!(names(&meta.attrs), ["answer", "sink", "verbose"]);
}

#[tokio::test]
async fn values_positional_and_keyword() {
    let s = server();
    let nested = list![
        1,
        "two",
        tuple![3.5, Value::None],
        Value::Bytes(b"\x00\xff".to_vec().into())
    ];
    assert_eq!(
        call(&s, "echo", vec![nested.clone()], Dict::default()).await,
        Ok(nested.clone())
    );
    assert_eq!(
        call(&s, "echo", vec![], kwargs(&[("message", nested.clone())])).await,
        Ok(nested)
    );
    let add = |args: Vec<Value>, kw: Dict| call(&s, "add", args, kw);
    assert_eq!(
        add(vec![1.into(), 2.into()], Dict::default()).await,
        Ok(Value::from(3))
    );
    assert_eq!(
        add(vec![1.into()], Dict::default()).await,
        Ok(Value::from(1))
    );
    assert_eq!(
        add(vec![1.into(), Value::None], Dict::default()).await,
        Ok(Value::from(1))
    );
    assert_eq!(
        add(vec![1.into()], kwargs(&[("b", 5.into())])).await,
        Ok(Value::from(6))
    );
    let both = kwargs(&[("b", 5.into()), ("a", 2.into())]);
    assert_eq!(add(vec![], both).await, Ok(Value::from(7)));
    // Tuples come back as tuples; an int is accepted for a float, bytes for a Vec<u8>.
    let args = vec!["x".into(), 2.into(), Value::Bytes(vec![1, 2].into())];
    let three = call(&s, "three", args, Dict::default()).await;
    assert_eq!(three, Ok(tuple!["x", 2.0, list![1, 2]]));
    let keyword = call(
        &s,
        "keyword",
        vec![],
        kwargs(&[("type", "t".into()), ("value", 1.into())]),
    );
    assert_eq!(keyword.await, Ok(Value::from("t=1")));
    let none = call(&s, "keyword", vec!["t".into()], Dict::default()).await;
    assert_eq!(none, Ok(Value::None));
    let dunder = call(&s, "__dunder__", vec![], Dict::default()).await;
    assert_eq!(dunder, Ok(Value::from("should be allowed (dunder)")));
    let oneway = call(&s, "oneway_echo", vec![1.into()], Dict::default()).await;
    assert_eq!(oneway, Ok(Value::from("bogus return value")));
    assert_eq!(
        call(&s, "quick", vec![], Dict::default()).await,
        Ok(Value::None)
    );
    let holder = Arc::new(Holder(vec![1u8, 2]));
    assert_eq!(
        call(&holder, "get", vec![], Dict::default()).await,
        Ok(list![1, 2])
    );
}

#[tokio::test]
async fn binding_errors_have_pythons_texts() {
    let s = server();
    let none = Dict::default;
    let cases = [
        (
            "add",
            vec![],
            none(),
            "EchoServer.add() missing 1 required positional argument: 'a'",
        ),
        (
            "two",
            vec![],
            none(),
            "EchoServer.two() missing 2 required positional arguments: 'a' and 'b'",
        ),
        (
            "two",
            vec![],
            kwargs(&[("a", 1.into())]),
            "EchoServer.two() missing 1 required positional argument: 'b'",
        ),
        (
            "three",
            vec![],
            none(),
            "EchoServer.three() missing 3 required positional arguments: 'a', 'b', and 'c'",
        ),
        (
            "add",
            vec![1.into(), 2.into(), 3.into()],
            none(),
            "EchoServer.add() takes from 2 to 3 positional arguments but 4 were given",
        ),
        (
            "two",
            vec![1.into(), 2.into(), 3.into()],
            none(),
            "EchoServer.two() takes 3 positional arguments but 4 were given",
        ),
        (
            "quick",
            vec![1.into()],
            none(),
            "EchoServer.quick() takes 1 positional argument but 2 were given",
        ),
        (
            "add",
            vec![1.into()],
            kwargs(&[("x", 1.into())]),
            "EchoServer.add() got an unexpected keyword argument 'x'",
        ),
        (
            // Python checks keywords before counting positional arguments.
            "add",
            vec![1.into(), 2.into(), 3.into()],
            kwargs(&[("x", 1.into())]),
            "EchoServer.add() got an unexpected keyword argument 'x'",
        ),
        (
            "add",
            vec![1.into()],
            kwargs(&[("a", 1.into())]),
            "EchoServer.add() got multiple values for argument 'a'",
        ),
        (
            "add",
            vec!["1".into()],
            none(),
            "EchoServer.add() argument 'a': invalid type: Python str, expected i64",
        ),
        (
            "add",
            vec![1.into(), 2.5.into()],
            none(),
            "EchoServer.add() argument 'b': invalid type: Python float, expected i64",
        ),
    ];
    for (method, args, kw, message) in cases {
        assert_eq!(
            fails(&s, method, args, kw).await,
            type_error(message),
            "{method}"
        );
    }
    let mut int_key = Dict::default();
    int_key.insert(1.into(), 2.into());
    let e = fails(&s, "add", vec![1.into()], int_key).await;
    assert_eq!(e, type_error("EchoServer.add() keywords must be strings"));
}

#[tokio::test]
async fn errors_become_exceptions() {
    let s = server();
    let e = fails(&s, "error", vec![], Dict::default()).await;
    assert_eq!(
        e,
        (
            "builtins.ValueError".to_owned(),
            "this is the generated error from echoserver echo() method".to_owned()
        )
    );
    let e = fails(&s, "lookup", vec!["k".into()], Dict::default()).await;
    assert_eq!(e, ("builtins.KeyError".to_owned(), "k".to_owned()));
    let e = fails(&s, "unserializable", vec![], Dict::default()).await;
    assert_eq!(e.0, "Pyro5.errors.SerializeError");
    assert!(
        e.1.starts_with("cannot serialize the result of EchoServer.unserializable(): "),
        "{}",
        e.1
    );
}

#[tokio::test]
async fn unknown_unexposed_and_private_names() {
    let s = server();
    let attribute_error = |m: &str| ("builtins.AttributeError".to_owned(), m.to_owned());
    let cases = [
        ("nope", "'EchoServer' object has no attribute 'nope'"),
        ("helper", "attempt to access unexposed attribute 'helper'"),
        ("new", "attempt to access unexposed attribute 'new'"),
        ("verbose", "attempt to access unexposed attribute 'verbose'"),
        (
            "set_verbose",
            "attempt to access unexposed attribute 'set_verbose'",
        ),
        ("_private", "attempt to access private attribute '_private'"),
        ("__eq__", "attempt to access private attribute '__eq__'"),
        ("_nope", "attempt to access private attribute '_nope'"),
    ];
    for (method, message) in cases {
        let e = fails(&s, method, vec![], Dict::default()).await;
        assert_eq!(e, attribute_error(message), "{method}");
    }
}

#[tokio::test]
async fn properties() {
    let s = server();
    let get = |name: &str| s.clone().get_attr(name.to_owned(), context());
    let set = |name: &str, v: Value| s.clone().set_attr(name.to_owned(), v, context());
    assert_eq!(get("verbose").await, Ok(Value::Bool(false)));
    assert_eq!(set("verbose", true.into()).await, Ok(Value::None));
    assert_eq!(get("verbose").await, Ok(Value::Bool(true)));
    assert_eq!(get("answer").await, Ok(Value::from(42)));
    assert_eq!(set("sink", 1.into()).await, Ok(Value::None));
    let e = set("verbose", "yes".into()).await.unwrap_err();
    assert_eq!(e.class, "builtins.TypeError");
    assert_eq!(
        e.args[0].as_str(),
        Some("EchoServer.verbose() argument 'value': invalid type: Python str, expected a boolean")
    );
    let unknown = "attempt to access unexposed or unknown remote attribute";
    for result in [
        get("sink").await,
        get("echo").await,
        get("helper").await,
        set("answer", 1.into()).await,
        set("echo", 1.into()).await,
    ] {
        let e = result.unwrap_err();
        assert_eq!(e.class, "builtins.AttributeError");
        assert!(e.args[0].as_str().unwrap().starts_with(unknown), "{e:?}");
    }
    let e = get("nope").await.unwrap_err();
    assert_eq!(
        e.args[0].as_str(),
        Some("type object 'EchoServer' has no attribute 'nope'")
    );
    let e = set("nope", 1.into()).await.unwrap_err();
    assert_eq!(
        e.args[0].as_str(),
        Some("type object 'EchoServer' has no attribute 'nope'")
    );
}

#[tokio::test]
async fn async_and_nonblocking_methods() {
    let s = server();
    let slow = call(&s, "slow", vec![0.5.into()], Dict::default()).await;
    assert_eq!(slow, Ok(Value::from("slept 0.5")));
    assert_eq!(
        call(&s, "nonblocking", vec![1.into()], Dict::default()).await,
        Ok(Value::from(2))
    );
}

/// `#[nonblocking]` methods answer through `invoke_now` (the daemon's path without a future),
/// binding errors and panics included; other methods hand the call back untouched.
#[test]
fn nonblocking_methods_answer_at_once() {
    let s = server();
    let now = |method: &str, args: Vec<Value>| {
        s.invoke_now(Invocation::new(
            method.to_owned(),
            args,
            Dict::default(),
            context(),
        ))
    };
    assert_eq!(
        now("nonblocking", vec![1.into()]).ok(),
        Some(Ok(Value::from(2)))
    );
    let missing = now("nonblocking", vec![]).ok().and_then(Result::err);
    assert!(missing.is_some_and(|e| {
        e.to_string()
            .contains("missing 1 required positional argument")
    }),);
    let panicked = now("panics_inline", vec![]).ok().and_then(Result::err);
    assert!(panicked.is_some_and(|e| e.to_string().contains("inline boom")));
    for method in ["slow", "sleepy", "no_such_method"] {
        let back = now(method, vec![0.5.into()]).expect_err("handed back");
        assert_eq!((back.method.as_str(), back.args.len()), (method, 1));
    }
}

/// On a single-threaded runtime, a call to an async method completes while a sync method
/// that blocks its thread is still running: the sync method is not on the runtime's thread.
#[tokio::test(flavor = "current_thread")]
async fn sync_methods_run_off_the_runtime() {
    let s = server();
    let (started, has_started) = oneshot::channel();
    *s.started.lock().unwrap() = Some(started);
    let sleepy = tokio::spawn(s.clone().invoke(Invocation::new(
        "sleepy".to_owned(),
        vec![],
        Dict::default(),
        context(),
    )));
    has_started.await.unwrap();
    assert_eq!(
        call(&s, "quick", vec![], Dict::default()).await,
        Ok(Value::None)
    );
    assert_eq!(sleepy.await.unwrap(), Ok(Value::from("awake")));
    assert_eq!(*s.log.lock().unwrap(), ["quick", "sleepy"]);
}

#[tokio::test]
async fn panics_become_runtime_errors() {
    let s = server();
    for (method, message) in [
        ("panics", "method panicked: boom"),
        ("panics_async", "method panicked: async boom"),
        ("panics_inline", "method panicked: inline boom"),
    ] {
        let e = fails(&s, method, vec![], Dict::default()).await;
        assert_eq!(e, ("builtins.RuntimeError".to_owned(), message.to_owned()));
    }
    // The object still serves calls.
    assert_eq!(
        call(&s, "add", vec![1.into()], Dict::default()).await,
        Ok(Value::from(1))
    );
}

/// Python names on an inherent impl block, and the Rust error types a method may return.
struct Renamed;

#[pyroxene::expose]
impl Renamed {
    #[pyro(name = "addNumbers")]
    fn add_numbers(&self, #[pyro(name = "firstNumber")] first: i64, second: Option<i64>) -> i64 {
        first + second.unwrap_or(0)
    }
    fn refuse(&self) -> Result<(), String> {
        Err("refused".to_owned())
    }
    fn refuse_str(&self) -> Result<(), &'static str> {
        Err("refused too")
    }
    fn open(&self, path: String) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

#[tokio::test]
async fn python_names_and_rust_error_types_on_an_inherent_impl() {
    let obj = Arc::new(Renamed);
    let meta = obj.metadata();
    assert!(
        meta.methods
            .iter()
            .eq(["addNumbers", "refuse", "refuse_str", "open"])
    );
    let sum = call(
        &obj,
        "addNumbers",
        vec![],
        kwargs(&[("firstNumber", 2.into())]),
    )
    .await;
    assert_eq!(sum, Ok(Value::from(2)));
    let missing = call(&obj, "addNumbers", vec![], Dict::default())
        .await
        .unwrap_err();
    assert_eq!(
        missing.message(),
        "Renamed.addNumbers() missing 1 required positional argument: 'firstNumber'"
    );
    let rust_name = call(&obj, "add_numbers", vec![], Dict::default())
        .await
        .unwrap_err();
    assert_eq!(
        rust_name.message(),
        "'Renamed' object has no attribute 'add_numbers'"
    );
    for (method, text) in [("refuse", "refused"), ("refuse_str", "refused too")] {
        let e = call(&obj, method, vec![], Dict::default())
            .await
            .unwrap_err();
        assert_eq!(
            (e.class.class_name(ProtocolVersion::V5), e.message()),
            ("builtins.RuntimeError", text.to_owned())
        );
    }
    let e = call(&obj, "open", vec!["/no/such/file".into()], Dict::default())
        .await
        .unwrap_err();
    assert_eq!(e.class, "builtins.FileNotFoundError");
    assert_eq!(
        e.args,
        vec![Value::from(2), Value::from("No such file or directory")]
    );
}
