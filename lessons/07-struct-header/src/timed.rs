// ANCHOR: all
//! Time limits on a connection. A server that reads from strangers must not wait
//! for them forever: a peer can stop sending, stop reading, or send one byte
//! every second so that no single read ever waits long.
//!
//! [`TimedStream`] is a `TcpStream` with two limits:
//!
//! - **idle**: every read and every write must make progress within `idle`. A
//!   peer that neither sends nor reads for that long is cut off, in the middle of
//!   a file too.
//! - **a deadline** for a whole request: while it is set, the bytes must all have
//!   arrived by then, however the peer spaces them. Restarting the clock on every
//!   byte is not enough: one byte every `idle - 1` seconds would hold the
//!   connection forever. Web servers bound a request's header the same way.
//!
//! When a limit passes, the error says which, in words ("no data for 300 s"),
//! instead of the operating system's `Resource temporarily unavailable`. The
//! caller then closes the connection, which frees everything it held.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

// ANCHOR: timed-stream
/// A connection whose reads and writes give up after a time. Read and write it
/// like the `TcpStream` it wraps; clone it with [`TimedStream::try_clone`] for a
/// reader and a writer on one connection.
#[derive(Debug)]
pub struct TimedStream {
    stream: TcpStream,
    idle: Duration,
    /// While set: the moment reads fail, and the limit it came from.
    deadline: Option<(Instant, Duration)>,
}

impl TimedStream {
    pub fn new(stream: TcpStream, idle: Duration) -> io::Result<TimedStream> {
        // The kernel enforces the write limit: a `write` that finds the peer's
        // window full waits at most `idle` for room (SO_SNDTIMEO).
        stream.set_write_timeout(Some(idle))?;
        Ok(TimedStream {
            stream,
            idle,
            deadline: None,
        })
    }

    /// A second handle on the same connection, with the same limits.
    pub fn try_clone(&self) -> io::Result<TimedStream> {
        Ok(TimedStream {
            stream: self.stream.try_clone()?,
            idle: self.idle,
            deadline: self.deadline,
        })
    }

    /// From now on, reads must all be done within `limit`, until
    /// [`TimedStream::clear_deadline`].
    pub fn set_deadline(&mut self, limit: Duration) {
        self.deadline = Some((Instant::now() + limit, limit));
    }

    pub fn clear_deadline(&mut self) {
        self.deadline = None;
    }
}

impl Read for TimedStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Wait for the idle limit, or for what is left until the deadline.
        let wait = match self.deadline {
            None => self.idle,
            Some((deadline, _)) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(self.timed_out());
                }
                left.min(self.idle)
            }
        };
        self.stream.set_read_timeout(Some(wait))?;
        match self.stream.read(buf) {
            Err(e) if is_timeout(&e) => Err(self.timed_out()),
            other => other,
        }
    }
}

impl Write for TimedStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.stream.write(buf) {
            Err(e) if is_timeout(&e) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the peer read nothing for {}", seconds(self.idle)),
            )),
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}
// ANCHOR_END: timed-stream

impl TimedStream {
    /// The error for a read that ran out of time, saying which limit it was.
    fn timed_out(&self) -> io::Error {
        let what = match self.deadline {
            Some((_, limit)) => {
                format!("no complete request within {}", seconds(limit))
            }
            None => format!("no data for {}", seconds(self.idle)),
        };
        io::Error::new(io::ErrorKind::TimedOut, what)
    }
}

/// A socket timeout shows up as `WouldBlock` on Unix (EAGAIN) and as `TimedOut`
/// on Windows (WSAETIMEDOUT).
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// `300 s`, or `0.5 s` for the short limits tests use.
fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}
// ANCHOR_END: all
