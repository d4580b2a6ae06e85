// ANCHOR: all
//! The connection loop, written once: accept a client, hand it to the handler,
//! accept the next. Either on this thread, one at a time, or on a thread each.

use std::io;
use std::net::{
    IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::{Handler, Log, Mode, print_log, run_guarded};

/// A TCP server: a listening socket, a handler, and how to run it.
pub struct TcpServer<H> {
    listener: TcpListener,
    handler: Arc<H>,
    mode: Mode,
    log: Log,
    stop: Shutdown,
}

// ANCHOR: shutdown
/// Stops a server from another thread: `shutdown()` is Python's
/// `server.shutdown()`.
///
/// `accept` blocks, and std has no way to interrupt it. So `shutdown` raises a
/// flag and then connects to the server itself: `accept` returns that connection,
/// the loop sees the flag, and stops.
#[derive(Debug, Clone)]
pub struct Shutdown {
    requested: Arc<AtomicBool>,
    addr: SocketAddr,
}

impl Shutdown {
    pub fn shutdown(&self) {
        if !self.requested.swap(true, Ordering::SeqCst) {
            // If this fails the server is gone already; either way it stops.
            let _ = TcpStream::connect_timeout(
                &reachable(self.addr),
                Duration::from_secs(1),
            );
        }
    }
    pub fn is_requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }
}
// ANCHOR_END: shutdown

/// A listening address one can connect to: 0.0.0.0 means "every address of this
/// machine", which is not a destination; its loopback address is.
pub(crate) fn reachable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

impl<H: Handler> TcpServer<H> {
    /// Binds the listening socket. Nothing is accepted until `serve_forever`.
    pub fn bind(
        addr: impl ToSocketAddrs,
        handler: H,
        mode: Mode,
    ) -> io::Result<TcpServer<H>> {
        let listener = TcpListener::bind(addr)?;
        let stop = Shutdown {
            requested: Arc::new(AtomicBool::new(false)),
            addr: listener.local_addr()?,
        };
        Ok(TcpServer {
            listener,
            handler: Arc::new(handler),
            mode,
            log: print_log(),
            stop,
        })
    }

    /// Sends the server's reports somewhere other than standard output.
    pub fn with_log(mut self, log: Log) -> TcpServer<H> {
        self.log = log;
        self
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.stop.addr
    }

    /// A handle that stops this server; it can be cloned and sent to any thread.
    pub fn shutdown_handle(&self) -> Shutdown {
        self.stop.clone()
    }

    // ANCHOR: serve-forever
    /// Accepts and serves clients until `shutdown` is called. Then it stops
    /// accepting (the listening socket is closed, so new clients are refused),
    /// waits for the conversations still running, and returns.
    pub fn serve_forever(self) -> io::Result<()> {
        let mut running: Vec<JoinHandle<()>> = Vec::new();
        loop {
            let (stream, peer) = match self.listener.accept() {
                Ok(accepted) => accepted,
                Err(e) => {
                    // A client that gave up before we accepted it, or no file
                    // descriptors left: report it, pause, and go on.
                    (self.log)(&format!("accept failed: {e}; trying again"));
                    thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            if self.stop.is_requested() {
                break; // our own wake-up call, or a client that came too late
            }
            match self.mode {
                Mode::Sequential => {
                    run_guarded(peer, &self.log, || {
                        self.handler.handle(stream, peer)
                    });
                }
                Mode::ThreadPerConnection => {
                    let handler = Arc::clone(&self.handler);
                    let log = Arc::clone(&self.log);
                    // `thread::spawn` panics when the system cannot make another
                    // thread (memory, a process limit); the Builder says so in a
                    // Result instead. Then only this client is refused: dropping
                    // `stream` closes its connection, and the loop goes on.
                    let started = thread::Builder::new()
                        .name(format!("conversation with {peer}"))
                        .spawn(move || {
                            run_guarded(peer, &log, || {
                                handler.handle(stream, peer)
                            });
                        });
                    running.retain(|thread| !thread.is_finished());
                    match started {
                        Ok(conversation) => running.push(conversation),
                        Err(e) => (self.log)(&format!(
                            "{peer}: refused, cannot start a thread: {e}"
                        )),
                    }
                }
            }
        }
        drop(self.listener); // from here on, connecting is refused
        for conversation in running {
            let _ = conversation.join(); // its panic was caught and logged already
        }
        Ok(())
    }
    // ANCHOR_END: serve-forever
}
// ANCHOR_END: all
