//! The blocking facade: the same calls without async, across threads, on the one shared
//! runtime.

use std::time::Duration;

use pyroxene_connection::blocking::{self, Client, Listener};
use pyroxene_wire::{Value, set, tuple};

#[test]
fn listener_and_client_on_two_threads() {
    let mut listener = Listener::bind("127.0.0.1:0", 1, Some(b"key")).unwrap();
    let address = listener.address().clone();
    let worker = std::thread::spawn(move || {
        let mut conn = listener.accept().unwrap();
        while let Ok((op, n)) = conn.recv::<(String, i64)>() {
            let answer = match op.as_str() {
                "square" => n * n,
                _ => -1,
            };
            conn.send(&answer).unwrap();
        }
        listener.last_accepted().cloned()
    });
    let mut conn = Client::connect(&address, Some(b"key")).unwrap();
    for n in 0..100 {
        conn.send(&("square", n)).unwrap();
        assert_eq!(conn.recv::<i64>().unwrap(), n * n);
    }
    conn.close();
    assert!(worker.join().unwrap().is_some());
}

#[test]
fn pipe_ends_on_two_threads_big_and_small() {
    let (mut a, mut b) = blocking::pipe(true).unwrap();
    let echo = std::thread::spawn(move || {
        while let Ok(m) = b.recv_bytes(None) {
            b.send_bytes(&m, 0, None).unwrap();
        }
    });
    let big = vec![3u8; 17 << 20];
    for msg in [&b""[..], b"x", &big] {
        a.send_bytes(msg, 0, None).unwrap();
        assert_eq!(a.recv_bytes(None).unwrap(), msg);
    }
    a.send_value(&tuple![set![1], Value::None]).unwrap();
    assert_eq!(
        a.recv_value().unwrap().to_string(),
        "({1}, None)",
        "values echo as raw pickle bytes"
    );
    drop(a);
    echo.join().unwrap();
}

#[test]
fn poll_and_wait_see_what_another_thread_sent() {
    let (mut a1, mut b1) = blocking::pipe(true).unwrap();
    let (mut a2, mut b2) = blocking::pipe(false).unwrap();
    assert!(!a1.poll(Some(Duration::ZERO)).unwrap());
    let sender = std::thread::spawn(move || {
        b2.send(&"from a thread").unwrap();
        b2
    });
    let mut both = [&mut a1, &mut a2];
    assert_eq!(
        blocking::wait(&mut both, Some(Duration::from_secs(10))).unwrap(),
        [1]
    );
    assert_eq!(a2.recv::<String>().unwrap(), "from a thread");
    drop(sender.join().unwrap());
    b1.send_bytes(b"x", 0, None).unwrap();
    assert!(a1.poll(None).unwrap());
    let mut buf = [0u8; 4];
    assert_eq!(a1.recv_bytes_into(&mut buf, 3).unwrap(), 1);
    // The writing end of the one-way pipe is gone: its reader sees end of file.
    assert!(a2.poll(Some(Duration::from_secs(10))).unwrap());
    assert!(a2.recv_bytes(None).unwrap_err().is_eof());
}
