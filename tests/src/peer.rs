//! The other end of a connection, played by a test. Every wait has a deadline, so a
//! program under test that never connects, or never sends, fails the test instead
//! of hanging it.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use crate::process::{Proc, TIMEOUT};

/// A loopback listener on an ephemeral port whose `accept` gives up at a deadline.
#[derive(Debug)]
pub struct TestListener {
    listener: TcpListener,
}

impl TestListener {
    /// Listens on 127.0.0.1 on a port the kernel picks.
    pub fn bind() -> TestListener {
        let listener =
            TcpListener::bind("127.0.0.1:0").expect("can listen on loopback");
        listener
            .set_nonblocking(true)
            .expect("can make the listener non-blocking");
        TestListener { listener }
    }

    /// The address to give the program under test.
    pub fn addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Waits for the next connection. The stream it returns is blocking again, with
    /// read and write timeouts, so a silent peer fails the test instead of hanging it.
    /// `program` is the process expected to connect: if it exits first, the test
    /// fails at once with everything it printed (a `todo!()` panic, say).
    #[track_caller]
    pub fn accept(&self, program: &mut Proc) -> (TcpStream, SocketAddr) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.listener.accept() {
                Ok((stream, peer)) => {
                    stream
                        .set_nonblocking(false)
                        .expect("can make the stream blocking");
                    return (with_deadlines(stream), peer);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if program.has_exited() {
                        program.fail("exited without connecting");
                    }
                    if Instant::now() > deadline {
                        program
                            .fail(&format!("did not connect within {TIMEOUT:?}"));
                    }
                    thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("accept failed: {e}"),
            }
        }
    }
}

/// A loopback address where nothing listens: connecting to it is refused.
pub fn refused_addr() -> SocketAddr {
    // Bind a port, then free it by dropping the listener.
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("can bind loopback")
}

/// Connects to `addr` with read and write timeouts set.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT)
        .unwrap_or_else(|e| panic!("cannot connect to {addr}: {e}"));
    with_deadlines(stream)
}

/// Sets read and write timeouts, so a silent peer fails the test instead of hanging it.
fn with_deadlines(stream: TcpStream) -> TcpStream {
    stream
        .set_read_timeout(Some(TIMEOUT))
        .expect("can set a read timeout");
    stream
        .set_write_timeout(Some(TIMEOUT))
        .expect("can set a write timeout");
    stream
}
