// ANCHOR: all
//! The server's folder, and writing files safely.
//!
//! The Python server joins the client's name to the server's folder and opens the
//! result. A name like `../../home/you/.bashrc` or `/etc/passwd` then reaches any
//! file the server can write. Here every name is checked before it becomes a path.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
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
    /// The name must follow the rules of [`check_name`]. The folder the file is
    /// in must already exist, and, with symbolic links resolved, still be inside.
    pub fn resolve(&self, name: &str) -> Result<PathBuf, String> {
        check_name(name)?;
        // Every part is plain now: pushing them one by one can only go down.
        let (folders, file_name) = name.rsplit_once('/').unwrap_or(("", name));
        let mut folder = self.dir.clone();
        for part in folders.split('/').filter(|part| !part.is_empty()) {
            folder.push(part);
        }
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

/// The longest name accepted, in bytes, folders included: room for a few
/// folders of long names, and far from what a whole path may be on Linux (4096
/// bytes) or on Windows (about 32,000 characters, in the long form Rust's std
/// uses), with the server's own folder in front.
pub const MAX_NAME: usize = 1024;
/// The longest part of a name, in bytes: what Linux's file systems allow.
/// NTFS allows 255 UTF-16 units, and 255 bytes of UTF-8 never need more.
pub const MAX_PART: usize = 255;

// ANCHOR: names
/// Checks a client's name against lesson 8's rules. They are the same on every
/// platform, so that a file saved by a server on Linux can be saved, and
/// fetched, by a server on Windows too.
///
/// `/` is the only separator, and the name is split on it here, by hand: std's
/// `Path` would quietly drop a `.` part or a doubled `/`, and would read `\`
/// and `C:` one way on Windows and another on Linux. Nothing is normalised: a
/// name says where a file is in exactly one way, or is refused.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a name cannot be empty".into());
    }
    if name.len() > MAX_NAME {
        let n = name.len();
        return Err(format!("the name is {n} bytes long; at most {MAX_NAME}"));
    }
    if name.starts_with('/') {
        return Err("a name cannot start with '/': it starts in the folder".into());
    }
    name.split('/').try_for_each(check_part)
}

/// The characters Windows does not allow in a file name, besides `/` and the
/// control characters: `\` is its other separator, and `:` names a drive (`C:`).
const WINDOWS_FORBIDS: &str = "\\:<>\"|?*";

/// Checks one part of a name: a folder's name, or the file's.
fn check_part(part: &str) -> Result<(), String> {
    let why = if part.is_empty() {
        "a name cannot have an empty part ('//', or '/' at the end)".to_string()
    } else if part == "." || part == ".." {
        format!("a name cannot have a '{part}' part")
    } else if part.len() > MAX_PART {
        let n = part.len();
        format!("a part of the name is {n} bytes long; at most {MAX_PART}")
    } else if let Some(c) = part.chars().find(|c| c.is_control()) {
        let c = c.escape_debug(); // a newline, a tab, an escape, DEL...
        format!("a name cannot hold a control character ('{c}')")
    } else if let Some(c) = part.chars().find(|c| WINDOWS_FORBIDS.contains(*c)) {
        let c = c.escape_debug();
        format!("a name cannot hold '{c}': Windows does not allow it")
    } else if part.starts_with('.') {
        "a part of a name cannot start with a dot".to_string()
    } else if part.ends_with(['.', ' ']) {
        "a part of a name cannot end with a dot or a space".to_string()
    } else if is_windows_device(part) {
        format!(
            "'{}' is a device on Windows, with any extension",
            shown(part)
        )
    } else {
        return Ok(());
    };
    Err(why)
}

/// Whether Windows reads `part` as a device rather than a file: `CON`, `PRN`,
/// `AUX`, `NUL`, `COM0`-`COM9` and `LPT0`-`LPT9` (with `¹²³` too), in any case,
/// also with an extension (`nul.txt`) and spaces before it.
fn is_windows_device(part: &str) -> bool {
    // The device is the part before the first dot: `nul.txt` is `NUL`.
    let stem = part.split('.').next().unwrap_or(part).trim_end_matches(' ');
    let stem = stem.to_ascii_uppercase();
    let numbered = |prefix| {
        stem.strip_prefix(prefix)
            .is_some_and(|n| n.chars().count() == 1 && "0123456789¹²³".contains(n))
    };
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || numbered("COM")
        || numbered("LPT")
}
// ANCHOR_END: names

// ANCHOR: shown
/// A name as the server shows it, in its log and in its replies: on one line
/// whatever it holds. A newline shows as `\n`, a tab as `\t`, a backslash as
/// `\\` (as Rust writes them), so a name can never start a line of its own.
pub fn shown(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '\'' | '"' => c.to_string(), // no need: names are not quoted
            c => c.escape_debug().to_string(),
        })
        .collect()
}
// ANCHOR_END: shown

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
        // Not derived from the target's name, so it fits wherever the name
        // does (a name may already be 255 bytes, the most a file system takes).
        // The dot hides it from clients: no name they send starts with one.
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let temp =
            target.with_file_name(format!(".part-{}-{n}", std::process::id()));
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
// ANCHOR_END: all
