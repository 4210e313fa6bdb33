//! `ProxySettings::connector`: connections routed by location, and inherited by the proxies
//! that arrive later (in replies read with `call_as`/`read_reply`, and as arguments of a daemon
//! built with a connector). The locations are made up (`remote.invalid`): only the connector
//! knows where they are, as only an ssh tunnel knows where a remote's `localhost` is.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use pyroxene::client::{Connector, ProxySettings, Route};
use pyroxene::{Config, Daemon, Proxy, RemoteException, expose, from_value};

/// Routes `remote.invalid:<port>` to 127.0.0.1 at the port its table says; records each route.
#[derive(Debug, Default)]
struct Table {
    ports: Mutex<Vec<(u16, SocketAddr)>>,
    routed: Mutex<Vec<String>>,
}

impl Connector for Table {
    fn route<'a>(&'a self, host: &'a str, port: u16) -> Route<'a> {
        Box::pin(async move {
            self.routed
                .lock()
                .expect("lock")
                .push(format!("{host}:{port}"));
            let found = self
                .ports
                .lock()
                .expect("lock")
                .iter()
                .find(|(p, _)| *p == port)
                .map(|(_, a)| *a);
            match (host, found) {
                ("remote.invalid", Some(addr)) => Ok(addr),
                _ => Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no route",
                )),
            }
        })
    }
}

struct Factory;

#[expose]
impl Factory {
    fn make(&self) -> Result<Proxy, RemoteException> {
        let daemon = pyroxene::current_context()
            .and_then(|c| c.daemon())
            .ok_or("no daemon")?;
        Ok(daemon.register_proxy(Arc::new(Child))?)
    }

    /// Calls back what the caller passed: the proxy must route through the daemon's connector.
    async fn call_back(&self, callback: Proxy) -> Result<String, RemoteException> {
        let routed = callback.settings().connector.is_some();
        let name: String = callback.call_as("name", ()).await?;
        Ok(format!("{name} routed={routed}"))
    }
}

struct Child;

#[expose]
impl Child {
    fn name(&self) -> String {
        "child".into()
    }
}

/// A daemon on 127.0.0.1 whose URIs say `remote.invalid:<nat_port>`, served; its address.
async fn far_daemon(nat_port: u16, table: &Arc<Table>) -> (Daemon, SocketAddr) {
    let mut config = Config::default();
    config.host = "127.0.0.1".into();
    let daemon = Daemon::builder_with(&config)
        .nat("remote.invalid", nat_port)
        .connector(table.clone())
        .bind()
        .await
        .expect("bind");
    let addr = daemon.local_addr().expect("tcp");
    table.ports.lock().expect("lock").push((nat_port, addr));
    let serving = daemon.clone();
    tokio::spawn(async move { serving.serve().await });
    (daemon, addr)
}

#[tokio::test]
async fn routed_proxies_and_the_proxies_they_receive() {
    let table = Arc::new(Table::default());
    let (daemon, _) = far_daemon(4242, &table).await;
    let uri = daemon
        .register_with_id(Arc::new(Factory), "factory")
        .unwrap();
    assert_eq!(uri.to_string(), "PYRO:factory@remote.invalid:4242");
    let mut settings = ProxySettings::default();
    settings.connector = Some(table.clone());
    let factory = Proxy::with_settings(uri, settings);

    // an autoproxy in a reply, read with call_as: routed too
    let child: Proxy = factory.call_as("make", ()).await.unwrap();
    assert!(child.uri().to_string().starts_with("PYRO:obj_"));
    assert!(child.settings().connector.is_some());
    assert_eq!(child.call_as::<String>("name", ()).await.unwrap(), "child");
    // read_reply of a raw reply inherits; a plain from_value takes the environment's settings
    let raw = factory
        .call("make", pyroxene::tuple![], None)
        .await
        .unwrap();
    let read: Proxy = factory.read_reply(raw.clone()).unwrap();
    assert!(read.settings().connector.is_some());
    let plain: Proxy = from_value(raw).unwrap();
    assert!(plain.settings().connector.is_none());

    // a proxy passed to a daemon with a connector is routed by it there
    let (other, _) = far_daemon(4343, &table).await;
    let callback_uri = other.register_with_id(Arc::new(Child), "callback").unwrap();
    let callback = Proxy::with_settings(callback_uri, ProxySettings::default());
    let answer: String = factory
        .call_as("call_back", (pyroxene::to_value(&callback).unwrap(),))
        .await
        .unwrap();
    assert_eq!(answer, "child routed=true");
    let routed = table.routed.lock().unwrap().clone();
    assert!(
        routed.iter().all(|r| r.starts_with("remote.invalid:")),
        "{routed:?}"
    );
    assert!(
        routed.contains(&"remote.invalid:4343".to_owned()),
        "{routed:?}"
    );
}

/// A route that fails is the cause of Pyro's "cannot connect to host:port".
#[tokio::test]
async fn a_failed_route_is_the_cause_of_the_connect_error() {
    let mut settings = ProxySettings::default();
    settings.connector = Some(Arc::new(Table::default()));
    let proxy = Proxy::with_settings("PYRO:x@remote.invalid:1".parse().unwrap(), settings);
    let e = proxy.call_as::<String>("name", ()).await.unwrap_err();
    assert_eq!(e.kind(), pyroxene::ErrorKind::Communication);
    assert_eq!(
        format!("{e:#}"),
        "cannot connect to remote.invalid:1: no route"
    );
}
