//! Where things are: the workspace root, the lesson crates and their programs.
//! The runner and the whole-workbook checks both ask here, so the layout is
//! written down once.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace root (the folder with the top-level `Cargo.toml`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
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
