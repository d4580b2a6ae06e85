//! Folders for lessons that move files (8 and 9). A lesson's `playground/` holds
//! a `server/` and a `client/` folder, one per side, as if they were two machines.
//! The runner and the tests copy it somewhere writable and run each side in its
//! own folder, so nothing a learner uploads lands in the lesson's sources.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A lesson's playground, ready to use: where each side runs.
#[derive(Debug, Clone)]
pub struct Playground {
    pub server: PathBuf,
    pub client: PathBuf,
}

/// The playground template of the lesson in `lesson_dir`, if it has one.
pub fn template(lesson_dir: &Path) -> Option<PathBuf> {
    let dir = lesson_dir.join("playground");
    dir.is_dir().then_some(dir)
}

/// Copies the template into `into`, keeping files that are already there (what a
/// learner uploaded or downloaded in an earlier run stays).
pub fn prepare(template: &Path, into: &Path) -> io::Result<Playground> {
    copy_missing(template, into)?;
    let playground = Playground {
        server: into.join("server"),
        client: into.join("client"),
    };
    fs::create_dir_all(&playground.server)?;
    fs::create_dir_all(&playground.client)?;
    Ok(playground)
}

/// Copies every file under `from` to the same place under `to`, unless it exists.
fn copy_missing(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_missing(&entry.path(), &target)?;
        } else if !target.exists() {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// A fresh folder for one test, removed when dropped.
#[derive(Debug)]
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(label: &str) -> ScratchDir {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir()
            .join(format!("workbook-{label}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        ScratchDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    /// A copy of the lesson's playground in this folder.
    pub fn playground(&self, lesson_dir: &Path) -> Playground {
        let template = template(lesson_dir).expect("the lesson has a playground/");
        prepare(&template, &self.0.join("playground"))
            .unwrap_or_else(|e| panic!("cannot copy the playground: {e}"))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
