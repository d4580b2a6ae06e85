// ANCHOR: all
//! A connected UDP socket: `connect` on a `UdpSocket` sends no packet; it fixes
//! the peer, so that `send` and `recv` need no address, the kernel drops
//! datagrams from anyone else, and errors the network reports about the peer
//! (an ICMP "port unreachable") come back from the next call.

use std::io::ErrorKind;
use std::net::UdpSocket;
use std::time::Duration;

/// A loopback UDP socket on a port the kernel picks, with a read timeout so that
/// nothing here can hang.
fn socket() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket
}

// ANCHOR: connected
/// Asks `server` one question over a connected socket and returns the answer.
fn ask(client: &UdpSocket, server: &UdpSocket) -> std::io::Result<Vec<u8>> {
    client.connect(server.local_addr()?)?; // no packet: the peer is now fixed
    client.send(b"hello")?; // no address: it goes to the connected peer

    let mut buffer = [0u8; 64];
    let (n, from) = server.recv_from(&mut buffer)?;
    server.send_to(&buffer[..n].to_ascii_uppercase(), from)?;

    let n = client.recv(&mut buffer)?; // only the peer's datagrams arrive here
    Ok(buffer[..n].to_vec())
}
// ANCHOR_END: connected

#[test]
fn a_connected_socket_sends_and_receives_without_addresses() {
    let (client, server) = (socket(), socket());
    assert_eq!(ask(&client, &server).unwrap(), b"HELLO");
    assert_eq!(client.peer_addr().unwrap(), server.local_addr().unwrap());
}

/// A datagram from a stranger never reaches a socket connected to someone else.
/// The stranger's datagram is sent first, yet the client's first `recv` returns
/// the server's; and since no socket would take the stranger's datagram, the
/// kernel answers it with "port unreachable", which the stranger, connected
/// too, reads as ConnectionRefused.
#[test]
fn datagrams_from_others_are_filtered_out() {
    let (client, server, stranger) = (socket(), socket(), socket());
    client.connect(server.local_addr().unwrap()).unwrap();
    stranger.connect(client.local_addr().unwrap()).unwrap();

    stranger.send(b"from a stranger").unwrap();
    let mut buffer = [0u8; 64];
    let error = stranger.recv(&mut buffer).unwrap_err();
    assert_eq!(error.kind(), refused(), "{error:?}");

    server
        .send_to(b"from the server", client.local_addr().unwrap())
        .unwrap();
    let n = client.recv(&mut buffer).unwrap();
    assert_eq!(&buffer[..n], b"from the server");
}

/// Sending to a port where nothing listens succeeds; the network's answer,
/// "port unreachable", comes back as an error from the next call.
#[test]
fn a_closed_port_is_reported_to_a_connected_socket() {
    let client = socket();
    let nobody = socket().local_addr().unwrap(); // bound, then dropped: closed
    client.connect(nobody).unwrap();
    client.send(b"anyone?").expect("sending succeeds");
    let mut buffer = [0u8; 64];
    let error = client.recv(&mut buffer).unwrap_err();
    assert_eq!(error.kind(), refused(), "{error:?}");
}

/// How the system reports "port unreachable" on a UDP socket: Windows says the
/// connection was reset.
fn refused() -> ErrorKind {
    if cfg!(windows) {
        ErrorKind::ConnectionReset
    } else {
        ErrorKind::ConnectionRefused
    }
}
// ANCHOR_END: all
