// ANCHOR: all
//! The datagram loop, written once: receive a datagram, hand it to the handler
//! with the sender's address, receive the next. UDP has no connections, so there
//! is no conversation to run on a thread: each datagram stands alone.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::{HandlerResult, Log, print_log, run_guarded};

/// The receive buffer: 65,536 bytes. Lengths in IP and UDP headers are 16-bit
/// fields, so a datagram carries at most 65,507 bytes over IPv4 (65,535 minus 20
/// of IP header and 8 of UDP header) and 65,527 over IPv6 (whose length field
/// leaves out its own 40-byte header: 65,535 minus 8 of UDP header). 2^16 bytes
/// is more than either: `recv_from` never cuts a datagram, whatever the family.
pub const DATAGRAM_BUFFER: usize = 65_536;

/// One datagram as it arrived.
#[derive(Debug)]
pub struct Datagram<'a> {
    pub bytes: &'a [u8],
    pub peer: SocketAddr,
}

// ANCHOR: datagram-handler
/// Answers one datagram. `socket` is the server's own, for `send_to` the reply.
pub trait DatagramHandler: Send + Sync + 'static {
    fn handle(&self, datagram: Datagram<'_>, socket: &UdpSocket) -> HandlerResult;
}

impl<F> DatagramHandler for F
where
    F: Fn(Datagram<'_>, &UdpSocket) -> HandlerResult + Send + Sync + 'static,
{
    fn handle(&self, datagram: Datagram<'_>, socket: &UdpSocket) -> HandlerResult {
        self(datagram, socket)
    }
}
// ANCHOR_END: datagram-handler

/// A UDP server: a bound socket and a handler.
pub struct UdpServer<H> {
    socket: UdpSocket,
    handler: H,
    log: Log,
    stop: UdpShutdown,
}

/// Stops a UDP server from another thread: raises a flag, then sends the server
/// an empty datagram so that its blocked `recv_from` returns.
#[derive(Debug, Clone)]
pub struct UdpShutdown {
    requested: Arc<AtomicBool>,
    addr: SocketAddr,
}

impl UdpShutdown {
    pub fn shutdown(&self) {
        if !self.requested.swap(true, Ordering::SeqCst) {
            let to = crate::tcp::reachable(self.addr);
            let from = if to.is_ipv4() {
                "127.0.0.1:0"
            } else {
                "[::1]:0"
            };
            if let Ok(socket) = UdpSocket::bind(from) {
                let _ = socket.send_to(b"", to);
            }
        }
    }
}

impl<H: DatagramHandler> UdpServer<H> {
    pub fn bind(addr: impl ToSocketAddrs, handler: H) -> io::Result<UdpServer<H>> {
        let socket = UdpSocket::bind(addr)?;
        let stop = UdpShutdown {
            requested: Arc::new(AtomicBool::new(false)),
            addr: socket.local_addr()?,
        };
        Ok(UdpServer {
            socket,
            handler,
            log: print_log(),
            stop,
        })
    }

    pub fn with_log(mut self, log: Log) -> UdpServer<H> {
        self.log = log;
        self
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.stop.addr
    }

    pub fn shutdown_handle(&self) -> UdpShutdown {
        self.stop.clone()
    }

    // ANCHOR: udp-serve-forever
    /// Receives and answers datagrams until `shutdown` is called.
    pub fn serve_forever(self) -> io::Result<()> {
        // Big enough for any datagram, IPv4 or IPv6: recv_from never cuts one
        // (lesson 10).
        let mut buf = vec![0u8; DATAGRAM_BUFFER];
        loop {
            let (n, peer) = match self.socket.recv_from(&mut buf) {
                Ok(received) => received,
                // Windows reports an earlier send_to to a closed port here
                // (ConnectionReset): it says nothing about the next datagram.
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => continue,
                Err(e) => return Err(e),
            };
            if self.stop.requested.load(Ordering::SeqCst) {
                return Ok(());
            }
            let datagram = Datagram {
                bytes: &buf[..n],
                peer,
            };
            run_guarded(peer, &self.log, || {
                self.handler.handle(datagram, &self.socket)
            });
        }
    }
    // ANCHOR_END: udp-serve-forever
}
// ANCHOR_END: all
