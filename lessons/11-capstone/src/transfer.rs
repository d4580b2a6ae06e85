// ANCHOR: all
//! Bodies of any size, hashed in one pass, and resumable.
//!
//! Lesson 8 put the digest in the header, before the body, so the sender read
//! every file twice: once to hash it, once to send it. Here the digest travels
//! after the body (in `done`, or in a `get`'s trailer), and each side hashes
//! the bytes as they go by. A resumed transfer hashes the bytes it already holds
//! first, and goes on with the same hasher: still one pass over the file.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use lesson_07::frame::{FrameError, truncated};
use sha2::{Digest, Sha256};

/// How much of a body is in memory at once.
pub const CHUNK: usize = 64 * 1024;

// ANCHOR: prefix
/// Hashes the first `len` bytes of `file` and leaves it positioned right after
/// them. The hasher is returned unfinished: the rest of the file goes into the
/// same hasher, so the whole file is read once. `Ok(None)` when the file is
/// shorter than `len`.
pub fn hash_prefix(file: &mut File, len: u64) -> io::Result<Option<Sha256>> {
    file.seek(SeekFrom::Start(0))?;
    let mut hasher = Sha256::new();
    let copied = io::copy(&mut (&mut *file).take(len), &mut hasher)?;
    Ok((copied == len).then_some(hasher))
}
// ANCHOR_END: prefix

// ANCHOR: copy
/// Copies exactly `size` bytes from `input` to `out`, feeding each chunk to
/// `hasher` on the way. `progress` hears how many bytes each chunk had. If
/// `input` ends early the body was cut short: an error. What was written to
/// `out` before that stays written (a resume starts from there).
pub fn copy_hashed(
    input: &mut impl Read,
    out: &mut impl Write,
    size: u64,
    hasher: &mut Sha256,
    progress: &mut dyn FnMut(u64),
) -> Result<(), FrameError> {
    let mut buf = vec![0u8; CHUNK];
    let mut left = size;
    while left > 0 {
        let want = left.min(CHUNK as u64) as usize;
        // `read`, not `read_exact`: if the stream ends in the middle of a
        // chunk, the bytes of that chunk that did arrive are written too. A
        // resume starts after the last byte that arrived, not the last chunk.
        let n = match input.read(&mut buf[..want]) {
            Ok(0) => {
                let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
                return Err(truncated(eof, "body", size));
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(truncated(e, "body", size)),
        };
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
        left -= n as u64;
        progress(n as u64);
    }
    out.flush()?;
    Ok(())
}
// ANCHOR_END: copy

/// Reads and throws away `size` bytes: the way to stay in step with a peer
/// whose body is not wanted.
pub fn skip(input: &mut impl Read, size: u64) -> Result<(), FrameError> {
    copy_hashed(
        input,
        &mut io::sink(),
        size,
        &mut Sha256::new(),
        &mut |_| {},
    )
}

/// The finished digest, as 64 lowercase hex digits.
pub fn hex(hasher: Sha256) -> String {
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The SHA-256 of bytes in memory, in hex (for tests and small bodies).
pub fn sha256_of(bytes: &[u8]) -> String {
    hex(Sha256::new_with_prefix(bytes))
}

/// The SHA-256 of empty input: what a prefix of 0 bytes hashes to.
pub fn empty_sha256() -> String {
    sha256_of(b"")
}
// ANCHOR_END: all
