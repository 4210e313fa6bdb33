//! Which protocol a new connection speaks, from its first 6 bytes, read without taking them
//! off the socket (so the connection's reader still sees the whole first message).

use std::time::Duration;

use pyroxene_wire::ProtocolVersion;
use pyroxene_wire::protocol::detect_version;

use crate::transport::Stream;

/// The two openings one port serves: `PYRO` + 48 (Pyro4) and `PYRO` + 502 (Pyro5).
const OPENINGS: [&[u8; 6]; 2] = [b"PYRO\x00\x30", b"PYRO\x01\xf6"];

/// Peeks at most this many times while fewer than 6 bytes are in (a client trickling its
/// header); with the doubling pause capped at 100 ms that is about 20 s before giving up.
const MAX_PEEKS: usize = 200;

/// The version of a new connection: [`ProtocolVersion::V4`] or `V5` when its first 6 bytes
/// say so, else `None` (junk, a peer that closed, a unix socket): the caller then serves it
/// as Pyro5, whose parser answers junk with Python's "invalid data" error as before.
///
/// Waits for the first bytes as long as the caller lets it (the daemon bounds it by
/// COMMTIMEOUT); nothing is consumed.
pub(crate) async fn detect(stream: &Stream) -> Option<ProtocolVersion> {
    let Stream::Tcp(tcp) = stream else {
        // tokio has no peek for unix sockets (and this crate uses no unsafe code): Pyro5
        // only there.
        return None;
    };
    let mut buf = [0u8; 6];
    let mut pause = Duration::from_millis(1);
    for _ in 0..MAX_PEEKS {
        let n = tcp.peek(&mut buf).await.ok()?;
        let seen = buf.get(..n)?;
        if n == 0 || n >= buf.len() {
            return detect_version(seen);
        }
        if !OPENINGS.iter().any(|o| o.starts_with(seen)) {
            return None; // already not Pyro: no need to wait for the rest
        }
        // peek returns at once while the bytes it saw are still unread: wait for more.
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(100));
    }
    None
}
