//! What the ends of a connection look like from the other side: the facts the
//! book's Python-to-Rust table states, proven on a loopback pair of sockets.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// A connected pair on loopback, each end with a read timeout so that nothing
/// here can hang.
fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    for end in [&client, &server] {
        end.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    }
    (client, server)
}

/// `Ok(0)` means the peer has finished *sending*: after its
/// `shutdown(Write)`, it still reads what we send.
#[test]
fn end_of_stream_means_the_peer_finished_sending_not_reading() {
    let (mut client, mut server) = pair();
    client.shutdown(Shutdown::Write).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(server.read(&mut buf).unwrap(), 0, "end of stream");
    server.write_all(b"still here").unwrap();
    let n = client.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"still here");
}

/// The first write after the peer closed usually succeeds: it only reaches
/// the kernel's send buffer. The peer's kernel answers it with a RST, and a
/// write after that fails.
#[cfg(unix)]
#[test]
fn writing_after_the_peer_closed_fails_only_later() {
    let (mut client, server) = pair();
    drop(server); // close: a FIN
    let mut buf = [0u8; 16];
    assert_eq!(client.read(&mut buf).unwrap(), 0, "the FIN arrived");
    client
        .write_all(b"first")
        .expect("the first write succeeds");
    // The RST is on its way back; keep writing until a write reports it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let error = loop {
        match client.write_all(b"again") {
            Ok(()) if Instant::now() < deadline => continue,
            Ok(()) => panic!("no write failed within 10 s"),
            Err(e) => break e,
        }
    };
    assert!(
        matches!(
            error.kind(),
            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
        ),
        "{error:?}"
    );
}

/// After `try_clone`, dropping one handle does not close the socket: no FIN is
/// sent while another handle lives. `shutdown(Write)` sends it at once.
#[test]
fn a_clone_keeps_the_socket_open_until_shutdown() {
    let (mut client, server) = pair();
    let clone = server.try_clone().unwrap();
    drop(server);
    // Watched for a stated 300 ms: no end of stream arrives.
    client
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 16];
    let quiet = client.read(&mut buf).unwrap_err();
    assert!(
        matches!(quiet.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{quiet:?}"
    );
    clone.shutdown(Shutdown::Write).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert_eq!(client.read(&mut buf).unwrap(), 0, "the FIN, at last");
}
