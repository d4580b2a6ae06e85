// ANCHOR: all
//! Lesson 7's frames, decoded incrementally: bytes in, pieces of frames out.
//!
//! Lessons 7 to 9 read a frame with `read_exact`, which waits until the bytes
//! are there. An event loop cannot wait: it reads whatever has arrived (three
//! bytes, or half a header, or a header and a bit of body) and must keep those
//! bytes until the rest comes. [`Decoder`] is that memory. It is fed the bytes of
//! each read, in any pieces, and hands out a frame's parts as soon as each one is
//! complete:
//!
//! - [`Piece::Header`] once the 4-byte length and the whole JSON header are in;
//! - [`Piece::Body`] for every run of body bytes that has arrived, never more than
//!   the frame's `body_size`, so a file of gigabytes is never held whole.
//!
//! However the stream is cut, the pieces add up to the same frames: the tests
//! check that for every cut a property test can think of.

use std::marker::PhantomData;

use lesson_07::frame::{FrameError, MAX_HEADER_LEN, read_header};
use serde::de::DeserializeOwned;

/// A header that says how long its body is. Every header of lessons 7 and 8 has
/// a `body_size`; the decoder needs it to know where the body ends.
pub trait BodySize {
    fn body_size(&self) -> u64;
}

impl BodySize for lesson_07::frame::Header {
    fn body_size(&self) -> u64 {
        self.body_size
    }
}

impl BodySize for lesson_08::protocol::Request {
    fn body_size(&self) -> u64 {
        self.body_size
    }
}

impl BodySize for lesson_08::protocol::Reply {
    fn body_size(&self) -> u64 {
        self.body_size
    }
}

// ANCHOR: piece
/// One complete part of a frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<H> {
    /// A frame's header: its body (`body_size` bytes) comes next.
    Header(H),
    /// Some of the current frame's body, in order: all that had arrived, up to
    /// what is left of the body.
    Body(Vec<u8>),
}
// ANCHOR_END: piece

// ANCHOR: decoder
/// The read side of one connection: the bytes that arrived but do not make a
/// complete piece yet, and how much of the current body is still to come.
#[derive(Debug)]
pub struct Decoder<H> {
    /// What arrived and has not been handed out yet: at most a header that is
    /// still incomplete (up to 4 + 64 KiB), plus what one read added.
    buffer: Vec<u8>,
    /// How many bytes of the current frame's body have not been handed out.
    /// 0 between frames: the next bytes start a header.
    body_left: u64,
    /// The current frame's `body_size`, for the error if the stream ends in it.
    body_size: u64,
    /// The largest body accepted: checked before a byte of the body is taken.
    max_body: u64,
    header: PhantomData<fn() -> H>,
}

impl<H: DeserializeOwned + BodySize> Decoder<H> {
    pub fn new(max_body: u64) -> Decoder<H> {
        Decoder {
            buffer: Vec::new(),
            body_left: 0,
            body_size: 0,
            max_body,
            header: PhantomData,
        }
    }

    /// Keeps the bytes of one read. Nothing is decoded yet: [`Decoder::next_piece`]
    /// does that, when the caller is ready for the next piece.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete piece, or `None` if more bytes must arrive first.
    pub fn next_piece(&mut self) -> Result<Option<Piece<H>>, FrameError> {
        if self.body_left > 0 {
            return Ok(self.body());
        }
        // Between frames: the next bytes are a header's length, then the header.
        let Some(len) = self.buffer.get(..4) else {
            return Ok(None);
        };
        let len = u32::from_be_bytes(len.try_into().expect("4 bytes"));
        if len > MAX_HEADER_LEN {
            // Refused on the length alone: nothing of it is waited for.
            return Err(FrameError::HeaderTooLong(len));
        }
        let end = 4 + len as usize;
        if self.buffer.len() < end {
            return Ok(None); // the header is still on its way
        }
        // The whole header is here: lesson 7's own `read_header` reads it from
        // memory, with every check it makes on a socket.
        let header: H = read_header(&mut &self.buffer[..end])?
            .expect("the header's bytes are all there");
        let size = header.body_size();
        if size > self.max_body {
            return Err(FrameError::BodyTooLong {
                size,
                limit: self.max_body,
            });
        }
        self.consume(end);
        self.body_left = size;
        self.body_size = size;
        Ok(Some(Piece::Header(header)))
    }

    /// As much of the body as has arrived, if any.
    fn body(&mut self) -> Option<Piece<H>> {
        let n = self.body_left.min(self.buffer.len() as u64) as usize;
        if n == 0 {
            return None;
        }
        let bytes = self.buffer[..n].to_vec();
        self.consume(n);
        self.body_left -= n as u64;
        Some(Piece::Body(bytes))
    }

    /// Drops the first `n` bytes of the buffer. An empty buffer gives its memory
    /// back: ten thousand idle connections then hold no buffer at all.
    fn consume(&mut self, n: usize) {
        self.buffer.drain(..n);
        if self.buffer.is_empty() {
            self.buffer = Vec::new();
        }
    }

    /// Whether [`Decoder::next_piece`] has something to say without another
    /// byte: a complete header, body bytes, or a header length it refuses.
    pub fn has_piece(&self) -> bool {
        if self.body_left > 0 {
            return !self.buffer.is_empty();
        }
        match self.buffer.get(..4) {
            Some(len) => {
                let len = u32::from_be_bytes(len.try_into().expect("4 bytes"));
                len > MAX_HEADER_LEN || self.buffer.len() >= 4 + len as usize
            }
            None => false,
        }
    }

    /// How many bytes wait in the buffer: what the connection holds in memory.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Whether a frame has begun and not ended: the stream ending now would cut
    /// it. Between frames, an end of stream is the peer's clean goodbye.
    pub fn in_frame(&self) -> bool {
        self.body_left > 0 || !self.buffer.is_empty()
    }

    /// The error for a stream that ended now, inside a frame (lesson 7's words).
    pub fn truncated(&self) -> FrameError {
        if self.body_left > 0 {
            FrameError::Truncated {
                part: "body",
                expected: self.body_size,
            }
        } else if self.buffer.len() < 4 {
            FrameError::Truncated {
                part: "header length",
                expected: 4,
            }
        } else {
            let len = u32::from_be_bytes(self.buffer[..4].try_into().expect("4"));
            FrameError::Truncated {
                part: "header",
                expected: len.into(),
            }
        }
    }
}
// ANCHOR_END: decoder
// ANCHOR_END: all
