// ANCHOR: all
//! The codec on its own, without sockets, driven the way `FramedRead` drives
//! it: bytes appended to a buffer, `decode` called until it says "not yet",
//! `decode_eof` at the end. Fed a stream cut in any way, it hands out the
//! frames lesson 7 wrote, in the same pieces; it refuses what lesson 7
//! refuses; and beside it, tokio-util's own `LengthDelimitedCodec` reads
//! lesson 7's header, but not its body.

use lesson_07::frame::{
    Frame, FrameError, Header, MAX_HEADER_LEN, frame_bytes, write_frame,
};
use lesson_08::transfer::CHUNK;
use lesson_13::codec::{FrameCodec, Piece};
use proptest::prelude::*;
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Decoder, LengthDelimitedCodec};
use workbook_harness::pretty_assertions::assert_eq;

const MAX_BODY: u64 = 1 << 20;

fn encode(frames: &[Frame]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for frame in frames {
        write_frame(&mut bytes, &frame.header, &frame.body).unwrap();
    }
    bytes
}

/// Feeds `bytes` to the codec in pieces of the given sizes (cycled), as
/// `FramedRead` does after each read, and puts the pieces back together into
/// frames. Every body piece must be a whole chunk, or the rest of its body.
fn decode_in_chunks(
    bytes: &[u8],
    sizes: &[usize],
) -> Result<Vec<Frame>, FrameError> {
    let mut codec = FrameCodec::<Header>::new(MAX_BODY);
    let mut buffer = BytesMut::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut left_in_body = 0u64;
    let mut take = |piece: Piece<Header>, frames: &mut Vec<Frame>| match piece {
        Piece::Header(header) => {
            assert_eq!(left_in_body, 0, "a header inside a body");
            left_in_body = header.body_size;
            frames.push(Frame {
                header,
                body: Vec::new(),
            });
        }
        Piece::Body(body) => {
            let chunk = left_in_body.min(CHUNK as u64) as usize;
            assert_eq!(body.len(), chunk, "a body piece is a chunk or the rest");
            left_in_body -= body.len() as u64;
            frames.last_mut().unwrap().body.extend_from_slice(&body);
        }
    };
    let mut at = 0;
    let mut turn = 0;
    while at < bytes.len() {
        let size = sizes[turn % sizes.len()].max(1);
        turn += 1;
        let end = (at + size).min(bytes.len());
        buffer.extend_from_slice(&bytes[at..end]);
        at = end;
        while let Some(piece) = codec.decode(&mut buffer)? {
            take(piece, &mut frames);
        }
    }
    while let Some(piece) = codec.decode_eof(&mut buffer)? {
        take(piece, &mut frames);
    }
    Ok(frames)
}

fn frame_strategy() -> impl Strategy<Value = Frame> {
    (
        proptest::collection::vec(any::<u8>(), 0..300),
        proptest::option::of(any::<i32>()),
        proptest::collection::vec("[a-z ]{0,12}", 0..3),
    )
        .prop_map(|(body, exit_code, notes)| Frame {
            header: Header {
                body_size: body.len() as u64,
                exit_code,
                notes,
                error: None,
            },
            body,
        })
}

/// A frame whose body is several chunks long (and not a whole number of them).
fn big_frame() -> Frame {
    let body: Vec<u8> = (0..3 * CHUNK + 123).map(|i| (i % 251) as u8).collect();
    Frame {
        header: Header {
            body_size: body.len() as u64,
            ..Header::default()
        },
        body,
    }
}

proptest! {
    /// However the stream is cut into reads, the codec hands out the frames
    /// that were sent, byte for byte.
    #[test]
    fn any_chunking_gives_the_same_frames(
        frames in proptest::collection::vec(frame_strategy(), 0..8),
        sizes in proptest::collection::vec(1usize..64, 1..16),
    ) {
        let bytes = encode(&frames);
        prop_assert_eq!(decode_in_chunks(&bytes, &sizes).unwrap(), frames);
    }

    /// A body of several chunks, cut into reads of any sizes, comes out in the
    /// same chunks (the helper checks each piece's size).
    #[test]
    fn a_long_body_comes_out_in_whole_chunks(
        sizes in proptest::collection::vec(1usize..100_000, 1..8),
    ) {
        let frames = vec![big_frame(), big_frame()];
        let bytes = encode(&frames);
        prop_assert_eq!(decode_in_chunks(&bytes, &sizes).unwrap(), frames);
    }

    /// A stream cut anywhere inside a frame ends with lesson 7's error for
    /// it; cut between frames, it ends cleanly.
    #[test]
    fn a_cut_stream_is_noticed(
        frames in proptest::collection::vec(frame_strategy(), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let bytes = encode(&frames);
        let cut = cut.index(bytes.len());
        let mut boundaries = vec![0];
        for frame in &frames {
            let last = *boundaries.last().unwrap();
            boundaries.push(last + encode(std::slice::from_ref(frame)).len());
        }
        let result = decode_in_chunks(&bytes[..cut], &[7]);
        if boundaries.contains(&cut) {
            prop_assert!(result.is_ok());
        } else {
            let error = result.unwrap_err().to_string();
            let expected = "the stream ended inside a frame";
            prop_assert!(error.starts_with(expected), "{}", error);
        }
    }
}

/// A header length above the limit is refused on its 4 bytes alone: the codec
/// does not wait for (or keep) the gigabytes a hostile peer announces.
#[test]
fn a_huge_header_length_is_refused_before_it_arrives() {
    let mut codec = FrameCodec::<Header>::new(MAX_BODY);
    let mut buffer = BytesMut::from(&(MAX_HEADER_LEN + 1).to_be_bytes()[..]);
    let error = codec.decode(&mut buffer).unwrap_err();
    assert!(matches!(error, FrameError::HeaderTooLong(_)), "{error}");
}

/// A body above the limit is refused at its header, before any of it is taken.
#[test]
fn a_body_over_the_limit_is_refused_at_the_header() {
    let mut codec = FrameCodec::<Header>::new(10);
    let mut buffer = BytesMut::from(&frame_bytes(r#"{"body_size":11}"#, b"")[..]);
    let error = codec.decode(&mut buffer).unwrap_err();
    assert_eq!(
        error.to_string(),
        "body size 11 is above the limit of 10 bytes"
    );
}

/// The header checks are lesson 7's own: a JSON array is not a header.
#[test]
fn a_header_that_is_not_an_object_is_refused() {
    let mut codec = FrameCodec::<Header>::new(MAX_BODY);
    let mut buffer = BytesMut::from(&frame_bytes("[0]", b"")[..]);
    let error = codec.decode(&mut buffer).unwrap_err();
    assert!(matches!(error, FrameError::BadHeader(_)), "{error}");
}

// ANCHOR: length-delimited
/// tokio-util's `LengthDelimitedCodec` reads a 4-byte big-endian length and
/// then that many bytes: lesson 7's header, out of the box, with a limit on
/// the length like lesson 7's. The body's length is inside the JSON, which
/// it does not read: it takes the body's first bytes for the next length.
#[test]
fn length_delimited_codec_reads_lesson_7s_header_but_not_its_body() {
    let mut codec = LengthDelimitedCodec::builder()
        .max_frame_length(MAX_HEADER_LEN as usize)
        .new_codec();
    let mut buffer =
        BytesMut::from(&frame_bytes(r#"{"body_size":5}"#, b"hello")[..]);
    let header = codec.decode(&mut buffer).unwrap().unwrap();
    assert_eq!(&header[..], br#"{"body_size":5}"#);
    // "hell" as a length: 1,751,477,356 bytes, above the limit.
    let error = codec.decode(&mut buffer).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData, "{error}");
}
// ANCHOR_END: length-delimited
// ANCHOR_END: all
