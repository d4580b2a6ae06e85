// ANCHOR: all
//! Two peers that both write a lot before reading: a deadlock, and its fix.
//!
//! A write only hands bytes to the kernel, which keeps them in the connection's
//! buffers until the other side reads. If both sides write more than the
//! buffers hold before either reads, both writes wait for room that only the
//! other side's read could make, and neither side ever reads.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use socket2::SockRef;

/// What each side sends: far more than the buffers between them hold.
const SIZE: usize = 10 * 1024 * 1024;

/// How long a write may wait for room. Here it only turns a wait that would
/// last forever into an error a test can see.
const WRITE_LIMIT: Duration = Duration::from_secs(2);

// ANCHOR: deadlock
/// Sends all of `data`, then reads everything the other side sends.
/// Correct on its own; a deadlock when both sides do it with large data.
fn write_then_read(mut stream: &TcpStream, data: &[u8]) -> io::Result<Vec<u8>> {
    stream.write_all(data)?; // waits for room while the peer is not reading
    stream.shutdown(Shutdown::Write)?;
    let mut received = Vec::new();
    stream.read_to_end(&mut received)?;
    Ok(received)
}
// ANCHOR_END: deadlock

// ANCHOR: fix
/// Sends all of `data` while a second thread reads what the other side
/// sends, so the other side's writes always find room.
fn write_while_reading(stream: &TcpStream, data: &[u8]) -> io::Result<Vec<u8>> {
    thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut received = Vec::new();
            (&*stream).read_to_end(&mut received)?; // &TcpStream reads too
            Ok(received)
        });
        (&*stream).write_all(data)?;
        stream.shutdown(Shutdown::Write)?;
        reader.join().expect("the reading thread does not panic")
    })
}
// ANCHOR_END: fix

/// A connected pair on loopback with small buffers (the kernel may round the
/// sizes up, to some hundreds of kilobytes at most), so that 10 MB is far more
/// than they hold on any system, and a time limit on every write.
fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let one = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (other, _) = listener.accept().unwrap();
    for end in [&one, &other] {
        let socket = SockRef::from(end);
        socket.set_send_buffer_size(64 * 1024).unwrap();
        socket.set_recv_buffer_size(64 * 1024).unwrap();
        end.set_write_timeout(Some(WRITE_LIMIT)).unwrap();
    }
    (one, other)
}

/// Runs `exchange` on both ends at once, each sending its own 10 MB.
fn both_sides(
    exchange: fn(&TcpStream, &[u8]) -> io::Result<Vec<u8>>,
) -> [(io::Result<Vec<u8>>, Vec<u8>); 2] {
    let (one, other) = pair();
    let data = |byte: u8| vec![byte; SIZE];
    thread::scope(|scope| {
        let a = scope.spawn(|| (exchange(&one, &data(b'a')), data(b'b')));
        let b = scope.spawn(|| (exchange(&other, &data(b'b')), data(b'a')));
        [a.join().unwrap(), b.join().unwrap()]
    })
}

/// The pitfall: both writes stop for lack of room and give up at the write
/// limit. Neither side could have finished: neither ever reached its read.
#[test]
fn both_sides_writing_before_reading_is_a_deadlock() {
    for (result, _) in both_sides(write_then_read) {
        let error = result.expect_err("a write that waits forever, cut off");
        // An expired write timeout: WouldBlock on Unix, TimedOut on Windows.
        assert!(
            matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            "{error:?}"
        );
    }
}

/// The fix: with a reader on each side, both 10 MB arrive whole, and no write
/// ever waits as long as the limit.
#[test]
fn reading_while_writing_lets_both_finish() {
    for (result, expected) in both_sides(write_while_reading) {
        let received = result.expect("the exchange finishes");
        assert!(received == expected, "{} bytes arrived", received.len());
    }
}
// ANCHOR_END: all
