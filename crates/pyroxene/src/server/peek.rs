//! Which protocol a new connection speaks, from its first 6 bytes. They are read (TCP and unix
//! sockets alike) and handed to the connection as the start of its first message.

use bytes::BytesMut;
use pyroxene_wire::ProtocolVersion;
use pyroxene_wire::protocol::detect_version;
use tokio::io::AsyncReadExt;

use crate::transport::Stream;

/// The two openings one port serves: `PYRO` + 48 (Pyro4) and `PYRO` + 502 (Pyro5).
const OPENINGS: [&[u8; 6]; 2] = [b"PYRO\x00\x30", b"PYRO\x01\xf6"];

/// The first bytes of a new connection and the version they name: [`ProtocolVersion::V4`] or
/// `V5` when its first 6 bytes say so, else `None` (junk, a peer that closed or failed): the
/// caller then serves it as Pyro5, whose parser answers junk with Python's "invalid data" error
/// as before. Reads what the peer has sent (at least 6 bytes, unless they can't be a Pyro
/// opening or the peer stops), all of which the caller hands back to the connection; waits as
/// long as the caller lets it (the daemon bounds it by COMMTIMEOUT).
pub(crate) async fn opening(stream: &mut Stream) -> (Option<ProtocolVersion>, BytesMut) {
    // Empty until the peer sends: `read_buf` allocates a few bytes when it is polled, so a
    // connection that never sends holds no 8 KiB buffer while it waits here.
    let mut buf = BytesMut::new();
    while buf.len() < OPENING {
        match stream.read_buf(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let seen = &buf[..buf.len().min(OPENING)];
        if !OPENINGS.iter().any(|o| o.starts_with(seen)) {
            // Already not Pyro: take what else the peer has sent (as much as a connection's
            // first read takes), so the answer to junk is a close, not a reset for unread
            // bytes.
            buf.reserve(8 * 1024);
            let _ = stream.try_read_buf(&mut buf);
            break;
        }
    }
    (detect_version(&buf), buf)
}

/// Bytes that name the protocol version.
const OPENING: usize = 6;
