// ANCHOR: all
//! Cancellation safety: what happens to a future that loses a `select!`.
//!
//! `tokio::select!` polls several futures and runs the branch of the first
//! that completes. The others are *dropped*, halfway through whatever they
//! were doing. For a timer that is nothing. For a read it can be everything:
//! the bytes it had already taken from the socket were in its own local
//! variables, and they are gone. The socket does not give them back.
//!
//! Both functions below wait for the next header while a timer ticks (a
//! server that wakes every second to look at a stop flag, or to log that it is
//! still waiting, has this shape). The first reads with `read_exact`; the
//! second with a `FramedRead`, whose buffer outlives each call.

use std::time::Duration;

use futures_util::StreamExt;
use lesson_07::frame::{FrameError, MAX_HEADER_LEN, read_header, truncated};
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::time::sleep;
use tokio_util::codec::FramedRead;

use crate::codec::{BodySize, FrameCodec, Piece};

// ANCHOR: lossy
/// The pitfall: `read_header_exact` in a `select!` with a timer. When the
/// timer wins in the middle of a header, the header's first bytes are lost,
/// and the next call reads the stream from the middle of a frame.
pub async fn next_header_lossy<H: DeserializeOwned>(
    input: &mut (impl AsyncRead + Unpin),
    tick: Duration,
) -> Result<Option<H>, FrameError> {
    loop {
        tokio::select! {
            header = read_header_exact(input) => return header,
            () = sleep(tick) => {} // look at a stop flag, say; then wait again
        }
    }
}

/// Lesson 7's `read_header` with tokio's `read_exact`: correct on its own.
async fn read_header_exact<H: DeserializeOwned>(
    input: &mut (impl AsyncRead + Unpin),
) -> Result<Option<H>, FrameError> {
    let mut frame = vec![0u8; 4];
    match input.read_exact(&mut frame).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_be_bytes(frame[..4].try_into().expect("4 bytes"));
    if len > MAX_HEADER_LEN {
        return Err(FrameError::HeaderTooLong(len));
    }
    frame.resize(4 + len as usize, 0);
    input
        .read_exact(&mut frame[4..])
        .await
        .map_err(|e| truncated(e, "header", len.into()))?;
    read_header(&mut &frame[..])
}
// ANCHOR_END: lossy

// ANCHOR: kept
/// The fix: the same loop around a `FramedRead`. `next()` keeps what it read
/// in the `FramedRead`'s buffer, so the call after a lost race goes on where
/// the last one stopped. tokio's documentation lists which calls have this
/// property ("cancellation safe") and which, like `read_exact`, do not.
pub async fn next_header_kept<R, H>(
    input: &mut FramedRead<R, FrameCodec<H>>,
    tick: Duration,
) -> Result<Option<H>, FrameError>
where
    R: AsyncRead + Unpin,
    H: DeserializeOwned + BodySize,
{
    loop {
        tokio::select! {
            piece = input.next() => return match piece.transpose()? {
                Some(Piece::Header(header)) => Ok(Some(header)),
                Some(Piece::Body(_)) => unreachable!("called between frames"),
                None => Ok(None),
            },
            () = sleep(tick) => {} // the same stop flag; nothing is lost
        }
    }
}
// ANCHOR_END: kept
// ANCHOR_END: all
