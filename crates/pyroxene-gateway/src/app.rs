//! [`Gateway`]: the configured app (an axum [`Router`]) and [`BoundGateway`], its own HTTP/1.1
//! server with the request-head limits of [`Limits`](crate::Limits).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::HeaderValue;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use pyroxene::Uri;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::backend::Backend;
use crate::error::GatewayError;
use crate::respond::Responder;
use crate::{GatewayConfig, Limits, routes};

/// What every request handler shares.
pub(crate) struct App {
    pub(crate) config: GatewayConfig,
    pub(crate) responder: Responder,
    /// The gateway key's bytes; `None` when none (or an empty one) is configured.
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) backend: Backend,
}

/// The HTTP gateway: Pyro objects registered in a name server, called over HTTP and
/// WebSocket with JSON (see the crate docs for the routes).
///
/// Serve it with [`Gateway::bind`] + [`BoundGateway::serve`], or mount [`Gateway::router`]
/// in an axum app of your own.
#[derive(Clone)]
pub struct Gateway {
    app: Arc<App>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("expose", &self.app.config.expose.pattern())
            .finish_non_exhaustive()
    }
}

impl Gateway {
    /// A gateway with `config`; nothing is contacted yet.
    ///
    /// # Errors
    /// [`GatewayError::InvalidCors`] when the CORS origin can't be a header value.
    pub fn new(config: GatewayConfig) -> Result<Gateway, GatewayError> {
        let origin = HeaderValue::from_str(&config.cors)
            .map_err(|_| GatewayError::InvalidCors(config.cors.clone()))?;
        let key = config
            .gateway_key
            .as_ref()
            .filter(|k| !k.is_empty())
            .map(|k| k.as_bytes().to_vec());
        let backend = Backend::new(&config);
        Ok(Gateway {
            app: Arc::new(App {
                responder: Responder::new(origin),
                key,
                backend,
                config,
            }),
        })
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &GatewayConfig {
        &self.app.config
    }

    /// Locates the name server now (otherwise the first request does) and returns its URI:
    /// what `pyro5-httpgateway` prints at startup.
    ///
    /// # Errors
    /// When no name server is found (the gateway still starts; requests locate it later).
    pub async fn connect_nameserver(&self) -> pyroxene::Result<Uri> {
        let ns = self.app.backend.nameserver().await?;
        Ok(ns.proxy().uri().clone())
    }

    /// The app as an axum router (every path; nest it or serve it as it is).
    pub fn router(&self) -> Router {
        Router::new()
            .fallback(routes::dispatch)
            .with_state(self.app.clone())
    }

    /// Binds `host:port` (port 0: a free one).
    ///
    /// # Errors
    /// [`GatewayError::Bind`] when the address can't be bound.
    pub async fn bind(&self, host: &str, port: u16) -> Result<BoundGateway, GatewayError> {
        let address = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let listener = TcpListener::bind(&address)
            .await
            .map_err(|source| GatewayError::Bind {
                address: address.clone(),
                source,
            })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| GatewayError::Bind { address, source })?;
        Ok(BoundGateway {
            listener,
            local_addr,
            gateway: self.clone(),
        })
    }
}

/// A [`Gateway`] listening on a socket.
#[derive(Debug)]
pub struct BoundGateway {
    listener: TcpListener,
    local_addr: SocketAddr,
    gateway: Gateway,
}

impl BoundGateway {
    /// The address it listens on (Python prints it: "Pyro HTTP gateway running on
    /// http://127.0.0.1:8080/pyro/").
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until the process ends.
    ///
    /// # Errors
    /// [`GatewayError::Accept`] when the listening socket fails for good.
    pub async fn serve(self) -> Result<(), GatewayError> {
        self.serve_until(std::future::pending()).await
    }

    /// Serves until `stop` completes; connections in progress finish on their own tasks.
    ///
    /// # Errors
    /// As [`BoundGateway::serve`].
    pub async fn serve_until(self, stop: impl Future<Output = ()>) -> Result<(), GatewayError> {
        let limits = self.gateway.app.config.limits.clone();
        serve_router(self.listener, self.gateway.router(), &limits, stop).await
    }
}

/// Serves any axum `router` on `listener` the way the gateway serves itself: HTTP/1.1 with
/// upgrades (WebSocket), at most `limits.max_connections` connections at once, a request head
/// of at most `limits.max_header_bytes` (431 beyond) read within `limits.header_read_timeout`.
/// Returns when `stop` completes.
///
/// This is also how `scripts/bench-gateway.sh` serves its hello-world baseline, so the
/// baseline runs on exactly the gateway's HTTP stack.
///
/// # Errors
/// [`GatewayError::Accept`] when the listening socket fails for good.
pub async fn serve_router(
    listener: TcpListener,
    router: Router,
    limits: &Limits,
    stop: impl Future<Output = ()>,
) -> Result<(), GatewayError> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut stop = std::pin::pin!(stop);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = &mut stop => return Ok(()),
        };
        let Ok(slot) = slot else { return Ok(()) };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => return Ok(()),
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) if is_transient(&e) => {
                // Out of descriptors or a connection reset while queued: the others go on.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Err(e) => return Err(GatewayError::Accept(e)),
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let (header_timeout, max_head) = (limits.header_read_timeout, limits.max_header_bytes);
        tokio::spawn(async move {
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                // hyper's minimum is 8 KiB.
                .max_buf_size(max_head.max(8192))
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            if let Err(e) = connection.await {
                tracing::debug!("connection ended: {e}");
            }
            drop(slot);
        });
    }
}

fn is_transient(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | Interrupted | WouldBlock
    ) || matches!(e.raw_os_error(), Some(23 | 24)) // ENFILE, EMFILE
}
