// ANCHOR: all
//! Each user's home: the one folder their session can see, and the paths that
//! cannot leave it.
//!
//! A path from the client is read in two steps. First, by itself, as text
//! ([`resolve`]): it is split on `/`, `.` and `..` are applied, and every other
//! part must follow lesson 8's rules for names. The result, a [`Place`], is a
//! list of plain parts from the home down: nothing in it can climb. Second, on
//! the disk ([`Home`]): the folders are looked up with every symbolic link
//! followed, and the real folder must still be inside the real home.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use lesson_08::files::{MAX_NAME, check_name, shown};

use crate::protocol::{Code, Entry, Kind, Refusal};

/// The most entries one `ls` sends. A folder can hold millions of files; a
/// listing of them all would be a body of hundreds of megabytes, built in
/// memory. The reply says how many were left out.
pub const MAX_LIST: usize = 1000;

// ANCHOR: place
/// A file or folder in a home, as a list of plain parts: `["docs", "a.txt"]` is
/// `/docs/a.txt`, the empty list is the home itself. Only [`resolve`] makes one,
/// so every part has passed the name rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Place {
    parts: Vec<String>,
}

impl Place {
    /// The home itself: `/`.
    pub fn home() -> Place {
        Place::default()
    }

    /// As the user sees it: `/`, `/docs`, `/docs/a.txt`.
    pub fn shown(&self) -> String {
        format!("/{}", self.parts.join("/"))
    }

    /// The last part: the file's or folder's own name (none for the home).
    pub fn name(&self) -> Option<&str> {
        self.parts.last().map(String::as_str)
    }

    /// The folder this place is in (the home is its own parent).
    pub fn parent(&self) -> Place {
        let mut parent = self.clone();
        parent.parts.pop();
        parent
    }

    /// The parts, to join onto a folder on the disk.
    fn relative(&self) -> PathBuf {
        self.parts.iter().collect()
    }
}
// ANCHOR_END: place

// ANCHOR: resolve
/// Reads a path the client sent, from the working folder `cwd`: `/` starts at
/// the home, `.` stays, `..` goes up (never above the home), empty parts are
/// skipped (`docs/` is `docs`), and every other part must be a name lesson 8
/// accepts: no leading dot, no `\` or `:` (so no `C:`), no control character.
pub fn resolve(cwd: &Place, path: &str) -> Result<Place, Refusal> {
    let bad = |why: String| Refusal::new(Code::BadPath, why);
    if path.is_empty() {
        return Err(bad("a path cannot be empty".into()));
    }
    if path.len() > MAX_NAME {
        let n = path.len();
        return Err(bad(format!(
            "the path is {n} bytes long; at most {MAX_NAME}"
        )));
    }
    let mut place = if path.starts_with('/') {
        Place::home()
    } else {
        cwd.clone()
    };
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if place.parts.pop().is_none() {
                    return Err(bad("it leads above your home".into()));
                }
            }
            part => {
                check_name(part).map_err(bad)?;
                place.parts.push(part.to_string());
            }
        }
    }
    if place.shown().len() > MAX_NAME {
        return Err(bad(format!("the path is longer than {MAX_NAME} bytes")));
    }
    Ok(place)
}
// ANCHOR_END: resolve

/// One user's two folders on the server's disk: the home they see, and beside
/// it (outside the home, so no path reaches it) the partial uploads kept for a
/// resume, at the same places: `/docs/big.iso`'s is `partial/docs/big.iso`.
#[derive(Debug, Clone)]
pub struct Home {
    /// The home with every symbolic link resolved, so that "inside" can be
    /// checked by comparing path prefixes.
    dir: PathBuf,
    partial: PathBuf,
}

/// Where an upload goes: the real file in the home, and its kept partial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub file: PathBuf,
    pub partial: PathBuf,
    /// The file's place, with links resolved: two sessions that name one
    /// file in two ways still meet here (the quota's "already uploading").
    pub key: PathBuf,
}

impl Home {
    /// Opens (and creates, if needed) a user's home and partial folder.
    pub fn open(dir: &Path, partial: &Path) -> io::Result<Home> {
        fs::create_dir_all(dir)?;
        fs::create_dir_all(partial)?;
        Ok(Home {
            dir: dir.canonicalize()?,
            partial: partial.to_path_buf(),
        })
    }

    // ANCHOR: inside
    /// The real path of `place` with every link followed, if it exists and is
    /// inside the home. A link that someone made inside the home and that
    /// points outside it is refused here, like `..` was refused in [`resolve`].
    fn real(&self, place: &Place) -> Result<PathBuf, Refusal> {
        let real =
            self.dir
                .join(place.relative())
                .canonicalize()
                .map_err(|_| {
                    Refusal::new(
                        Code::NotFound,
                        format!("{} does not exist", shown_place(place)),
                    )
                })?;
        if !real.starts_with(&self.dir) {
            return Err(Refusal::new(
                Code::BadPath,
                format!("{} leads outside your home", shown_place(place)),
            ));
        }
        Ok(real)
    }
    // ANCHOR_END: inside

    /// An existing folder inside the home.
    pub fn folder(&self, place: &Place) -> Result<PathBuf, Refusal> {
        let real = self.real(place)?;
        if !real.is_dir() {
            let what = shown_place(place);
            return Err(Refusal::new(
                Code::WrongKind,
                format!("{what} is not a folder"),
            ));
        }
        Ok(real)
    }

    /// An existing file inside the home.
    pub fn file(&self, place: &Place) -> Result<PathBuf, Refusal> {
        let real = self.real(place)?;
        if !real.is_file() {
            let what = shown_place(place);
            return Err(Refusal::new(
                Code::WrongKind,
                format!("{what} is not a file"),
            ));
        }
        Ok(real)
    }

    /// Where an upload to `place` goes. Its folder must exist (inside the
    /// home); the place itself may be new, or a file that will be replaced.
    pub fn target(&self, place: &Place) -> Result<Target, Refusal> {
        let Some(name) = place.name() else {
            return Err(Refusal::new(Code::BadPath, "a file needs a name, not /"));
        };
        let folder = self.folder(&place.parent())?;
        let file = folder.join(name);
        // A link in the home that leads outside is refused here too, even
        // though the rename would only replace the link: an upload over it
        // is a mistake, or someone probing, either way not something to do.
        if fs::symlink_metadata(&file).is_ok_and(|m| m.is_symlink()) {
            let real = file.canonicalize().unwrap_or_default();
            if !real.starts_with(&self.dir) {
                let what = shown_place(place);
                let why = format!("{what} leads outside your home");
                return Err(Refusal::new(Code::BadPath, why));
            }
        }
        if file.is_dir() {
            let what = shown_place(place);
            return Err(Refusal::new(
                Code::WrongKind,
                format!("{what} is a folder"),
            ));
        }
        let key = file
            .strip_prefix(&self.dir)
            .expect("the folder is inside the home")
            .to_path_buf();
        Ok(Target {
            partial: self.partial.join(&key),
            file,
            key,
        })
    }

    // ANCHOR: list
    /// The entries of a folder: its files, folders and links, and the partial
    /// uploads kept for it, sorted by name. At most [`MAX_LIST`]; the second
    /// number says how many more there were.
    pub fn list(&self, place: &Place) -> Result<(Vec<Entry>, u64), Refusal> {
        let folder = self.folder(place)?;
        let mut entries = Vec::new();
        read_entries(&folder, &mut entries, false).map_err(server_error)?;
        let key = folder.strip_prefix(&self.dir).expect("inside the home");
        let partial = self.partial.join(key);
        if partial.is_dir() {
            read_entries(&partial, &mut entries, true).map_err(server_error)?;
        }
        entries.sort_by(|a, b| (&a.name, a.kind).cmp(&(&b.name, b.kind)));
        let omitted = entries.len().saturating_sub(MAX_LIST) as u64;
        entries.truncate(MAX_LIST);
        Ok((entries, omitted))
    }
    // ANCHOR_END: list

    /// Makes one new folder; its parent must exist.
    pub fn mkdir(&self, place: &Place) -> Result<(), Refusal> {
        let Some(name) = place.name() else {
            return Err(Refusal::new(Code::Exists, "/ exists: it is your home"));
        };
        let path = self.folder(&place.parent())?.join(name);
        let key = path.strip_prefix(&self.dir).expect("inside the home");
        // A kept partial upload of that name counts as being there: the
        // folder would stand where the finished upload must go.
        if fs::symlink_metadata(&path).is_ok()
            || fs::symlink_metadata(self.partial.join(key)).is_ok()
        {
            let what = shown_place(place);
            return Err(Refusal::new(
                Code::Exists,
                format!("{what} exists already"),
            ));
        }
        fs::create_dir(&path).map_err(server_error)
    }

    // ANCHOR: rm
    /// Removes a file (and its kept partial upload), a partial upload alone, a
    /// link (not what it points to), or an empty folder. Returns the bytes it
    /// freed, for the quota.
    pub fn rm(&self, place: &Place) -> Result<u64, Refusal> {
        let what = shown_place(place);
        let Some(name) = place.name() else {
            return Err(Refusal::new(Code::BadPath, "you cannot remove your home"));
        };
        let folder = self.folder(&place.parent())?;
        let path = folder.join(name);
        let key = path.strip_prefix(&self.dir).expect("inside the home");
        let partial = self.partial.join(key);
        let mut freed = 0;
        let mut found = false;
        if let Ok(meta) = fs::symlink_metadata(&path) {
            found = true;
            if meta.is_dir() {
                let busy = |dir: &Path| {
                    fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some())
                };
                if busy(&path) || busy(&partial) {
                    let why =
                        format!("{what} is not empty (partial uploads count)");
                    return Err(Refusal::new(Code::NotEmpty, why));
                }
                fs::remove_dir(&path).map_err(server_error)?;
                let _ = fs::remove_dir(&partial);
                return Ok(0);
            }
            if meta.is_file() {
                freed += meta.len();
            }
            fs::remove_file(&path).map_err(server_error)?;
        }
        if let Ok(meta) = fs::symlink_metadata(&partial)
            && meta.is_file()
        {
            found = true;
            freed += meta.len();
            fs::remove_file(&partial).map_err(server_error)?;
        }
        if !found {
            return Err(Refusal::new(
                Code::NotFound,
                format!("{what} does not exist"),
            ));
        }
        Ok(freed)
    }
    // ANCHOR_END: rm
}

/// Adds the entries of one folder on the disk: as they are, or (`partial`) as
/// the partial uploads they hold.
fn read_entries(dir: &Path, out: &mut Vec<Entry>, partial: bool) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let meta = fs::symlink_metadata(entry.path())?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let (kind, size) = if partial {
            if !meta.is_file() {
                continue; // a folder of partials: listed when its folder is
            }
            (Kind::Partial, meta.len())
        } else if meta.is_symlink() {
            (Kind::Link, 0)
        } else if meta.is_dir() {
            (Kind::Folder, 0)
        } else if meta.is_file() {
            (Kind::File, meta.len())
        } else {
            continue; // a socket, a device: nothing a user can transfer
        };
        out.push(Entry { name, kind, size });
    }
    Ok(())
}

/// A place in a message: `/docs/a.txt`, on one line whatever it holds.
pub fn shown_place(place: &Place) -> String {
    shown(&place.shown())
}

/// A failure of the server's own disk, in words for the user.
fn server_error(e: io::Error) -> Refusal {
    Refusal::new(Code::ServerError, format!("the server's disk failed: {e}"))
}
// ANCHOR_END: all
