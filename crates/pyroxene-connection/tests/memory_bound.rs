//! Memory grows with the bytes a peer actually sends, not with the length it announces.
//! Alone in its test binary so that nothing else moves the process's peak address space.

use pyroxene_connection::{Address, Config, Error, Listener};

/// `VmPeak` of this process in kB: address space ever reserved, which is what a
/// `Vec::with_capacity(announced)` would raise even before touching a page.
fn vm_peak_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmPeak:"))
        .expect("VmPeak");
    let kb = line.split_whitespace().nth(1).expect("VmPeak's number");
    kb.parse().expect("VmPeak in kB")
}

#[tokio::test(flavor = "current_thread")]
async fn an_announced_length_alone_reserves_nothing() {
    let config = Config::default().max_message_size(u64::MAX);
    let mut listener = Listener::bind_with_config("127.0.0.1:0", 1, None, config)
        .await
        .unwrap();
    let Address::Inet { port, .. } = listener.address().clone() else {
        unreachable!()
    };
    // A raw peer: announce 4 GiB (the 8-byte form), send 100 kB, hang up.
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut raw = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        raw.write_all(b"\xff\xff\xff\xff\x00\x00\x00\x01\x00\x00\x00\x00")
            .unwrap();
        raw.write_all(&[0u8; 100_000]).unwrap();
    });
    let mut conn = listener.accept().await.unwrap();
    let before = vm_peak_kb();
    let e = conn.recv_bytes(None).await.unwrap_err();
    writer.join().unwrap();
    assert!(matches!(e, Error::EofDuringMessage), "{e:?}");
    let grown_mb = (vm_peak_kb() - before) / 1024;
    assert!(grown_mb < 64, "address space grew by {grown_mb} MB");
}
