// ANCHOR: all
//! Lesson 9: a small framework with the shape of Python's `socketserver`.
//!
//! A TCP server has two loops. The *connection loop* accepts clients; the
//! *conversation* talks with one of them. Lessons 1 to 8 wrote both in every
//! server. Here the connection loop is written once, in [`tcp::TcpServer`], and a
//! server is just its conversation: a [`Handler`].
//!
//! | Python `socketserver`             | here                                   |
//! |-----------------------------------|----------------------------------------|
//! | `BaseRequestHandler.handle(self)` | [`Handler::handle`], or any closure    |
//! | `TCPServer(addr, Handler)`        | `TcpServer::bind(addr, handler, mode)` |
//! | `ThreadingMixIn`                  | [`Mode::ThreadPerConnection`]          |
//! | `serve_forever()` / `shutdown()`  | the same names                         |
//! | `UDPServer`                       | [`udp::UdpServer`]                     |

use std::any::Any;
use std::net::{SocketAddr, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

pub mod tcp;
pub mod udp;

/// What a handler returns: any error, which the server logs.
pub type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

// ANCHOR: handler
/// One conversation with one client. The server calls `handle` once per connection,
/// maybe on several threads at once: hence `Send + Sync`, and `&self` (shared state
/// lives behind a `Mutex` or an atomic, where the compiler can see it).
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, stream: TcpStream, peer: SocketAddr) -> HandlerResult;
}

/// Any function or closure with the right signature is a handler.
impl<F> Handler for F
where
    F: Fn(TcpStream, SocketAddr) -> HandlerResult + Send + Sync + 'static,
{
    fn handle(&self, stream: TcpStream, peer: SocketAddr) -> HandlerResult {
        self(stream, peer)
    }
}
// ANCHOR_END: handler

// ANCHOR: mode
/// How a TCP server runs its conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One at a time, on the accepting thread: the next client waits in the
    /// backlog (lesson 4). Python's plain `TCPServer`.
    Sequential,
    /// Each conversation on a thread of its own. Python's `ThreadingMixIn`.
    ThreadPerConnection,
}
// ANCHOR_END: mode

/// Where the servers report a handler's error or panic. By default a line on
/// standard output; tests collect the lines instead.
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

pub fn print_log() -> Log {
    Arc::new(|line: &str| println!("{line}"))
}

// ANCHOR: run-handler
/// Runs one handler call. An error or a panic is logged, and goes no further:
/// one client's trouble never takes the server down.
pub(crate) fn run_guarded(
    peer: SocketAddr,
    log: &Log,
    call: impl FnOnce() -> HandlerResult,
) {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => log(&format!("{peer}: handler failed: {e}")),
        Err(panic) => log(&format!(
            "{peer}: handler panicked: {}",
            panic_message(&panic)
        )),
    }
}
// ANCHOR_END: run-handler

/// The text of a panic, when it has one (`panic!("…")` makes a `&str` or a
/// `String`).
fn panic_message(panic: &Box<dyn Any + Send>) -> &str {
    if let Some(text) = panic.downcast_ref::<&str>() {
        text
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text
    } else {
        "no message"
    }
}
// ANCHOR_END: all
