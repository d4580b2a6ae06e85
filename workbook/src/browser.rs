//! `just test`'s browser step: the built book in headless Chromium, as a reader
//! sees it (JavaScript errors, broken links, code and tables too wide, search).
//! The check itself is `tests/browser/check-book.mjs`, on Node and the npm package
//! `playwright-core` (pinned by its package-lock.json), which drives the Chromium
//! found here and downloads no browser. Where Chromium, Node or the package is
//! missing the step is skipped with a note saying how to install it; in CI it fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use workbook_harness::workspace;

use crate::{cmd, style};

/// The check stops itself after 480 s; this is the backstop.
const LIMIT: Duration = Duration::from_secs(600);

/// Chromium or Chrome under the names and in the places they are installed.
const ON_PATH: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
];
const INSTALLED_AT: &[&str] = &[
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
];

const INSTALL_CHROMIUM: &str = "install it to run this check: `sudo apt-get install chromium` \
     on Debian or Ubuntu; on macOS or Windows install Google Chrome (or Chromium), or name \
     any Chromium-based browser with CHROMIUM=/path/to/it";
const INSTALL_NODE: &str = "install Node.js 20 or later (https://nodejs.org, or `sudo apt-get install nodejs npm`)";
const INSTALL_PACKAGE: &str = "run `npm ci --prefix tests/browser` once (it installs \
     playwright-core, which drives your Chromium and downloads no browser)";

/// The step: runs the check on `book/book`, or says what is missing.
pub fn check_book(ci: bool) -> Result<(), String> {
    let Some(chromium) = find_chromium() else {
        return missing("Chromium", INSTALL_CHROMIUM, ci);
    };
    if !answers(Command::new("node").arg("--version")) {
        return missing("Node.js", INSTALL_NODE, ci);
    }
    let dir = workspace::root().join("tests").join("browser");
    if !dir.join("node_modules").join("playwright-core").is_dir() {
        return missing("the check's npm package", INSTALL_PACKAGE, ci);
    }
    println!("  {}", style::dim(&format!("with {}", chromium.display())));
    // First the check's own test (it finds each kind of problem in a fixture page),
    // then the book.
    let mut selftest = Command::new("node");
    selftest
        .current_dir(&dir)
        .arg("--test")
        .env("CHROMIUM", &chromium);
    if !cmd::inherited(selftest, LIMIT)?.success() {
        return Err("the browser check fails its own test (see above)".into());
    }
    let mut check = Command::new("node");
    check
        .current_dir(&dir)
        .arg("check-book.mjs")
        .arg(workspace::root().join("book").join("book"))
        .env("CHROMIUM", &chromium);
    if cmd::inherited(check, LIMIT)?.success() {
        Ok(())
    } else {
        Err("the book has problems in a browser (each is listed above with its page)".into())
    }
}

/// Skips the step with a note, or fails it in CI, where it must run.
fn missing(what: &str, how: &str, ci: bool) -> Result<(), String> {
    if ci {
        return Err(format!(
            "{what} is missing, and CI must run this check: {how}"
        ));
    }
    println!(
        "  {} skipped: {what} is not installed; {how}",
        style::dim("–")
    );
    Ok(())
}

fn answers(command: &mut Command) -> bool {
    command.output().is_ok_and(|out| out.status.success())
}

/// The browser named by `CHROMIUM`, else the first one installed.
fn find_chromium() -> Option<PathBuf> {
    if let Some(named) = std::env::var_os("CHROMIUM").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(named));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    first_installed(&std::env::split_paths(&path).collect::<Vec<_>>(), |p| {
        p.is_file()
    })
}

/// The first of the browsers on `path` (in `ON_PATH`'s order), then in
/// `INSTALLED_AT`, for which `exists` is true.
fn first_installed(
    path: &[PathBuf],
    exists: impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    let suffix = std::env::consts::EXE_SUFFIX;
    let on_path = ON_PATH.iter().flat_map(|name| {
        path.iter()
            .map(move |dir| dir.join(format!("{name}{suffix}")))
    });
    on_path
        .chain(INSTALLED_AT.iter().map(PathBuf::from))
        .find(|candidate| exists(candidate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exe(path: &str) -> PathBuf {
        PathBuf::from(format!("{path}{}", std::env::consts::EXE_SUFFIX))
    }

    #[test]
    fn chromium_is_preferred_to_chrome_whichever_folder_comes_first() {
        let path = [PathBuf::from("/a"), PathBuf::from("/b")];
        let installed = [exe("/a/google-chrome"), exe("/b/chromium")];
        let found = first_installed(&path, |p| installed.iter().any(|i| i == p));
        assert_eq!(found, Some(exe("/b/chromium")));
    }

    #[test]
    fn an_app_outside_the_path_is_found_where_it_is_installed() {
        let chrome = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome";
        let found = first_installed(&[PathBuf::from("/usr/bin")], |p| {
            p == Path::new(chrome)
        });
        assert_eq!(found, Some(PathBuf::from(chrome)));
    }

    #[test]
    fn nothing_installed_is_none() {
        assert_eq!(
            first_installed(&[PathBuf::from("/usr/bin")], |_| false),
            None
        );
    }

    #[test]
    fn a_missing_browser_is_a_note_outside_ci_and_a_failure_in_it() {
        assert!(missing("Chromium", INSTALL_CHROMIUM, false).is_ok());
        let err = missing("Chromium", INSTALL_CHROMIUM, true).unwrap_err();
        assert!(err.contains("apt-get install chromium"), "{err}");
    }
}
