//! Keeping the [`Cache`] current: a full read, then a watch from the next revision; a watch
//! that etcd cancels because its start revision was compacted away means a full read again
//! (the events in between are lost, the state isn't); a broken watch reconnects from the last
//! applied revision. Beside it, a check every [`CHECK_EVERY`] confirms the copy is current
//! (see the cache's module docs).

use std::sync::Arc;
use std::time::{Duration, Instant};

use etcd_client::{Client, EventType, GetOptions, WatchOptions};
use tokio::sync::mpsc;

use super::cache::{Cache, Change};

/// How often the copy is confirmed current (a linearizable read and a progress request).
pub const CHECK_EVERY: Duration = Duration::from_millis(500);

/// How long a check's linearizable read may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// Reads everything, then follows the watch, forever. `ready` gets the outcome of the first
/// full read (the store opens once it has the names).
pub(crate) async fn keep_current(
    client: Client,
    cache: Arc<Cache>,
    names_prefix: String,
    ready: std::sync::mpsc::SyncSender<Result<(), etcd_client::Error>>,
) {
    let (progress_tx, mut progress_rx) = mpsc::channel::<()>(1);
    tokio::spawn(check_freshness(
        client.clone(),
        cache.clone(),
        names_prefix.clone(),
        progress_tx,
    ));
    let mut ready = Some(ready);
    let mut resync = true;
    let mut backoff = BACKOFF_MIN;
    let mut lost = false;
    loop {
        if resync {
            let read = client
                .kv_client()
                .get(names_prefix.as_str(), Some(GetOptions::new().with_prefix()))
                .await;
            match read {
                Ok(found) => {
                    let revision = found.header().map_or(0, |h| h.revision());
                    cache.reset(
                        found.kvs().iter().map(|kv| Change::Put {
                            key: kv.key(),
                            value: kv.value(),
                            create: kv.create_revision(),
                            lease: kv.lease(),
                        }),
                        revision,
                    );
                    tracing::debug!(
                        "etcd: read {} names at revision {revision}",
                        found.kvs().len()
                    );
                    resync = false;
                    if let Some(ready) = ready.take() {
                        let _ = ready.send(Ok(()));
                    }
                }
                Err(e) => {
                    if let Some(ready) = ready.take() {
                        let _ = ready.send(Err(e));
                        return;
                    }
                    tracing::debug!("etcd: full read failed: {e}");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                    continue;
                }
            }
        }
        let start = cache.applied() + 1;
        let options = WatchOptions::new()
            .with_prefix()
            .with_start_revision(start)
            .with_progress_notify();
        let watch = client
            .watch_client()
            .watch(names_prefix.as_str(), Some(options))
            .await;
        let (mut requests, mut responses) = match watch {
            Ok(stream) => stream.split(),
            Err(e) => {
                if !lost {
                    tracing::warn!("etcd: cannot watch the names ({e}); retrying");
                    lost = true;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
                continue;
            }
        };
        loop {
            tokio::select! {
                message = responses.message() => {
                    let response = match message {
                        Ok(Some(response)) => response,
                        Ok(None) => break,
                        Err(e) => {
                            if !lost {
                                tracing::warn!("etcd: the watch of the names broke ({e}); reconnecting");
                                lost = true;
                            }
                            break;
                        }
                    };
                    if response.canceled() {
                        if response.compact_revision() > 0 {
                            tracing::warn!(
                                "etcd: changes since revision {start} were compacted away \
                                 (oldest kept: {}); reading all names again",
                                response.compact_revision()
                            );
                            resync = true;
                        } else {
                            tracing::warn!(
                                "etcd: the watch of the names was cancelled ({}); reconnecting",
                                response.cancel_reason()
                            );
                        }
                        break;
                    }
                    if lost {
                        tracing::info!("etcd: watching the names again");
                        lost = false;
                    }
                    backoff = BACKOFF_MIN;
                    let events = response.events();
                    if events.is_empty() {
                        // A progress notification says every change up to its revision has
                        // been sent; the creation answer says nothing about that.
                        if !response.created()
                            && let Some(header) = response.header()
                        {
                            cache.progress(header.revision());
                        }
                        continue;
                    }
                    let revision = events
                        .iter()
                        .filter_map(|e| e.kv().map(|kv| kv.mod_revision()))
                        .max()
                        .unwrap_or(0);
                    cache.apply(
                        events.iter().filter_map(|event| {
                            let kv = event.kv()?;
                            Some(match event.event_type() {
                                EventType::Put => Change::Put {
                                    key: kv.key(),
                                    value: kv.value(),
                                    create: kv.create_revision(),
                                    lease: kv.lease(),
                                },
                                EventType::Delete => Change::Delete { key: kv.key() },
                            })
                        }),
                        revision,
                    );
                }
                Some(()) = progress_rx.recv() => {
                    if let Err(e) = requests.request_progress().await {
                        tracing::debug!("etcd: progress request failed: {e}");
                    }
                }
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// Every [`CHECK_EVERY`]: a linearizable read of the names' key range (count only), whose
/// revision the copy must reach to be confirmed current, then a progress request.
async fn check_freshness(
    client: Client,
    cache: Arc<Cache>,
    names_prefix: String,
    progress: mpsc::Sender<()>,
) {
    let mut ticks = tokio::time::interval(CHECK_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let options = GetOptions::new().with_prefix().with_count_only();
    loop {
        ticks.tick().await;
        let started = Instant::now();
        let mut kv = client.kv_client();
        let read = tokio::time::timeout(
            CHECK_TIMEOUT,
            kv.get(names_prefix.as_str(), Some(options.clone())),
        )
        .await;
        match read {
            Ok(Ok(answer)) => {
                if let Some(header) = answer.header() {
                    cache.check(started, header.revision());
                }
                // Full: a request is on its way already.
                let _ = progress.try_send(());
            }
            Ok(Err(e)) => tracing::debug!("etcd: freshness check failed: {e}"),
            Err(_) => tracing::debug!("etcd: freshness check timed out"),
        }
        if progress.is_closed() {
            return;
        }
    }
}
