//! Transfers over loopback: how the size of each `read` and `write` sets the
//! throughput, and what `BufWriter`/`BufReader` do for small framed messages.
//!
//! The system calls are counted, not guessed: both sides go through
//! [`Counted`], which counts every `read` and `write` it passes on. On a
//! `TcpStream` each of those is exactly one system call (`recvfrom` or
//! `sendto` on Linux); `flush` on a socket does nothing and is not counted.

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::Instant;

use crate::stats::{self, Spread};

// ANCHOR: counted
/// A stream that counts the calls that reach it: each is one system call.
struct Counted<S> {
    inner: S,
    calls: u64,
}

impl<S> Counted<S> {
    fn new(inner: S) -> Counted<S> {
        Counted { inner, calls: 0 }
    }
}

impl<S: Read> Read for Counted<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        self.inner.read(buf)
    }
}

impl<S: Write> Write for Counted<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
// ANCHOR_END: counted

/// One buffer size measured.
#[derive(Debug, Clone)]
pub struct BufferRow {
    pub buffer: usize,
    pub mib_per_s: Spread,
    /// System calls per MiB moved: the sender's writes, the receiver's reads.
    pub writes_per_mib: f64,
    pub reads_per_mib: f64,
}

/// One way of framing measured.
#[derive(Debug, Clone)]
pub struct FramedRow {
    pub how: &'static str,
    pub messages_per_s: Spread,
    pub writes_per_message: f64,
    pub reads_per_message: f64,
}

/// The buffer sizes: 1 KiB to 1 MiB, by fours.
const BUFFERS: [usize; 6] =
    [1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20];

/// A framed message's body: lesson 7's frames carry a small header like this.
const BODY: usize = 100;

pub fn run(quick: bool) -> Result<(Vec<BufferRow>, Vec<FramedRow>), String> {
    let runs = if quick { 1 } else { 5 };
    println!("== Transfers over loopback: the size of each read and write");
    let total: usize = if quick { 4 << 20 } else { 256 << 20 };
    println!(
        "{} MiB each way, a warm-up and {runs} run{} per size",
        total >> 20,
        if runs == 1 { "" } else { "s" }
    );
    print!("{}", buffer_header());
    let sizes: &[usize] = if quick { &[1 << 10, 1 << 20] } else { &BUFFERS };
    let mut buffers = Vec::new();
    for &buffer in sizes {
        let mut rates = Vec::new();
        let mut calls = (0, 0);
        for run in 0..=runs {
            let (seconds, writes, reads) =
                stream(buffer, total).map_err(|e| format!("transfer: {e}"))?;
            if run > 0 {
                rates.push(total as f64 / (1 << 20) as f64 / seconds);
                calls = (writes, reads);
            }
        }
        let mib = (total >> 20) as f64;
        let row = BufferRow {
            buffer,
            mib_per_s: Spread::of(&rates),
            writes_per_mib: calls.0 as f64 / mib,
            reads_per_mib: calls.1 as f64 / mib,
        };
        println!("{}", buffer_line(&row));
        buffers.push(row);
    }

    let messages = if quick { 2_000 } else { 200_000 };
    println!(
        "\n== Framed messages: a 4-byte length and {BODY} bytes, one way\n\
         {} of them unbuffered, ten times as many buffered",
        stats::thousands(messages)
    );
    print!("{}", framed_header());
    let mut framed = Vec::new();
    for buffered in [false, true] {
        // Buffered is so much faster that it gets ten times the messages, so
        // that a run lasts long enough to time.
        let messages = if buffered { messages * 10 } else { messages };
        let mut rates = Vec::new();
        let mut calls = (0, 0);
        for run in 0..=runs {
            let (seconds, writes, reads) = frames(buffered, messages)
                .map_err(|e| format!("framed messages: {e}"))?;
            if run > 0 {
                rates.push(messages as f64 / seconds);
                calls = (writes, reads);
            }
        }
        let row = FramedRow {
            how: if buffered {
                "BufWriter and BufReader"
            } else {
                "write and read_exact"
            },
            messages_per_s: Spread::of(&rates),
            writes_per_message: calls.0 as f64 / messages as f64,
            reads_per_message: calls.1 as f64 / messages as f64,
        };
        println!("{}", framed_line(&row));
        framed.push(row);
    }
    println!();
    Ok((buffers, framed))
}

pub fn buffer_header() -> String {
    format!(
        "{:>8} {:>16} {:>12} {:>11}\n",
        "buffer", "MiB/s", "writes/MiB", "reads/MiB"
    )
}

pub fn buffer_line(row: &BufferRow) -> String {
    format!(
        "{:>8} {:>16} {:>12} {:>11}",
        size(row.buffer),
        row.mib_per_s.show(0),
        stats::number(row.writes_per_mib, 1),
        stats::number(row.reads_per_mib, 1)
    )
}

pub fn framed_header() -> String {
    format!(
        "{:<24} {:>18} {:>10} {:>10}\n",
        "", "messages/s", "writes/msg", "reads/msg"
    )
}

pub fn framed_line(row: &FramedRow) -> String {
    format!(
        "{:<24} {:>18} {:>10.3} {:>10.3}",
        row.how,
        row.messages_per_s.show(0),
        row.writes_per_message,
        row.reads_per_message
    )
}

/// `1 KiB`, `64 KiB`, `1 MiB`.
pub fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

/// A connected pair on loopback: (the sender's end, the receiver's end).
fn pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let sender = TcpStream::connect(listener.local_addr()?)?;
    let (receiver, _) = listener.accept()?;
    Ok((sender, receiver))
}

/// Sends `total` bytes in writes of `buffer` bytes, read in reads of `buffer`
/// bytes on another thread. Returns the seconds from the first write to the
/// receiver's end of file, and the calls each side made.
fn stream(buffer: usize, total: usize) -> io::Result<(f64, u64, u64)> {
    let (sender, receiver) = pair()?;
    let reading = thread::spawn(move || -> io::Result<(u64, usize)> {
        let mut receiver = Counted::new(receiver);
        let mut chunk = vec![0u8; buffer];
        let mut got = 0;
        loop {
            match receiver.read(&mut chunk)? {
                0 => return Ok((receiver.calls, got)),
                n => got += n,
            }
        }
    });
    let started = Instant::now();
    let mut sender = Counted::new(sender);
    let chunk = vec![0x5a_u8; buffer];
    let mut sent = 0;
    while sent < total {
        let n = buffer.min(total - sent);
        sender.write_all(&chunk[..n])?;
        sent += n;
    }
    sender.inner.shutdown(Shutdown::Write)?; // the receiver's end of file
    let (reads, got) =
        reading.join().map_err(|_| io::Error::other("panicked"))??;
    let seconds = started.elapsed().as_secs_f64();
    if got != total {
        return Err(io::Error::other(format!("{got} bytes of {total} arrived")));
    }
    Ok((seconds, sender.calls, reads))
}

/// Sends `count` frames (a 4-byte big-endian length, then the body), written
/// as two `write_all`s each, read with two `read_exact`s each: straight on the
/// socket, or through a `BufWriter` and a `BufReader` (8 KiB each, the
/// default). Returns the seconds and the calls each side made.
fn frames(buffered: bool, count: usize) -> io::Result<(f64, u64, u64)> {
    let (sender, receiver) = pair()?;
    // Nagle's algorithm off (lesson 6): every write goes out at once, so the
    // count of writes is what the network sees, with no 40 ms waits.
    sender.set_nodelay(true)?;
    let reading = thread::spawn(move || -> io::Result<u64> {
        let counted = Counted::new(receiver);
        if buffered {
            let mut reader = BufReader::new(counted);
            read_frames(&mut reader, count)?;
            Ok(reader.get_ref().calls)
        } else {
            let mut reader = counted;
            read_frames(&mut reader, count)?;
            Ok(reader.calls)
        }
    });
    let started = Instant::now();
    let body = [b'x'; BODY];
    let counted = Counted::new(sender);
    let writes = if buffered {
        let mut writer = BufWriter::new(counted);
        write_frames(&mut writer, &body, count)?;
        writer.flush()?;
        writer.get_ref().calls
    } else {
        let mut writer = counted;
        write_frames(&mut writer, &body, count)?;
        writer.calls
    };
    let reads = reading.join().map_err(|_| io::Error::other("panicked"))??;
    Ok((started.elapsed().as_secs_f64(), writes, reads))
}

fn write_frames(out: &mut impl Write, body: &[u8], count: usize) -> io::Result<()> {
    let header = (body.len() as u32).to_be_bytes();
    for _ in 0..count {
        out.write_all(&header)?;
        out.write_all(body)?;
    }
    Ok(())
}

fn read_frames(input: &mut impl Read, count: usize) -> io::Result<()> {
    let mut body = vec![0u8; 1 << 16];
    for _ in 0..count {
        let mut header = [0u8; 4];
        input.read_exact(&mut header)?;
        let len = u32::from_be_bytes(header) as usize;
        input.read_exact(&mut body[..len])?;
    }
    Ok(())
}
