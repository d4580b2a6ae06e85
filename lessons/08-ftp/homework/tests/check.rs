//! The check for homework 8 (`just check 8`). The test plays lesson 8's server:
//! it reads your `get` request with the lesson's own functions and answers with a
//! good file, a refusal, a damaged file, a download cut off halfway, a folder
//! that cannot be written, and (on Linux) a file larger than the memory your
//! client may still take. It watches your folder while a body arrives.

use std::fs;
use std::io::{BufReader, BufWriter, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use lesson_07::frame::{read_header, write_header};
use lesson_08::protocol::{Reply, Request};
use lesson_08::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::process::TIMEOUT;
use workbook_harness::{Input, Proc, ScratchDir, TestListener, homework_program};

/// Your client, started with `--dir` set to a fresh folder, and the test's end
/// of its connection.
struct Session {
    client: Proc,
    reader: BufReader<TcpStream>,
    writer: BufWriter<TcpStream>,
    dir: ScratchDir,
}

fn start() -> Session {
    let dir = ScratchDir::new("homework08");
    let download = dir.path().to_path_buf();
    start_in(dir, &download)
}

/// Like [`start`], with `--dir` set to `download` (inside `dir`).
fn start_in(dir: ScratchDir, download: &Path) -> Session {
    let listener = TestListener::bind();
    let args = vec![
        "--addr".to_string(),
        listener.addr().to_string(),
        "--dir".to_string(),
        download.display().to_string(),
    ];
    let mut client =
        Proc::spawn("your client", &homework_program!("08"), &args, Input::Piped)
            .unwrap();
    let (conn, _) = listener.accept(&mut client);
    // Connected, and waiting for a command.
    client.wait_for_text("connected to");
    Session {
        client,
        reader: BufReader::new(conn.try_clone().unwrap()),
        writer: BufWriter::new(conn),
        dir,
    }
}

impl Session {
    /// Types `get NAME` and checks the request that arrives.
    fn get(&mut self, name: &str) {
        self.client.send_line(&format!("get {name}"));
        let request: Request = match read_header(&mut self.reader) {
            Ok(Some(request)) => request,
            other => self.client.fail(&format!(
                "sent no request header for `get {name}`: {other:?}"
            )),
        };
        let expected = Request {
            command: "get".into(),
            name: name.into(),
            ..Request::default()
        };
        assert_eq!(request, expected, "the request for `get {name}`");
    }
    /// Answers with a reply header, then `body`.
    fn reply(&mut self, reply: &Reply, body: &[u8]) {
        write_header(&mut self.writer, reply).unwrap();
        self.writer.write_all(body).unwrap();
        self.writer.flush().unwrap();
    }
    /// A good reply: `body` with its size and digest.
    fn send_file(&mut self, body: &[u8], sha256_of_body: &[u8]) {
        let reply = Reply {
            body_size: body.len() as u64,
            sha256: Some(sha256_of(sha256_of_body)),
            ..Reply::default()
        };
        self.reply(&reply, body);
    }
    /// The line your client prints for `get NAME`.
    fn line_for(&mut self, name: &str) -> String {
        self.client
            .wait_for(&format!("a line starting with `get {name}`"), |l| {
                l.starts_with(&format!("get {name}"))
            })
    }
    /// Every file in the download folder (temporary ones too), with contents.
    fn files(&self) -> Vec<(String, Vec<u8>)> {
        files_in(self.dir.path())
    }
    fn put_file(&self, name: &str, contents: &[u8]) {
        fs::write(self.dir.path().join(name), contents).unwrap();
    }
}

/// Every file in `dir` (temporary ones too), with contents.
fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, fs::read(entry.path()).unwrap_or_default())
        })
        .collect();
    files.sort();
    files
}

fn numbered_bytes(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 7 + i / 251) as u8).collect()
}

#[test]
fn a_file_is_saved_whole_and_under_its_own_name() {
    let mut s = start();
    let data = numbered_bytes(300_000);
    s.get("report.bin");
    s.send_file(&data, &data);
    s.line_for("report.bin");

    // A name with folders in it is saved under its last part, inside --dir.
    // The folder is looked at once the client has moved on: its next request
    // arrived, or it ended.
    s.get("sub/../../up.txt");
    assert!(
        s.files() == vec![("report.bin".to_string(), data.clone())],
        "the folder should hold report.bin, 300000 bytes, and nothing else"
    );
    s.send_file(b"up", b"up");
    s.line_for("sub/../../up.txt");
    s.client.close_stdin();
    let Session { client, dir, .. } = s;
    let out = client.finish();
    assert!(out.status.success(), "{out:?}");
    let above = dir.path().parent().unwrap().join("up.txt");
    let escaped = above.exists();
    let _ = fs::remove_file(above);
    assert!(!escaped, "saved outside --dir");
    assert!(dir.path().join("up.txt").exists(), "saved as up.txt");
}

#[test]
fn a_refusal_is_printed_and_the_client_goes_on() {
    let mut s = start();
    s.get("nope.txt");
    s.reply(&Reply::error("no such file on the server"), b"");
    let line = s.line_for("nope.txt");
    assert!(
        line.contains("no such file on the server"),
        "your line should give the server's reason: {line:?}"
    );
    s.get("yes.txt");
    s.send_file(b"yes\n", b"yes\n");
    s.line_for("yes.txt");
    s.client.close_stdin();
    let Session { client, dir, .. } = s;
    let out = client.finish();
    assert!(
        out.status.success(),
        "end of input is a clean exit: {out:?}"
    );
    assert_eq!(
        files_in(dir.path()),
        vec![("yes.txt".to_string(), b"yes\n".to_vec())]
    );
}

#[test]
fn a_damaged_file_is_reported_and_nothing_changes() {
    let mut s = start();
    s.put_file("notes.txt", b"the old notes");
    let before = s.files();
    s.get("notes.txt");
    s.send_file(b"new notes, one byte wrong", b"new notes, one byte right");
    let line = s.line_for("notes.txt");
    assert!(
        line.contains("damaged")
            || line.contains("sha256")
            || line.contains("digest"),
        "your line should say the file arrived damaged: {line:?}"
    );
    // And the client goes on. Its next request shows that it is done with this
    // `get`, cleaning up included (it may print its line first).
    s.get("other.txt");
    assert_eq!(
        s.files(),
        before,
        "the old notes.txt stays, and nothing else"
    );
    s.send_file(b"fine", b"fine");
    s.line_for("other.txt");
    s.client.close_stdin();
}

#[test]
fn a_download_cut_off_halfway_leaves_nothing() {
    let mut s = start();
    s.put_file("big.bin", b"the old big.bin");
    let before = s.files();
    let data = numbered_bytes(2_000_000);
    s.get("big.bin");
    let reply = Reply {
        body_size: data.len() as u64,
        sha256: Some(sha256_of(&data)),
        ..Reply::default()
    };
    s.reply(&reply, &data[..500_000]);
    let Session {
        client,
        dir,
        reader,
        writer,
    } = s;
    drop((reader, writer)); // the test's end of the connection closes
    client.finish().one_error_line();
    assert_eq!(
        files_in(dir.path()),
        before,
        "the old big.bin stays, and nothing else"
    );
}

/// The body is written to a temporary file in --dir while it arrives (beside its
/// target, so that the rename stays within one folder), and the older file of
/// that name stays as it is until the new one is complete.
#[test]
fn the_body_grows_in_a_temporary_file_beside_its_target() {
    let mut s = start();
    s.put_file("big.bin", b"the old big.bin");
    let data = numbered_bytes(2_000_000);
    s.get("big.bin");
    let reply = Reply {
        body_size: data.len() as u64,
        sha256: Some(sha256_of(&data)),
        ..Reply::default()
    };
    s.reply(&reply, &data[..1_000_000]);
    // Half of the body is sent: a new file in --dir holds some of it.
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let growing = s
            .files()
            .into_iter()
            .any(|(name, contents)| name != "big.bin" && !contents.is_empty());
        if growing {
            break;
        }
        if s.client.has_exited() || Instant::now() > deadline {
            let files = s.files().into_iter().map(|(name, _)| name);
            s.client.fail(&format!(
                "wrote no temporary file in --dir while half of big.bin had \
                 arrived (the folder holds {:?})",
                files.collect::<Vec<_>>()
            ));
        }
        thread::sleep(Duration::from_millis(5));
    }
    let old = fs::read(s.dir.path().join("big.bin")).unwrap();
    assert_eq!(old, b"the old big.bin", "big.bin is untouched meanwhile");
    s.writer.write_all(&data[1_000_000..]).unwrap();
    s.writer.flush().unwrap();
    s.line_for("big.bin");
    s.client.close_stdin();
    let out = s.client.finish();
    assert!(out.status.success(), "{out:?}");
    assert!(
        files_in(s.dir.path()) == vec![("big.bin".to_string(), data)],
        "the folder should hold the new big.bin, and nothing else"
    );
}

/// A file that cannot be written (here --dir does not exist) is reported in its
/// line; the client reads past its body, so the next reply is read from its
/// start, and goes on.
#[test]
fn a_file_that_cannot_be_written_is_reported_and_the_client_goes_on() {
    let dir = ScratchDir::new("homework08");
    let missing: PathBuf = dir.path().join("missing");
    let mut s = start_in(dir, &missing);
    let data = numbered_bytes(100_000);
    s.get("a.bin");
    s.send_file(&data, &data);
    s.line_for("a.bin");
    fs::create_dir(&missing).unwrap();
    s.get("b.txt");
    s.send_file(b"bee", b"bee");
    let line = s.line_for("b.txt");
    s.client.close_stdin();
    let out = s.client.finish();
    assert!(out.status.success(), "the client goes on: {out:?}");
    assert_eq!(
        files_in(&missing),
        vec![("b.txt".to_string(), b"bee".to_vec())],
        "after a.bin could not be written, b.txt is saved: {line:?}"
    );
}

/// A body is copied in chunks, never held whole: with its address space
/// limited to what it uses now plus 16 MiB, your client downloads 48 MiB.
#[cfg(target_os = "linux")]
#[test]
fn a_file_larger_than_the_memory_left_is_downloaded() {
    use workbook_harness::limits::no_more_memory;

    let mut s = start();
    let data = numbered_bytes(48 * 1024 * 1024);
    let limit = no_more_memory(s.client.id(), 16 * 1024 * 1024);
    s.get("huge.bin");
    s.send_file(&data, &data);
    s.line_for("huge.bin");
    limit.restore();
    s.client.close_stdin();
    let out = s.client.finish();
    assert!(out.status.success(), "{out:?}");
    let saved = fs::read(s.dir.path().join("huge.bin")).unwrap_or_default();
    assert!(saved == data, "huge.bin is saved whole");
}
