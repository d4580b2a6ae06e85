// ANCHOR: all
//! Lesson 7's frames as a tokio-util [`Decoder`]: the read side of a
//! connection that keeps what it has read, whatever happens to the code that
//! asked for it.
//!
//! Lesson 12's `Decoder` was fed by hand: read some bytes, feed them, ask for
//! pieces. tokio-util's [`FramedRead`](tokio_util::codec::FramedRead) does the
//! feeding: it owns a buffer, reads into it when the decoder says "not yet"
//! (`Ok(None)`), and asks again. What is left to write is only the part that
//! knows the format, [`Decoder::decode`]: given the bytes that arrived so far,
//! is there a complete piece at the front?
//!
//! The buffer belongs to the `FramedRead`, not to a call: a call to `next()`
//! that is abandoned halfway (a timer won a `select!`) leaves the bytes it read
//! in the buffer for the next call. That is what makes it the fix of this
//! lesson's first pitfall (see [`crate::cancel`]).

use std::marker::PhantomData;

use lesson_07::frame::{FrameError, MAX_HEADER_LEN, read_header};
use lesson_08::transfer::CHUNK;
use serde::de::DeserializeOwned;
use tokio_util::bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

/// A header that says how long its body is: every header of lessons 7 and 8.
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
    /// The next chunk of the current frame's body: [`CHUNK`] bytes, or what
    /// is left of the body if that is less. However the stream was cut, a
    /// body comes out in the same chunks, as lesson 8's `read_exact` reads it.
    Body(BytesMut),
}
// ANCHOR_END: piece

// ANCHOR: codec
/// What the decoder remembers between two calls: only where it is in a
/// frame. The bytes themselves wait in the `FramedRead`'s buffer.
#[derive(Debug)]
pub struct FrameCodec<H> {
    /// How many bytes of the current frame's body are still to come; 0
    /// between frames, where the next bytes start a header.
    body_left: u64,
    /// The current frame's `body_size`, for the error if the stream ends in it.
    body_size: u64,
    /// The largest body accepted: checked on the header, before any of it.
    max_body: u64,
    header: PhantomData<fn() -> H>,
}

impl<H> FrameCodec<H> {
    pub fn new(max_body: u64) -> FrameCodec<H> {
        FrameCodec {
            body_left: 0,
            body_size: 0,
            max_body,
            header: PhantomData,
        }
    }
}

impl<H: DeserializeOwned + BodySize> Decoder for FrameCodec<H> {
    type Item = Piece<H>;
    type Error = FrameError;

    fn decode(
        &mut self,
        src: &mut BytesMut,
    ) -> Result<Option<Piece<H>>, FrameError> {
        if self.body_left > 0 {
            // A chunk of body, once all of it is here: never past the frame.
            let want = self.body_left.min(CHUNK as u64) as usize;
            if src.len() < want {
                src.reserve(want - src.len()); // room for the rest to arrive
                return Ok(None);
            }
            self.body_left -= want as u64;
            return Ok(Some(Piece::Body(src.split_to(want))));
        }
        // Between frames: the header's length, then the header.
        let Some(len) = src.get(..4) else {
            return Ok(None);
        };
        let len = u32::from_be_bytes(len.try_into().expect("4 bytes"));
        if len > MAX_HEADER_LEN {
            // Refused on the length alone: nothing is waited for or kept.
            return Err(FrameError::HeaderTooLong(len));
        }
        let end = 4 + len as usize;
        if src.len() < end {
            src.reserve(end - src.len());
            return Ok(None);
        }
        // The whole header is here: lesson 7's `read_header` reads it from
        // memory, with every check it makes on a socket.
        let header: H = read_header(&mut &src[..end])?
            .expect("the header's bytes are all there");
        let size = header.body_size();
        if size > self.max_body {
            return Err(FrameError::BodyTooLong {
                size,
                limit: self.max_body,
            });
        }
        src.advance(end);
        self.body_left = size;
        self.body_size = size;
        Ok(Some(Piece::Header(header)))
    }

    /// The stream has ended. Between frames that is the peer's goodbye
    /// (`None`); inside a frame, lesson 7's error for a frame cut short.
    fn decode_eof(
        &mut self,
        src: &mut BytesMut,
    ) -> Result<Option<Piece<H>>, FrameError> {
        if let Some(piece) = self.decode(src)? {
            return Ok(Some(piece));
        }
        let part = if self.body_left > 0 {
            ("body", self.body_size)
        } else if src.is_empty() {
            return Ok(None);
        } else if src.len() < 4 {
            ("header length", 4)
        } else {
            let len = u32::from_be_bytes(src[..4].try_into().expect("4 bytes"));
            ("header", len.into())
        };
        Err(FrameError::Truncated {
            part: part.0,
            expected: part.1,
        })
    }
}
// ANCHOR_END: codec
// ANCHOR_END: all
