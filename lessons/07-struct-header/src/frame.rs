// ANCHOR: all
//! Length-prefixed frames: how to send messages over a stream that has no message
//! boundaries (lesson 6).
//!
//! Every message is one frame:
//!
//! | bytes       | what                                                         |
//! |-------------|--------------------------------------------------------------|
//! | 4           | N, the header's length: an unsigned 32-bit big-endian number |
//! | N           | the header: a UTF-8 JSON object with at least `body_size`    |
//! | `body_size` | the body: any bytes                                          |
//!
//! The receiver always knows how many bytes to read next: 4, then N, then
//! `body_size`. Nothing depends on how the stream was cut into reads.

use std::fmt;
use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

// ANCHOR: limits
/// The longest header a receiver accepts. A peer that announces more is wrong or
/// hostile; either way we refuse before allocating anything.
pub const MAX_HEADER_LEN: u32 = 64 * 1024;
// ANCHOR_END: limits

// ANCHOR: header
/// The JSON header. `body_size` is required; the other fields are optional, and
/// a receiver ignores fields it does not know, so the format can grow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// How many bytes of body follow the header.
    pub body_size: u64,
    /// In a reply: the command's exit code, if it ended by itself with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// In a reply: notes for the user ("output cut at 1024 bytes", …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// In a reply: why the request was refused. The connection closes after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
// ANCHOR_END: header

/// A header and its body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    pub header: Header,
    pub body: Vec<u8>,
}

/// Why a frame could not be read.
#[derive(Debug)]
pub enum FrameError {
    /// Reading failed: the connection broke, or a read timed out.
    Io(io::Error),
    /// The stream ended inside a frame: a peer that stopped halfway.
    Truncated { part: &'static str, expected: u64 },
    /// The header length is above [`MAX_HEADER_LEN`].
    HeaderTooLong(u32),
    /// The body size is above what the reader accepts.
    BodyTooLong { size: u64, limit: u64 },
    /// The header is not a JSON object with a `body_size` (and the fields the
    /// reader's header type requires).
    BadHeader(serde_json::Error),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Io(e) => write!(f, "{e}"),
            FrameError::Truncated { part, expected } => write!(
                f,
                "the stream ended inside a frame, \
                 before all {expected} bytes of its {part}"
            ),
            FrameError::HeaderTooLong(len) => write!(
                f,
                "header length {len} is above the limit of {MAX_HEADER_LEN} bytes"
            ),
            FrameError::BodyTooLong { size, limit } => {
                write!(f, "body size {size} is above the limit of {limit} bytes")
            }
            FrameError::BadHeader(e) => write!(f, "the header is not valid: {e}"),
        }
    }
}

impl std::error::Error for FrameError {}

// ANCHOR: write
/// Writes one frame: the header's length, the header, the body. `header.body_size`
/// is set from `body`, so the two cannot disagree.
///
/// `write_all` loops until every byte is handed to the kernel; a single `write`
/// may take only part (Python's `send` versus `sendall`). Writing through a
/// `BufWriter` turns the three parts into few system calls; `flush` sends them.
pub fn write_frame(
    out: &mut impl Write,
    header: &Header,
    body: &[u8],
) -> io::Result<()> {
    let header = Header {
        body_size: body.len() as u64,
        ..header.clone()
    };
    write_header(out, &header)?;
    out.write_all(body)?;
    out.flush()
}

/// Writes the first two parts of a frame: the header's length and the header.
/// Any header type that serde can turn into JSON will do (lesson 8 has its own).
pub fn write_header(
    out: &mut impl Write,
    header: &impl Serialize,
) -> io::Result<()> {
    let json = serde_json::to_vec(header)?;
    let len = u32::try_from(json.len())
        .ok()
        .filter(|&len| len <= MAX_HEADER_LEN)
        .ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "header too long")
        })?;
    out.write_all(&len.to_be_bytes())?; // network byte order: big-endian
    out.write_all(&json)
}
// ANCHOR_END: write

// ANCHOR: read
/// Reads one frame. Returns `Ok(None)` at a clean end of stream (before the first
/// byte of a frame); a stream that ends inside a frame is an error.
///
/// `read_exact` loops until it has exactly the bytes asked for; a single `read`
/// returns whatever has arrived (lesson 6). Every size a peer announces is checked
/// against a limit before anything is allocated for it.
pub fn read_frame(
    input: &mut impl Read,
    max_body: u64,
) -> Result<Option<Frame>, FrameError> {
    let Some(header) = read_header::<Header>(input)? else {
        return Ok(None);
    };
    if header.body_size > max_body {
        return Err(FrameError::BodyTooLong {
            size: header.body_size,
            limit: max_body,
        });
    }
    let mut body = vec![0u8; header.body_size as usize];
    input
        .read_exact(&mut body)
        .map_err(|e| truncated(e, "body", header.body_size))?;
    Ok(Some(Frame { header, body }))
}

/// Reads the first two parts of a frame, the length and the JSON header, and
/// leaves the body in the stream for the caller (lesson 8 streams it to a file).
pub fn read_header<H: DeserializeOwned>(
    input: &mut impl Read,
) -> Result<Option<H>, FrameError> {
    let mut len = [0u8; 4];
    if !read_exact_or_end(input, &mut len)? {
        return Ok(None);
    }
    let header_len = u32::from_be_bytes(len);
    if header_len > MAX_HEADER_LEN {
        return Err(FrameError::HeaderTooLong(header_len));
    }
    let mut json = vec![0u8; header_len as usize];
    input
        .read_exact(&mut json)
        .map_err(|e| truncated(e, "header", header_len.into()))?;
    // serde would also fill a struct from a JSON array (`[0,"get","x"]`, its
    // fields in order). The format says object: refuse anything else.
    let first = json.iter().find(|byte| !byte.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(FrameError::BadHeader(serde::de::Error::custom(
            "it must be a JSON object, like {\"body_size\":0}",
        )));
    }
    serde_json::from_slice(&json)
        .map(Some)
        .map_err(FrameError::BadHeader)
}
// ANCHOR_END: read

/// The bytes of a frame whose header is given as text, valid JSON or not. Tests
/// use it to play a broken or hostile peer; programs use [`write_frame`].
pub fn frame_bytes(header_json: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = (header_json.len() as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(header_json.as_bytes());
    bytes.extend_from_slice(body);
    bytes
}

/// Fills `buf` completely, or returns `Ok(false)` if the stream ended before its
/// first byte. Ending after the first byte is a truncated frame.
fn read_exact_or_end(
    input: &mut impl Read,
    buf: &mut [u8],
) -> Result<bool, FrameError> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => {
                return Err(FrameError::Truncated {
                    part: "header length",
                    expected: buf.len() as u64,
                });
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FrameError::Io(e)),
        }
    }
    Ok(true)
}

/// `read_exact` reports a short stream as `UnexpectedEof`; name the part that was
/// cut. Public for lesson 8, whose bodies are read in chunks.
pub fn truncated(
    error: io::Error,
    part: &'static str,
    expected: u64,
) -> FrameError {
    match error.kind() {
        io::ErrorKind::UnexpectedEof => FrameError::Truncated { part, expected },
        _ => FrameError::Io(error),
    }
}

impl From<io::Error> for FrameError {
    fn from(error: io::Error) -> FrameError {
        FrameError::Io(error)
    }
}
// ANCHOR_END: all
