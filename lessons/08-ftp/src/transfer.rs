// ANCHOR: all
//! Bodies of any size. A file may be larger than memory, so a body is never held
//! whole: it is copied in chunks of [`CHUNK`] bytes from where it comes from (a
//! file, a socket) to where it goes, and hashed on the way.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use lesson_07::frame::{FrameError, truncated};
use sha2::{Digest, Sha256};

/// How much of a body is in memory at once.
pub const CHUNK: usize = 64 * 1024;

// ANCHOR: copy
/// Copies exactly `size` bytes from `input` to `out` and returns their SHA-256 in
/// hex. `progress` hears how many bytes each chunk had (the client draws its bar
/// with it). If `input` ends early the body was cut short: an error.
pub fn copy_body(
    input: &mut impl Read,
    out: &mut impl Write,
    size: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<String, FrameError> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut left = size;
    while left > 0 {
        let want = left.min(CHUNK as u64) as usize;
        // read_exact: never more than this body, never less than the chunk.
        input
            .read_exact(&mut buf[..want])
            .map_err(|e| truncated(e, "body", size))?;
        hasher.update(&buf[..want]);
        out.write_all(&buf[..want])?;
        left -= want as u64;
        progress(want as u64);
    }
    out.flush()?;
    Ok(hex(&hasher.finalize()))
}
// ANCHOR_END: copy

/// Reads and throws away a body of `size` bytes: the way to stay in step with a
/// client whose request is refused after it has started sending.
pub fn skip_body(input: &mut impl Read, size: u64) -> Result<(), FrameError> {
    copy_body(input, &mut io::sink(), size, &mut |_| {}).map(drop)
}

/// The SHA-256 of a file, in hex, read in chunks.
pub fn sha256_of_file(path: &Path) -> io::Result<String> {
    sha256_of_open(&mut File::open(path)?)
}

// ANCHOR: hash-open
/// The SHA-256 of a file already open, in hex, read in chunks from its start;
/// then the file is back at its start, ready to be sent. The digest and the
/// bytes sent after it then come from the same file, even if, in between, a put
/// renames a new file into place under the same name: the open handle keeps
/// the file it opened.
pub fn sha256_of_open(file: &mut File) -> io::Result<String> {
    file.seek(SeekFrom::Start(0))?;
    let mut hasher = Sha256::new();
    io::copy(file, &mut hasher)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(hex(&hasher.finalize()))
}
// ANCHOR_END: hash-open

/// The SHA-256 of bytes in memory, in hex (for tests and small bodies).
pub fn sha256_of(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex, two digits a byte.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
// ANCHOR_END: all
