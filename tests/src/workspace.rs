//! Where things are: the workspace root, the lesson crates and their programs.
//! The runner and the whole-workbook checks both ask here, so the layout is
//! written down once.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The workspace root (the folder with the top-level `Cargo.toml`).
/// Panics outside a checkout; the runner asks [`locate`] first, to say so in one line.
pub fn root() -> PathBuf {
    locate().unwrap_or_else(|e| panic!("{e}")).to_path_buf()
}

/// The checkout we are run in, found at run time and never compiled in: checkouts
/// that share one target folder (a fork and its upstream, a copy to try something)
/// share the programs cargo built there too, since cargo does not rebuild a
/// program whose sources look no newer, so a path fixed at compile time would be
/// another checkout's. The search starts where cargo says the running package is
/// (`cargo run` and `cargo test` set `CARGO_MANIFEST_DIR` for the programs they
/// run), then in the current folder.
pub fn locate() -> Result<&'static Path, String> {
    static ROOT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = ROOT.get_or_init(|| {
        let here = std::env::current_dir()
            .map_err(|e| format!("cannot read the current folder: {e}"))?;
        let package = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
        package
            .iter()
            .chain([&here])
            .find_map(|start| root_above(start))
            .ok_or_else(|| {
                format!(
                    "{} is not inside a socket-workbook checkout (no Cargo.toml \
                     with [workspace] beside a lessons folder, here or above)",
                    here.display()
                )
            })
    });
    found.as_deref().map_err(Clone::clone)
}

/// The nearest folder, from `start` upwards, that is a workbook checkout.
pub fn root_above(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| is_checkout(dir))
        .map(Path::to_path_buf)
}

/// A checkout's top folder: a workspace `Cargo.toml` beside `lessons/`.
fn is_checkout(dir: &Path) -> bool {
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml"));
    dir.join("lessons").is_dir()
        && manifest
            .is_ok_and(|text| text.lines().any(|l| l.trim() == "[workspace]"))
}

/// The folder of the package whose tests are running, read at run time. A test
/// that wrote `env!("CARGO_MANIFEST_DIR")` instead would read the files of the
/// first checkout that built it when another checkout shares its target folder.
pub fn package_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .expect("cargo sets CARGO_MANIFEST_DIR for the tests it runs")
    })
}

/// One lesson crate: `lessons/NN-name/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    pub number: u32,
    /// The folder name, e.g. `02-multi-round`.
    pub slug: String,
    pub dir: PathBuf,
}

impl Lesson {
    /// Two digits, as in package and program names: `02`.
    pub fn nn(&self) -> String {
        format!("{:02}", self.number)
    }
    /// The lesson's cargo package, e.g. `lesson-02`.
    pub fn package(&self) -> String {
        format!("lesson-{}", self.nn())
    }
    /// The homework's cargo package, e.g. `homework-02`.
    pub fn homework_package(&self) -> String {
        format!("homework-{}", self.nn())
    }
    /// The homework folder beside the lesson.
    pub fn homework_dir(&self) -> PathBuf {
        self.dir.join("homework")
    }
    /// Whether the lesson has its homework yet (a crate in `homework/`).
    pub fn has_homework(&self) -> bool {
        self.homework_dir().join("Cargo.toml").is_file()
    }
    /// The learner's homework program: `homework/src/main.rs`.
    pub fn homework_main(&self) -> PathBuf {
        self.homework_dir().join("src").join("main.rs")
    }
    /// The homework's starting code as shipped, `homework/starter/main.rs`: never
    /// the learner's to edit, so `just reset N` can always put it back. The
    /// shipped `src/main.rs` is a copy of it (`just test` checks that in CI).
    pub fn starter(&self) -> PathBuf {
        self.homework_dir().join("starter").join("main.rs")
    }
    /// The homework's kept fixtures of one kind, `wrong` or `right`: the files
    /// `homework/KIND/NAME.rs`, each built as the program `KIND-NN-NAME`. A wrong
    /// one is a plausible mistake the check must reject; a right one, a correct
    /// solution written differently, which it must accept. Sorted by name.
    pub fn fixtures(&self, kind: &str) -> io::Result<Vec<Fixture>> {
        let dir = self.homework_dir().join(kind);
        let mut found = Vec::new();
        if !dir.is_dir() {
            return Ok(found);
        }
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "rs")
                && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
            {
                found.push(Fixture {
                    program: format!("{kind}-{}-{stem}", self.nn()),
                    path,
                });
            }
        }
        found.sort_by(|a, b| a.program.cmp(&b.program));
        Ok(found)
    }
    /// The homework's milestones, from `homework/MILESTONES`, in order; none
    /// for a homework checked in one piece. The capstone's has seven.
    pub fn milestones(&self) -> io::Result<Vec<Milestone>> {
        let path = self.homework_dir().join("MILESTONES");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        text.lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| {
                Milestone::parse(line).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "{}: cannot read the line {line:?}",
                            path.display()
                        ),
                    )
                })
            })
            .collect()
    }
    /// The book chapter of this lesson, e.g. `book/src/02-multi-round.md`.
    pub fn chapter(&self) -> PathBuf {
        root()
            .join("book")
            .join("src")
            .join(format!("{}.md", self.slug))
    }
    /// Program names: `server-02`, `client-02`.
    pub fn server_bin(&self) -> String {
        format!("server-{}", self.nn())
    }
    pub fn client_bin(&self) -> String {
        format!("client-{}", self.nn())
    }
}

/// One step of a homework checked milestone by milestone. A line of
/// `homework/MILESTONES`: `number | test prefix | title | requirements |
/// chapter section`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub number: u32,
    /// What the names of its tests start with: `m3_`.
    pub prefix: String,
    pub title: String,
    /// The chapter's requirements it covers, as written: `3, 5, 6`.
    pub requirements: String,
    /// The section of the book it builds on: `11-capstone.md#the-client`.
    pub chapter: String,
}

impl Milestone {
    fn parse(line: &str) -> Option<Milestone> {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let [number, prefix, title, requirements, chapter] = parts[..] else {
            return None;
        };
        Some(Milestone {
            number: number.parse().ok()?,
            prefix: prefix.to_string(),
            title: title.to_string(),
            requirements: requirements.to_string(),
            chapter: chapter.to_string(),
        })
    }
}

/// A kept homework fixture: its source and the program it is built as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixture {
    /// `wrong-08-body-in-memory`: the `[[bin]]` name in the homework's Cargo.toml.
    pub program: String,
    pub path: PathBuf,
}

/// Every lesson under `lessons/`, in order.
pub fn lessons() -> io::Result<Vec<Lesson>> {
    let mut lessons = Vec::new();
    for entry in std::fs::read_dir(root().join("lessons"))? {
        let entry = entry?;
        let slug = entry.file_name().to_string_lossy().into_owned();
        let Some((digits, _)) = slug.split_once('-') else {
            continue;
        };
        let Ok(number) = digits.parse() else { continue };
        if entry.file_type()?.is_dir() {
            lessons.push(Lesson {
                number,
                slug,
                dir: entry.path(),
            });
        }
    }
    lessons.sort_by_key(|l| l.number);
    Ok(lessons)
}

/// The lesson with this number, or a message that lists the ones there are.
pub fn lesson(number: u32) -> Result<Lesson, String> {
    let all =
        lessons().map_err(|e| format!("cannot read the lessons folder: {e}"))?;
    let numbers: Vec<String> = all.iter().map(|l| l.number.to_string()).collect();
    all.into_iter().find(|l| l.number == number).ok_or_else(|| {
        format!(
            "there is no lesson {number}; the lessons are {}",
            numbers.join(", ")
        )
    })
}

/// The lesson with this number, if it has homework; or a message that says it
/// has none (yet) and which lessons do.
pub fn homework_lesson(number: u32) -> Result<Lesson, String> {
    let lesson = lesson(number)?;
    if lesson.has_homework() {
        return Ok(lesson);
    }
    let with: Vec<String> = lessons()
        .map_err(|e| format!("cannot read the lessons folder: {e}"))?
        .iter()
        .filter(|l| l.has_homework())
        .map(|l| l.number.to_string())
        .collect();
    Err(format!(
        "lesson {number} has no homework to check yet; the lessons with homework are {}",
        with.join(", ")
    ))
}

/// The cargo that runs us (cargo sets `CARGO` for build scripts, tests and `cargo run`).
pub fn cargo() -> Command {
    let mut cmd =
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Builds `package` (its programs only) and returns the path of the program `bin`.
/// Compiler errors go to the terminal as usual.
pub fn build_program(package: &str, bin: &str) -> io::Result<PathBuf> {
    let output = cargo()
        .args([
            "build",
            "--quiet",
            "--message-format=json-render-diagnostics",
            "--package",
            package,
            "--bin",
            bin,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()?;
    if !output.status.success() {
        return Err(io::Error::other(format!(
            "`cargo build -p {package} --bin {bin}` failed"
        )));
    }
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_bin =
            msg["target"]["name"] == bin && msg["target"]["kind"][0] == "bin";
        if let (true, Some(exe)) = (is_bin, msg["executable"].as_str()) {
            return Ok(PathBuf::from(exe));
        }
    }
    Err(io::Error::other(format!(
        "cargo built {package} but named no program {bin}"
    )))
}

/// What a copy of the checkout leaves out: build output (`target/`, the rendered
/// book) and git's history.
const NOT_COPIED: [&str; 3] = ["target", ".git", "book/book"];

/// Copies the checkout at `from` to `to`, as someone trying something in a copy
/// would, keeping each file's modification time: cargo then finds the programs
/// already built from `from` up to date for the copy too, when both share one
/// target folder, and does not rebuild them.
pub fn copy_checkout(from: &Path, to: &Path) -> io::Result<()> {
    copy_tree(from, to, from)
}

fn copy_tree(dir: &Path, to: &Path, top: &Path) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let relative = path.strip_prefix(top).expect("under the top folder");
        if NOT_COPIED.iter().any(|skip| relative == Path::new(skip)) {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&path, &target, top)?;
        } else {
            std::fs::copy(&path, &target)?;
            let modified = entry.metadata()?.modified()?;
            std::fs::File::options()
                .write(true)
                .open(&target)?
                .set_modified(modified)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScratchDir;

    #[test]
    fn the_checkout_is_found_from_a_folder_inside_it() {
        let scratch = ScratchDir::new("root-above");
        let top = scratch.path().join("checkout");
        let inside = top.join("lessons").join("01-x").join("src");
        std::fs::create_dir_all(&inside).unwrap();
        std::fs::write(top.join("Cargo.toml"), "[workspace]\nmembers = []\n")
            .unwrap();
        std::fs::write(top.join("lessons/01-x/Cargo.toml"), "[package]\n").unwrap();
        assert_eq!(root_above(&inside), Some(top.clone()));
        assert_eq!(root_above(&top), Some(top));
    }

    #[test]
    fn the_running_package_is_the_harness() {
        assert_eq!(package_dir(), root().join("tests"));
    }

    #[test]
    fn a_folder_outside_any_checkout_has_none() {
        let scratch = ScratchDir::new("root-none");
        // A workspace without lessons is some other project.
        std::fs::write(scratch.path().join("Cargo.toml"), "[workspace]\n").unwrap();
        assert_eq!(root_above(scratch.path()), None);
    }
}
