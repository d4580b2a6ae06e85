//! The server's folder, and writing files safely.
//!
//! The seeds join the client's name to the server's folder and open the result.
//! A name like `../../home/you/.bashrc` or `/etc/passwd` then reaches any file
//! the server can write. Here every name is checked before it becomes a path.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The one folder the server reads and writes. Every path it touches is inside.
#[derive(Debug, Clone)]
pub struct Root {
    /// The folder with every symbolic link resolved, so that "inside" can be
    /// checked by comparing path prefixes.
    dir: PathBuf,
}

impl Root {
    /// Opens (and if needed creates) the server's folder.
    pub fn open(dir: &Path) -> io::Result<Root> {
        fs::create_dir_all(dir)?;
        Ok(Root {
            dir: dir.canonicalize()?,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    // ANCHOR: resolve
    /// Turns a client's name into a path inside the folder, or says why not.
    ///
    /// The name must be relative and made of plain parts: no `/` at the start,
    /// no drive like `C:`, no `..`, no `.`, and no part that starts with a dot
    /// (unfinished uploads are kept under such names). The folder the file is in
    /// must already exist, and, with symbolic links resolved, still be inside.
    pub fn resolve(&self, name: &str) -> Result<PathBuf, String> {
        if name.is_empty() || name.contains('\0') {
            return Err("a file name cannot be empty or contain a NUL byte".into());
        }
        let path = Path::new(name);
        for part in path.components() {
            match part {
                Component::Normal(part)
                    if !part.to_string_lossy().starts_with('.') => {}
                _ => {
                    return Err(
                        "only plain names inside the server's folder are allowed \
                                (no absolute path, no '..', no leading '.')"
                            .into(),
                    );
                }
            }
        }
        let joined = self.dir.join(path);
        let (Some(folder), Some(file_name)) = (joined.parent(), joined.file_name())
        else {
            return Err("not a file name".to_string());
        };
        // canonicalize follows every symbolic link to the real folder.
        let folder = folder
            .canonicalize()
            .map_err(|_| "there is no such folder on the server".to_string())?;
        if !folder.starts_with(&self.dir) {
            return Err("it leads outside the server's folder".to_string());
        }
        Ok(folder.join(file_name))
    }
    // ANCHOR_END: resolve

    /// Resolves a name for reading: as [`Root::resolve`], and the file itself
    /// must exist, be a regular file, and not be a link that leads outside.
    pub fn resolve_existing(&self, name: &str) -> Result<PathBuf, String> {
        let path = self.resolve(name)?;
        let real = path
            .canonicalize()
            .map_err(|_| "no such file on the server".to_string())?;
        if !real.starts_with(&self.dir) {
            return Err("it leads outside the server's folder".to_string());
        }
        if !real.is_file() {
            return Err("not a file".to_string());
        }
        Ok(real)
    }
}

// ANCHOR: part-file
/// A file being received. It is written under a hidden temporary name beside its
/// target, and renamed to the target only by [`PartFile::commit`], once it is
/// complete and verified. Dropped without a commit (an error, a cut connection,
/// a wrong digest), it deletes itself: the target is never half written.
pub struct PartFile {
    temp: PathBuf,
    target: PathBuf,
    file: Option<BufWriter<File>>,
    committed: bool,
}

impl PartFile {
    pub fn create(target: &Path) -> io::Result<PartFile> {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let temp = target
            .with_file_name(format!(".{name}.part-{}-{n}", std::process::id()));
        // create_new: never open a file that is already there.
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        Ok(PartFile {
            temp,
            target: target.to_path_buf(),
            file: Some(BufWriter::new(file)),
            committed: false,
        })
    }

    /// Puts the finished file in place. `sync_all` first, so that after a crash
    /// the name holds either the old file or the whole new one. A rename within
    /// one folder replaces the target in one step.
    pub fn commit(mut self) -> io::Result<()> {
        if let Some(file) = self.file.take() {
            let file = file.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
        } // the file is closed here: Windows cannot rename an open file
        fs::rename(&self.temp, &self.target)?;
        self.committed = true;
        Ok(())
    }
}

impl Write for PartFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.as_mut().expect("not committed").write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().expect("not committed").flush()
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.committed {
            drop(self.file.take()); // close it first (Windows)
            let _ = fs::remove_file(&self.temp);
        }
    }
}
// ANCHOR_END: part-file
