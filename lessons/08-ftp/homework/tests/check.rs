//! The check for homework 8 (`just check 8`). The test plays lesson 8's server:
//! it reads your `get` request with the lesson's own functions and answers with a
//! good file, a refusal, a damaged file and a download cut off halfway.

use std::fs;
use std::io::{BufReader, BufWriter, Write};
use std::net::TcpStream;
use std::path::Path;

use lesson_07::frame::{read_header, write_header};
use lesson_08::protocol::{Reply, Request};
use lesson_08::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;
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
    let listener = TestListener::bind();
    let args = vec![
        "--addr".to_string(),
        listener.addr().to_string(),
        "--dir".to_string(),
        dir.path().display().to_string(),
    ];
    let mut client =
        Proc::spawn("your client", &homework_program!("08"), &args, Input::Piped)
            .unwrap();
    let (conn, _) = listener.accept(&mut client);
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
    assert!(
        s.files() == vec![("report.bin".to_string(), data.clone())],
        "the folder should hold report.bin, 300000 bytes, and nothing else"
    );

    // A name with folders in it is saved under its last part, inside --dir.
    s.get("sub/../../up.txt");
    s.send_file(b"up", b"up");
    s.line_for("sub/../../up.txt");
    assert!(s.dir.path().join("up.txt").exists(), "saved as up.txt");
    assert!(!s.dir.path().parent().unwrap().join("up.txt").exists());
    let _ = fs::remove_file(s.dir.path().parent().unwrap().join("up.txt"));
    s.client.close_stdin();
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
    assert_eq!(s.files(), vec![("yes.txt".to_string(), b"yes\n".to_vec())]);
    s.client.close_stdin();
    let out = s.client.finish();
    assert!(
        out.status.success(),
        "end of input is a clean exit: {out:?}"
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
    assert_eq!(
        s.files(),
        before,
        "the old notes.txt stays, and nothing else"
    );
    // And the client goes on.
    s.get("other.txt");
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
