// ANCHOR: all
//! Work that blocks, kept off the runtime's threads.
//!
//! A task runs on one of the runtime's few worker threads until it reaches an
//! `.await` that has to wait; only then can the thread run another task. A
//! call that blocks (reading a file, hashing a gigabyte, `sync_all`) does not
//! `.await` anything: it holds the thread until it is done, and every task that
//! thread would have run waits with it. On a runtime with one thread, that is
//! every client.
//!
//! tokio keeps a second pool of threads for such work: [`spawn_blocking`]
//! hands a closure to it and gives back a future the task can `.await`.
//! (`tokio::fs` is built the same way: each of its calls is a `spawn_blocking`.)

use std::io::{self, Read, Seek, SeekFrom};

use sha2::{Digest, Sha256};
use tokio::task::spawn_blocking;

// ANCHOR: off-the-runtime
/// Runs `work` on tokio's pool of blocking threads and waits for it without
/// holding a worker thread: the other tasks run meanwhile.
pub async fn off_the_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    match spawn_blocking(work).await {
        Ok(value) => value,
        // The closure panicked: the task that asked for it panics too.
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

/// The SHA-256 of a file (or anything that reads and seeks), from its start;
/// the file comes back at its start, ready to be sent. The server's `get` uses
/// it. Each chunk is read and hashed by a blocking call of its own: a 16 GiB
/// file never holds one of the few blocking threads for a minute, and while
/// forty clients' files are hashed, their chunks take turns with every other
/// client's file work instead of queueing it behind whole files.
pub async fn sha256_off_the_runtime<F>(mut file: F) -> io::Result<(F, String)>
where
    F: Read + Seek + Send + 'static,
{
    let mut state = off_the_runtime(move || {
        file.seek(SeekFrom::Start(0))?;
        Ok::<_, io::Error>((file, Sha256::new(), vec![0u8; HASH_CHUNK]))
    })
    .await?;
    loop {
        let (mut file, mut hasher, mut chunk) = state;
        let (file, hasher, chunk, n) = off_the_runtime(move || {
            let n = read_some(&mut file, &mut chunk)?;
            hasher.update(&chunk[..n]);
            Ok::<_, io::Error>((file, hasher, chunk, n))
        })
        .await?;
        if n == 0 {
            let digest = hex(&hasher.finalize());
            let file = off_the_runtime(move || {
                let mut file = file;
                file.seek(SeekFrom::Start(0))?;
                Ok::<_, io::Error>(file)
            })
            .await?;
            return Ok((file, digest));
        }
        state = (file, hasher, chunk);
    }
}

/// One chunk of hashing: 256 KiB, about a millisecond of SHA-256.
const HASH_CHUNK: usize = 256 * 1024;

/// One `read`, tried again if a signal interrupted it.
fn read_some(file: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}
// ANCHOR_END: off-the-runtime

// ANCHOR: on-the-runtime
/// The pitfall: the same hashing, called from a task as it is. It compiles,
/// it works, and while it reads, the worker thread runs nothing else.
pub async fn sha256_on_the_runtime<F>(mut file: F) -> io::Result<(F, String)>
where
    F: Read + Seek,
{
    let digest = sha256_from_start(&mut file)?;
    Ok((file, digest))
}
// ANCHOR_END: on-the-runtime

/// Lesson 8's `sha256_of_open`, for anything that reads and seeks.
fn sha256_from_start(file: &mut (impl Read + Seek)) -> io::Result<String> {
    file.seek(SeekFrom::Start(0))?;
    let mut hasher = Sha256::new();
    io::copy(file, &mut hasher)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(hex(&hasher.finalize()))
}

/// Lowercase hex, two digits a byte (as lesson 8 writes digests).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
// ANCHOR_END: all
