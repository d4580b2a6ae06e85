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

/// The SHA-256 of a file (or anything that reads and seeks), from its start,
/// hashed on a blocking thread; the file comes back at its start, ready to be
/// sent. The server's `get` uses it.
pub async fn sha256_off_the_runtime<F>(mut file: F) -> io::Result<(F, String)>
where
    F: Read + Seek + Send + 'static,
{
    off_the_runtime(move || {
        let digest = sha256_from_start(&mut file)?;
        Ok((file, digest))
    })
    .await
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
