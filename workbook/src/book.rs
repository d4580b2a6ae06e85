//! The book in two editions: English (the source, `book/src`) and Chinese
//! (`po/zh-CN.po`, Gettext messages applied by `mdbook-gettext` from
//! mdbook-i18n-helpers, the workflow Comprehensive Rust uses).
//!
//! Both are built into one site: English at `book/book/`, Chinese at
//! `book/book/zh-CN/`, and every page has a link to the same page in the other
//! edition (`book/theme/language.js`). `just book` serves that site;
//! `just translations` merges changed English text into the `.po` file, and
//! `just test` fails while a message is untranslated or fuzzy.
//!
//! The messages are extracted before mdBook's `links` preprocessor runs, so a
//! `{{#include}}` of code or of a transcript is never a message: code and program
//! output appear in both editions exactly as the programs have them.

use std::collections::HashMap;
use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::Duration;

use workbook_harness::workspace;

use crate::{Outcome, cmd, exit_code, setup, style};

/// The editions besides English, as `po/LANG.po` and the site's `/LANG/`.
pub const TRANSLATIONS: &[&str] = &["zh-CN"];

/// The book's title in a translated edition (book.toml has the English one).
fn title(lang: &str) -> Option<&'static str> {
    match lang {
        "zh-CN" => Some(
            "socket-workbook：用 Rust 学网络编程，从第一个套接字到你自己的 FTP 服务器",
        ),
        _ => None,
    }
}

/// Building one edition takes seconds; this is the backstop.
const BUILD_LIMIT: Duration = Duration::from_secs(600);

/// Where the site is built: English here, each translation in a folder of it.
pub fn site_dir() -> PathBuf {
    workspace::root().join("book").join("book")
}

fn po_file(lang: &str) -> PathBuf {
    workspace::root().join("po").join(format!("{lang}.po"))
}

/// `mdbook build` for one edition into `dest`.
fn mdbook_build(lang: Option<&str>, dest: &Path) -> Result<(), String> {
    setup::require("mdbook")?;
    let mut mdbook = Command::new("mdbook");
    mdbook
        .current_dir(workspace::root())
        .args(["build", "book", "--dest-dir"])
        .arg(dest);
    if let Some(lang) = lang {
        setup::require("mdbook-gettext")?;
        // The translation is applied before `links` expands the includes; the
        // po folder is relative to book/.
        if let Some(title) = title(lang) {
            mdbook.env("MDBOOK_BOOK__TITLE", title);
        }
        mdbook.env("MDBOOK_BOOK__LANGUAGE", lang).env(
            "MDBOOK_PREPROCESSOR__GETTEXT",
            r#"{"before": ["links"], "po-dir": "../po"}"#,
        );
    }
    let status = cmd::inherited(mdbook, BUILD_LIMIT)?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "mdbook build of the {} edition failed (see above)",
            lang.unwrap_or("English")
        ))
    }
}

/// Builds the whole site: English, then each translation inside it.
pub fn build_site() -> Result<(), String> {
    let site = site_dir();
    mdbook_build(None, &site)?;
    for lang in TRANSLATIONS {
        let dest = site.join(lang);
        mdbook_build(Some(lang), &dest)?;
        // A server answers every missing address with the site's one 404 page
        // (the English one, whose links lead to the root); a translation's own
        // would load its scripts from the root, where they are not.
        let _ = fs::remove_file(dest.join("404.html"));
    }
    Ok(())
}

/// Extracts the English messages into `target/i18n/messages.pot`.
fn extract_messages() -> Result<PathBuf, String> {
    setup::require("mdbook")?;
    setup::require("mdbook-xgettext")?;
    let dir = workspace::root().join("target").join("i18n");
    let _ = fs::remove_dir_all(&dir);
    let mut mdbook = Command::new("mdbook");
    mdbook
        .current_dir(workspace::root())
        .args(["build", "book", "--dest-dir"])
        .arg(&dir)
        // Only the xgettext renderer, and none of the default preprocessors:
        // `links` would paste included code and transcripts into the messages.
        .env(
            "MDBOOK_OUTPUT",
            r#"{"xgettext": {"pot-file": "messages.pot", "granularity": 0}}"#,
        )
        .env("MDBOOK_BUILD__USE_DEFAULT_PREPROCESSORS", "false");
    let out = cmd::captured(mdbook, BUILD_LIMIT)?;
    if !out.status.success() {
        return Err(format!(
            "extracting the book's messages failed:\n{}",
            out.output
        ));
    }
    Ok(dir.join("messages.pot"))
}

/// One entry of a `.po` or `.pot` file: what matters for the checks.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub text: String,
    pub fuzzy: bool,
    pub obsolete: bool,
}

/// Reads the entries of a Gettext file (the header, msgid "", is left out).
pub fn parse_po(source: &str) -> Vec<Message> {
    #[derive(PartialEq)]
    enum Field {
        None,
        Id,
        Text,
    }
    let mut out = Vec::new();
    let mut entry = Message::default();
    let mut field = Field::None;
    let mut started = false;
    let mut finish = |entry: &mut Message, started: &mut bool| {
        if *started && !entry.id.is_empty() {
            out.push(std::mem::take(entry));
        }
        *entry = Message::default();
        *started = false;
    };
    for line in source.lines() {
        let line = line.trim_end();
        let (obsolete, line) = match line.strip_prefix("#~") {
            Some(rest) => (true, rest.trim_start()),
            None => (false, line),
        };
        if line.is_empty() {
            finish(&mut entry, &mut started);
            field = Field::None;
        } else if let Some(flags) = line.strip_prefix("#,") {
            if started && field == Field::Text {
                finish(&mut entry, &mut started);
            }
            entry.fuzzy |= flags.split(',').any(|f| f.trim() == "fuzzy");
        } else if line.starts_with('#') {
            if started && field == Field::Text {
                finish(&mut entry, &mut started);
                field = Field::None;
            }
        } else if let Some(rest) = line.strip_prefix("msgid ") {
            if started && field == Field::Text {
                let fuzzy = entry.fuzzy;
                finish(&mut entry, &mut started);
                entry.fuzzy = fuzzy;
            }
            started = true;
            entry.obsolete = obsolete;
            entry.id = unquote(rest);
            field = Field::Id;
        } else if let Some(rest) = line.strip_prefix("msgstr ") {
            entry.text = unquote(rest);
            field = Field::Text;
        } else if line.starts_with('"') {
            match field {
                Field::Id => entry.id.push_str(&unquote(line)),
                Field::Text => entry.text.push_str(&unquote(line)),
                Field::None => {}
            }
        }
    }
    finish(&mut entry, &mut started);
    out
}

/// `"a\"b\n"` → `a"b` and a newline.
fn unquote(quoted: &str) -> String {
    let inner = quoted
        .trim()
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or("");
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// What a translation lacks against the English messages.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Gaps {
    pub messages: usize,
    pub untranslated: Vec<String>,
    pub fuzzy: Vec<String>,
}

impl Gaps {
    pub fn is_empty(&self) -> bool {
        self.untranslated.is_empty() && self.fuzzy.is_empty()
    }
}

/// Compares a translation with the English messages it must cover.
pub fn gaps(english: &[Message], translation: &[Message]) -> Gaps {
    let translated: HashMap<&str, &Message> = translation
        .iter()
        .filter(|m| !m.obsolete)
        .map(|m| (m.id.as_str(), m))
        .collect();
    let mut gaps = Gaps {
        messages: english.len(),
        ..Gaps::default()
    };
    for message in english {
        match translated.get(message.id.as_str()) {
            Some(t) if t.fuzzy => gaps.fuzzy.push(message.id.clone()),
            Some(t) if !t.text.trim().is_empty() => {}
            _ => gaps.untranslated.push(message.id.clone()),
        }
    }
    gaps
}

/// The first words of a message, on one line, for a report.
fn excerpt(message: &str) -> String {
    let line: String = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut short: String = line.chars().take(60).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}

/// `just test`'s step: every translation covers every English message.
pub fn check_translations() -> Result<(), String> {
    let pot = extract_messages()?;
    let english = parse_po(
        &fs::read_to_string(&pot)
            .map_err(|e| format!("cannot read {}: {e}", pot.display()))?,
    );
    let mut problems = Vec::new();
    for lang in TRANSLATIONS {
        let path = po_file(lang);
        let translation = parse_po(
            &fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        );
        let gaps = gaps(&english, &translation);
        println!(
            "  {lang}: {} messages, {} untranslated, {} fuzzy",
            gaps.messages,
            gaps.untranslated.len(),
            gaps.fuzzy.len()
        );
        for id in gaps.untranslated.iter().take(5) {
            println!("    untranslated: {}", excerpt(id));
        }
        for id in gaps.fuzzy.iter().take(5) {
            println!("    fuzzy: {}", excerpt(id));
        }
        if !gaps.is_empty() {
            problems.push(format!(
                "po/{lang}.po has {} untranslated and {} fuzzy messages: run `just \
                 translations` (it merges the English text into it with msgmerge), then \
                 translate the empty ones and those marked fuzzy",
                gaps.untranslated.len(),
                gaps.fuzzy.len()
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// `just translations`: the English text's messages merged into each `.po`
/// file; new messages come in empty, changed ones fuzzy with the old text.
pub fn update_translations() -> Outcome {
    let pot = extract_messages()?;
    for lang in TRANSLATIONS {
        let po = po_file(lang);
        let mut msgmerge = Command::new("msgmerge");
        msgmerge
            .args(["--update", "--backup=none", "--no-wrap", "--quiet"])
            .arg(&po)
            .arg(&pot);
        let out = cmd::captured(msgmerge, BUILD_LIMIT).map_err(|e| {
            format!("{e} (msgmerge is GNU gettext's: `sudo apt-get install gettext`, `brew install gettext`)")
        })?;
        if !out.status.success() {
            return Err(format!(
                "msgmerge failed for {}:\n{}",
                po.display(),
                out.output
            ));
        }
        let translation =
            parse_po(&fs::read_to_string(&po).map_err(|e| e.to_string())?);
        let english =
            parse_po(&fs::read_to_string(&pot).map_err(|e| e.to_string())?);
        let gaps = gaps(&english, &translation);
        println!(
            "po/{lang}.po: {} messages, {} to translate, {} fuzzy (changed in English)",
            gaps.messages,
            gaps.untranslated.len(),
            gaps.fuzzy.len()
        );
    }
    Ok(exit_code(true))
}

/// `just book [LANG]`: builds both editions and serves the site on loopback.
pub fn serve(lang: Option<&str>, port: u16) -> Outcome {
    if let Some(lang) = lang.filter(|l| !TRANSLATIONS.contains(l)) {
        return Err(format!(
            "there is no {lang:?} edition; the editions are: en, {}",
            TRANSLATIONS.join(", ")
        ));
    }
    build_site()?;
    let addr = format!("127.0.0.1:{port}");
    let listener = TcpListener::bind(&addr).map_err(|e| match e.kind() {
        io::ErrorKind::AddrInUse => format!(
            "{addr} is already in use (is the book already served?); try `just book --port 3001`"
        ),
        _ => format!("cannot listen on {addr}: {e}"),
    })?;
    let page = match lang {
        Some(lang) if lang != "en" => format!("{lang}/"),
        _ => String::new(),
    };
    println!(
        "serving the book at {} (Ctrl-C stops it; run again after editing to rebuild)",
        style::bold(&format!("http://{addr}/{page}"))
    );
    let site = site_dir();
    for stream in listener.incoming().flatten() {
        let site = site.clone();
        thread::spawn(move || {
            let _ = answer(stream, &site);
        });
    }
    Ok(exit_code(true))
}

/// Answers one HTTP request for a file of the site (GET or HEAD only; nothing
/// outside `site` is ever served).
fn answer(stream: TcpStream, site: &Path) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let mut words = request.split_whitespace();
    let (method, target) =
        (words.next().unwrap_or(""), words.next().unwrap_or("/"));
    let mut stream = stream;
    if method != "GET" && method != "HEAD" {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"",
            true,
        );
    }
    let Some(file) = resolve(site, target) else {
        return respond(
            &mut stream,
            "404 Not Found",
            "text/plain",
            b"not found\n",
            method == "GET",
        );
    };
    match fs::read(&file) {
        Ok(body) => respond(
            &mut stream,
            "200 OK",
            content_type(&file),
            &body,
            method == "GET",
        ),
        Err(_) => {
            let missing = fs::read(site.join("404.html")).unwrap_or_default();
            respond(
                &mut stream,
                "404 Not Found",
                "text/html; charset=utf-8",
                &missing,
                method == "GET",
            )
        }
    }
}

/// The file a request path names under `site`: percent-decoded, without its
/// query, `index.html` for a folder; `None` for a path that leaves the site.
pub fn resolve(site: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let decoded = percent_decode(path)?;
    let mut file = site.to_path_buf();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => file.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if decoded.ends_with('/') || file.is_dir() {
        file.push("index.html");
    }
    Some(file)
}

fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "txt" | "md" | "csv" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    kind: &str,
    body: &[u8],
    with_body: bool,
) -> io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if with_body {
        stream.write_all(body)?;
    }
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PO: &str = r#"msgid ""
msgstr ""
"Language: zh_CN\n"

#: src/a.md
msgid "Run it"
msgstr "运行 {#run-it}"

#, fuzzy
#| msgid "Old text"
msgid "New \"text\""
"\n"
msgstr "旧的"

msgid "Empty"
msgstr ""

#~ msgid "Gone"
#~ msgstr "没了"
"#;

    #[test]
    fn a_po_file_is_read_with_its_flags_and_escapes() {
        let messages = parse_po(PO);
        assert_eq!(
            messages,
            vec![
                Message {
                    id: "Run it".into(),
                    text: "运行 {#run-it}".into(),
                    fuzzy: false,
                    obsolete: false
                },
                Message {
                    id: "New \"text\"\n".into(),
                    text: "旧的".into(),
                    fuzzy: true,
                    obsolete: false
                },
                Message {
                    id: "Empty".into(),
                    text: String::new(),
                    fuzzy: false,
                    obsolete: false
                },
                Message {
                    id: "Gone".into(),
                    text: "没了".into(),
                    fuzzy: false,
                    obsolete: true
                },
            ]
        );
    }

    #[test]
    fn untranslated_fuzzy_and_missing_messages_are_gaps() {
        let english = parse_po(
            "msgid \"Run it\"\nmsgstr \"\"\n\nmsgid \"New \\\"text\\\"\"\n\"\\n\"\nmsgstr \"\"\n\n\
             msgid \"Empty\"\nmsgstr \"\"\n\nmsgid \"Gone\"\nmsgstr \"\"\n\nmsgid \"Brand new\"\nmsgstr \"\"\n",
        );
        let gaps = gaps(&english, &parse_po(PO));
        assert_eq!(gaps.messages, 5);
        assert_eq!(gaps.fuzzy, vec!["New \"text\"\n".to_string()]);
        // An obsolete entry (#~) translates nothing.
        assert_eq!(
            gaps.untranslated,
            vec!["Empty".to_string(), "Gone".into(), "Brand new".into()]
        );
    }

    #[test]
    fn a_complete_translation_has_no_gaps() {
        let english = parse_po("msgid \"Run it\"\nmsgstr \"\"\n");
        assert!(gaps(&english, &parse_po(PO)).is_empty());
    }

    #[test]
    fn requests_resolve_inside_the_site_only() {
        let site = Path::new("/site");
        assert_eq!(
            resolve(site, "/zh-CN/"),
            Some(PathBuf::from("/site/zh-CN/index.html"))
        );
        assert_eq!(
            resolve(site, "/01-basic-socket.html?x=1#run-it"),
            Some(PathBuf::from("/site/01-basic-socket.html"))
        );
        assert_eq!(
            resolve(site, "/a%20b.html"),
            Some(PathBuf::from("/site/a b.html"))
        );
        assert_eq!(resolve(site, "/../etc/passwd"), None);
        assert_eq!(resolve(site, "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(site, "/bad%zz"), None);
    }
}
