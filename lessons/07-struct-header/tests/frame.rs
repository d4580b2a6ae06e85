//! The frame format on its own, without sockets: exact bytes, every error, and
//! property tests over every way a stream can be cut into reads.

use std::io::{self, Read};

use lesson_07::frame::{
    Frame, FrameError, Header, MAX_HEADER_LEN, frame_bytes, read_frame, write_frame,
};
use proptest::prelude::*;
use workbook_harness::assert_golden;
use workbook_harness::pretty_assertions::assert_eq;

const MAX_BODY: u64 = 1 << 20;

fn encode(frames: &[Frame]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for frame in frames {
        write_frame(&mut bytes, &frame.header, &frame.body).unwrap();
    }
    bytes
}

/// Decodes frames until the clean end of the stream.
fn decode(input: &mut impl Read) -> Result<Vec<Frame>, FrameError> {
    let mut frames = Vec::new();
    while let Some(frame) = read_frame(input, MAX_BODY)? {
        frames.push(frame);
    }
    Ok(frames)
}

/// A reader that hands out its bytes in chunks of the given sizes (cycled), the
/// way a TCP stream may: one byte now, three later, a hundred after that.
struct Chunked {
    bytes: Vec<u8>,
    at: usize,
    sizes: Vec<usize>,
    turn: usize,
}

impl Read for Chunked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = self.sizes[self.turn % self.sizes.len()];
        self.turn += 1;
        let n = size.min(buf.len()).min(self.bytes.len() - self.at);
        buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn chunked(bytes: Vec<u8>, sizes: Vec<usize>) -> Chunked {
    Chunked {
        bytes,
        at: 0,
        sizes,
        turn: 0,
    }
}

/// The chapter's hex dump of the request `echo hi` is exactly what write_frame
/// sends.
#[test]
fn the_chapter_hex_dump_is_what_goes_on_the_wire() {
    let mut bytes = Vec::new();
    write_frame(&mut bytes, &Header::default(), b"echo hi").unwrap();
    let mut dump = String::new();
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let text: String = chunk
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        dump.push_str(&format!(
            "{:08x}  {:<47}  |{text}|\n",
            row * 16,
            hex.join(" ")
        ));
    }
    let golden = workbook_harness::workspace::package_dir()
        .join("transcripts/echo-hi.hex.txt");
    assert_golden(&golden, &dump);
    assert_eq!(
        &bytes[..4],
        &[0, 0, 0, 15],
        "15 bytes of header, big-endian"
    );
    assert_eq!(&bytes[4..19], br#"{"body_size":7}"#.as_slice());
    assert_eq!(&bytes[19..], b"echo hi");
}

#[test]
fn an_empty_stream_is_no_frames_and_an_empty_body_is_a_frame() {
    assert_eq!(decode(&mut &b""[..]).unwrap(), vec![]);
    let empty = Frame::default();
    assert_eq!(
        decode(&mut &encode(std::slice::from_ref(&empty))[..]).unwrap(),
        vec![empty]
    );
}

fn error_of(bytes: &[u8]) -> String {
    match decode(&mut &bytes[..]) {
        Ok(frames) => panic!("expected an error, decoded {frames:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_input_is_a_clear_error() {
    // A stream cut inside each part of a frame.
    assert_eq!(
        error_of(&[0, 0]),
        "the stream ended inside a frame, before all 4 bytes of its header length"
    );
    assert_eq!(
        error_of(&frame_bytes(r#"{"body_size":5}"#, b"")[..10]),
        "the stream ended inside a frame, before all 15 bytes of its header"
    );
    assert_eq!(
        error_of(&frame_bytes(r#"{"body_size":5}"#, b"abc")),
        "the stream ended inside a frame, before all 5 bytes of its body"
    );
    // Sizes that are refused before anything is allocated for them.
    assert_eq!(
        error_of(&(MAX_HEADER_LEN + 1).to_be_bytes()),
        "header length 65537 is above the limit of 65536 bytes"
    );
    assert_eq!(
        error_of(&u32::MAX.to_be_bytes()),
        "header length 4294967295 is above the limit of 65536 bytes"
    );
    assert_eq!(
        error_of(&frame_bytes(r#"{"body_size":18446744073709551615}"#, b"")),
        "body size 18446744073709551615 is above the limit of 1048576 bytes"
    );
    // Headers that are not what the format says.
    assert_eq!(
        error_of(&frame_bytes("{not json", b"")),
        "the header is not valid: key must be a string at line 1 column 2"
    );
    assert_eq!(
        error_of(&frame_bytes(r#"{"size":3}"#, b"abc")),
        "the header is not valid: missing field `body_size` at line 1 column 10"
    );
    assert_eq!(
        error_of(&frame_bytes(r#"{"body_size":-1}"#, b"")),
        "the header is not valid: \
         invalid value: integer `-1`, expected u64 at line 1 column 15"
    );
}

/// Fields a reader does not know are ignored, so the header can grow.
#[test]
fn unknown_header_fields_are_ignored() {
    let frames =
        decode(&mut &frame_bytes(r#"{"body_size":2,"md5":"x"}"#, b"hi")[..])
            .unwrap();
    assert_eq!(frames[0].body, b"hi");
}

fn arb_frame() -> impl Strategy<Value = Frame> {
    (
        prop::collection::vec(any::<u8>(), 0..300),
        prop::option::of(any::<i32>()),
        prop::collection::vec("[a-z 0-9]{0,12}", 0..3),
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
    /// However the stream is cut into reads, the same frames come out.
    #[test]
    fn any_chunking_decodes_to_the_same_frames(
        frames in prop::collection::vec(arb_frame(), 0..6),
        sizes in prop::collection::vec(1usize..40, 1..20),
    ) {
        let decoded = decode(&mut chunked(encode(&frames), sizes)).unwrap();
        prop_assert_eq!(decoded, frames);
    }

    /// Any bytes at all, in any chunks: an error or frames, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        sizes in prop::collection::vec(1usize..40, 1..8),
    ) {
        let _ = decode(&mut chunked(bytes, sizes));
    }

    /// A valid stream cut short anywhere inside a frame is reported as truncated.
    #[test]
    fn a_stream_cut_inside_a_frame_is_truncated(
        frame in arb_frame(),
        cut in any::<prop::sample::Index>(),
    ) {
        let bytes = encode(&[frame]);
        let cut = 1 + cut.index(bytes.len() - 1);
        let result = decode(&mut &bytes[..cut]);
        let truncated = matches!(result, Err(FrameError::Truncated { .. }));
        prop_assert!(truncated, "{:?}", result);
    }
}
