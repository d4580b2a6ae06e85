// ANCHOR: all
//! Cancellation safety, proved on tokio's paused clock: a header arrives in
//! two parts, 2.5 s apart, while the reader wakes every second. Time moves
//! only when every task waits, so the timer wins in the middle of the header
//! on every run, at the same byte.

use std::time::Duration;

use lesson_07::frame::{FrameError, frame_bytes};
use lesson_08::protocol::Request;
use lesson_13::cancel::{next_header_kept, next_header_lossy};
use lesson_13::codec::FrameCodec;
use tokio::io::{AsyncWriteExt, DuplexStream, duplex};
use tokio::time::sleep;
use tokio_util::codec::FramedRead;

/// Where the header is cut: its 4-byte length and the first 6 bytes of JSON.
const CUT: usize = 10;
/// How often the reader's timer wakes it.
const TICK: Duration = Duration::from_secs(1);

const JSON: &str = r#"{"body_size":0,"command":"get","name":"welcome.txt"}"#;

/// A peer on a slow network: the first `CUT` bytes of a get's header now, the
/// rest 2.5 s later (a time no tick falls on: the reader's ticks are at 1, 2
/// and 3 s). Returns the reader's end of the connection.
fn slow_peer() -> DuplexStream {
    let (mut peer, ours) = duplex(1024);
    tokio::spawn(async move {
        let bytes = frame_bytes(JSON, b"");
        peer.write_all(&bytes[..CUT]).await.unwrap();
        // The peer's pace, in the paused clock's time: not a wait for anything.
        sleep(Duration::from_millis(2_500)).await;
        peer.write_all(&bytes[CUT..]).await.unwrap();
        // Kept open until the reader is done: an end of stream would be
        // another story.
        std::future::pending::<()>().await;
    });
    ours
}

// ANCHOR: lossy
/// The pitfall: `read_exact` inside `select!` loses the 10 bytes it had read
/// when the timer wins at 1 s. The next call takes the middle of the JSON,
/// `_siz`, for a header's length: 1,601,399,162 bytes, which lesson 7 refuses.
#[tokio::test(start_paused = true)]
async fn read_exact_in_a_select_loses_the_bytes_it_had_read() {
    let mut input = slow_peer();
    let result = next_header_lossy::<Request>(&mut input, TICK).await;
    let garbled = u32::from_be_bytes(*b"_siz");
    assert_eq!(&frame_bytes(JSON, b"")[CUT..CUT + 4], b"_siz");
    match result {
        Err(FrameError::HeaderTooLong(len)) => assert_eq!(len, garbled),
        other => panic!("expected a garbled header length, got {other:?}"),
    }
}
// ANCHOR_END: lossy

// ANCHOR: kept
/// The fix: the same loop around a `FramedRead` gets the request whole. The
/// timer wins twice while the header is incomplete; the bytes wait in the
/// `FramedRead`'s buffer each time.
#[tokio::test(start_paused = true)]
async fn a_framed_read_in_a_select_keeps_the_bytes_it_had_read() {
    let mut input = FramedRead::new(slow_peer(), FrameCodec::<Request>::new(0));
    let started = tokio::time::Instant::now();
    let request = next_header_kept(&mut input, TICK).await.unwrap();
    assert_eq!(request, Some(Request::get("welcome.txt")));
    // Proof that the timer did win in between: the header was whole only
    // when the rest arrived, at 2.5 s.
    assert_eq!(started.elapsed(), Duration::from_millis(2_500));
}
// ANCHOR_END: kept
// ANCHOR_END: all
