//! Property tests of the frame: headers and whole frames round trip through the sans-IO
//! functions split at any point, and through a connection fed in arbitrary chunks.

use proptest::prelude::*;
use pyroxene_connection::frame::{self, Header, MAX_HEADER_LEN};

fn payloads() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::collection::vec(any::<u8>(), 0..64),
            1 => prop::collection::vec(any::<u8>(), 0..3000),
        ],
        0..12,
    )
}

proptest! {
    #[test]
    fn headers_round_trip_for_every_length(length in any::<u64>()) {
        let mut out = [0u8; MAX_HEADER_LEN];
        let head = frame::encode_header(length, &mut out).to_vec();
        prop_assert_eq!(head.len(), if length <= frame::MAX_SHORT_LENGTH { 4 } else { 12 });
        prop_assert_eq!(frame::parse_header(&head), Ok(Some(Header { length, size: head.len() })));
        for end in 0..head.len() {
            prop_assert_eq!(frame::parse_header(&head[..end]), Ok(None));
        }
    }

    #[test]
    fn frames_round_trip_in_any_chunks(msgs in payloads(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8)) {
        let mut stream = Vec::new();
        for m in &msgs {
            frame::encode(m, &mut stream);
        }
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
        cuts.push(stream.len());
        cuts.sort_unstable();
        // Feed the stream chunk by chunk, splitting off whole frames as they complete.
        let (mut buf, mut got, mut fed) = (Vec::new(), Vec::new(), 0);
        for cut in cuts {
            buf.extend_from_slice(&stream[fed..cut]);
            fed = cut;
            while let Some((payload, used)) = frame::decode(&buf, u64::MAX).unwrap() {
                got.push(payload.to_vec());
                buf.drain(..used);
            }
        }
        prop_assert!(buf.is_empty());
        prop_assert_eq!(got, msgs);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The same through a connection: a raw writer sends the frames in arbitrary pieces
    /// (big ones too, which take the connection's direct-read path).
    #[test]
    fn a_connection_reads_frames_written_in_any_pieces(
        sizes in prop::collection::vec(prop_oneof![0usize..100, 60_000usize..300_000], 1..5),
        piece in 1usize..100_000,
    ) {
        let msgs: Vec<Vec<u8>> = sizes.iter().enumerate()
            .map(|(i, n)| (0..*n).map(|j| (i * 31 + j) as u8).collect())
            .collect();
        let mut stream = Vec::new();
        for m in &msgs {
            frame::encode(m, &mut stream);
        }
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let got = rt.block_on(async move {
            use tokio::io::AsyncWriteExt;
            let mut listener = pyroxene_connection::Listener::bind("127.0.0.1:0", 1, None).await.unwrap();
            let address = listener.address().to_string();
            let writer = tokio::spawn(async move {
                let mut raw = tokio::net::TcpStream::connect(address).await.unwrap();
                raw.set_nodelay(true).unwrap();
                for chunk in stream.chunks(piece) {
                    raw.write_all(chunk).await.unwrap();
                    tokio::task::yield_now().await;
                }
            });
            let mut conn = listener.accept().await.unwrap();
            let mut got = Vec::new();
            for _ in 0..sizes.len() {
                got.push(conn.recv_bytes(None).await.unwrap());
            }
            writer.await.unwrap();
            assert!(conn.recv_bytes(None).await.unwrap_err().is_eof());
            got
        });
        prop_assert_eq!(got, msgs);
    }
}
