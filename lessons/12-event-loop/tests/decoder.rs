//! The incremental decoder on its own, without sockets: fed a stream cut in any
//! way, it hands out the same frames lesson 7's blocking `read_frame` reads; it
//! refuses what lesson 7 refuses, as early; and it never hands out a byte past a
//! frame's body.

use lesson_07::frame::{
    Frame, FrameError, Header, MAX_HEADER_LEN, frame_bytes, write_frame,
};
use lesson_12::decoder::{Decoder, Piece};
use proptest::prelude::*;
use workbook_harness::pretty_assertions::assert_eq;

const MAX_BODY: u64 = 1 << 20;

fn encode(frames: &[Frame]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for frame in frames {
        write_frame(&mut bytes, &frame.header, &frame.body).unwrap();
    }
    bytes
}

/// Feeds `bytes` to a decoder in pieces of the given sizes (cycled), taking
/// every complete piece after each feed, as the event loop does after each read;
/// then puts the pieces back together into frames.
fn decode_in_chunks(
    bytes: &[u8],
    sizes: &[usize],
) -> Result<Vec<Frame>, FrameError> {
    let mut decoder = Decoder::<Header>::new(MAX_BODY);
    let mut frames: Vec<Frame> = Vec::new();
    let mut left_in_body = 0u64;
    let mut at = 0;
    let mut turn = 0;
    while at < bytes.len() {
        let size = sizes[turn % sizes.len()].max(1);
        turn += 1;
        let end = (at + size).min(bytes.len());
        decoder.feed(&bytes[at..end]);
        at = end;
        while let Some(piece) = decoder.next_piece()? {
            match piece {
                Piece::Header(header) => {
                    assert_eq!(left_in_body, 0, "a header inside a body");
                    left_in_body = header.body_size;
                    frames.push(Frame {
                        header,
                        body: Vec::new(),
                    });
                }
                Piece::Body(body) => {
                    assert!(!body.is_empty(), "an empty body piece");
                    assert!(
                        body.len() as u64 <= left_in_body,
                        "a body piece longer than what is left of the body"
                    );
                    left_in_body -= body.len() as u64;
                    frames.last_mut().unwrap().body.extend_from_slice(&body);
                }
            }
        }
    }
    assert!(!decoder.in_frame(), "the stream ended inside a frame");
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

proptest! {
    /// However the stream is cut into reads, the decoder hands out the frames
    /// that were sent, byte for byte.
    #[test]
    fn any_chunking_gives_the_same_frames(
        frames in proptest::collection::vec(frame_strategy(), 0..8),
        sizes in proptest::collection::vec(1usize..64, 1..16),
    ) {
        let bytes = encode(&frames);
        prop_assert_eq!(decode_in_chunks(&bytes, &sizes).unwrap(), frames);
    }

    /// A stream cut anywhere inside a frame leaves the decoder in a frame, with
    /// lesson 7's error for it; cut between frames, it does not.
    #[test]
    fn a_cut_stream_is_noticed(
        frames in proptest::collection::vec(frame_strategy(), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let bytes = encode(&frames);
        let cut = cut.index(bytes.len());
        let mut decoder = Decoder::<Header>::new(MAX_BODY);
        decoder.feed(&bytes[..cut]);
        while decoder.next_piece().unwrap().is_some() {}
        let mut boundaries = vec![0];
        for frame in &frames {
            let last = *boundaries.last().unwrap();
            boundaries.push(last + encode(std::slice::from_ref(frame)).len());
        }
        let between = boundaries.contains(&cut);
        prop_assert_eq!(decoder.in_frame(), !between);
        if !between {
            let error = decoder.truncated().to_string();
            let expected = "the stream ended inside a frame";
            prop_assert!(error.starts_with(expected), "{}", error);
        }
    }
}

/// Bytes that arrive one at a time give a header only when its last byte is in.
#[test]
fn a_header_comes_out_only_when_complete() {
    let bytes = frame_bytes(r#"{"body_size":2}"#, b"hi");
    let mut decoder = Decoder::<Header>::new(MAX_BODY);
    let header_end = 4 + r#"{"body_size":2}"#.len();
    for byte in &bytes[..header_end - 1] {
        decoder.feed(&[*byte]);
        assert!(decoder.next_piece().unwrap().is_none());
    }
    decoder.feed(&bytes[header_end - 1..header_end]);
    let header = Header {
        body_size: 2,
        ..Header::default()
    };
    assert_eq!(decoder.next_piece().unwrap(), Some(Piece::Header(header)));
    assert_eq!(decoder.next_piece().unwrap(), None);
    decoder.feed(&bytes[header_end..]);
    assert_eq!(
        decoder.next_piece().unwrap(),
        Some(Piece::Body(b"hi".to_vec()))
    );
    assert!(!decoder.in_frame());
    assert_eq!(decoder.buffered(), 0);
}

/// A header length above the limit is refused on its 4 bytes alone: the decoder
/// does not wait for (or keep) the gigabytes a hostile peer announces.
#[test]
fn a_huge_header_length_is_refused_before_it_arrives() {
    let mut decoder = Decoder::<Header>::new(MAX_BODY);
    decoder.feed(&(MAX_HEADER_LEN + 1).to_be_bytes());
    let error = decoder.next_piece().unwrap_err();
    assert!(matches!(error, FrameError::HeaderTooLong(_)), "{error}");
}

/// A body above the limit is refused at its header, before any of it is taken.
#[test]
fn a_body_over_the_limit_is_refused_at_the_header() {
    let mut decoder = Decoder::<Header>::new(10);
    decoder.feed(&frame_bytes(r#"{"body_size":11}"#, b""));
    let error = decoder.next_piece().unwrap_err();
    assert_eq!(
        error.to_string(),
        "body size 11 is above the limit of 10 bytes"
    );
}

/// The header checks are lesson 7's own: a JSON array is not a header.
#[test]
fn a_header_that_is_not_an_object_is_refused() {
    let mut decoder = Decoder::<Header>::new(MAX_BODY);
    decoder.feed(&frame_bytes("[0]", b""));
    let error = decoder.next_piece().unwrap_err();
    assert!(matches!(error, FrameError::BadHeader(_)), "{error}");
}
