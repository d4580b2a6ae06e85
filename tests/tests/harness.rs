//! The harness's own promises: a server started on port 0 reports a real address,
//! a dropped process is killed, and a wait that cannot succeed fails quickly with
//! what the process printed instead of hanging.

use std::net::TcpStream;
use std::panic::{AssertUnwindSafe, catch_unwind};

use workbook_harness::workspace::build_program;
use workbook_harness::{Program, start_server};

fn lesson_2() -> (Program, Program) {
    let server = build_program("lesson-02", "server-02").unwrap();
    let client = build_program("lesson-02", "client-02").unwrap();
    (Program::new(server), Program::new(client))
}

#[test]
fn a_server_on_port_0_reports_the_port_it_got() {
    let (server, _) = lesson_2();
    let (_server, addr) = server.start_server();
    assert_ne!(addr.port(), 0);
    TcpStream::connect(addr).expect("the reported address accepts connections");
}

#[test]
fn dropping_a_process_kills_it() {
    let (server, _) = lesson_2();
    let (process, addr) = server.start_server();
    drop(process);
    assert!(
        TcpStream::connect(addr).is_err(),
        "nothing should listen after the drop"
    );
}

#[test]
fn waiting_for_a_line_that_never_comes_fails_with_the_output() {
    let (server, client) = lesson_2();
    let (_server, addr) = server.start_server();
    let mut client = client.start_client("client", addr);
    client.send_line("hello");
    client.close_stdin();
    let failure =
        catch_unwind(AssertUnwindSafe(|| client.wait_for_text("never printed")))
            .expect_err("the wait must fail once the client has exited");
    let message = failure
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert!(message.contains("exited before printing"), "{message}");
    assert!(
        message.contains("HELLO"),
        "the failure shows what was printed: {message}"
    );
}

#[test]
fn start_server_reports_a_server_that_exits_instead_of_listening() {
    let (server, _) = lesson_2();
    // `start_server` passes `--addr` itself; a second one makes clap refuse to start.
    let error = start_server(
        "server",
        &server.path,
        &["--addr".into(), "127.0.0.1:0".into()],
    );
    let message = error.expect_err("the server cannot start").to_string();
    assert!(message.contains("exited before it listened"), "{message}");
    assert!(
        message.contains("error:"),
        "the failure shows what was printed: {message}"
    );
}

/// The runner forwards a server's lines as they come. The stream it is handed
/// starts with the `listening on` line that `start_server` already read, so one
/// forwarder prints every line in order and a later line can never come first.
#[test]
fn the_lines_handed_over_begin_with_the_listening_line() {
    let (server, _) = lesson_2();
    let (mut process, addr) = server.start_server();
    let lines = process.take_lines();
    // Killing the server closes its output, so the stream ends.
    process.kill();
    let texts: Vec<String> = lines.into_iter().map(|line| line.text).collect();
    assert_eq!(texts, [format!("listening on {addr}")]);
}

/// An absence is proved over a stated window; the lines printed meanwhile are
/// still there for the next wait, and a line that does come fails the test.
#[test]
fn a_line_that_must_not_come_fails_only_if_it_comes() {
    use std::time::Duration;
    let (server, client) = lesson_2();
    let (mut server, addr) = server.start_server();
    let mut client = client.start_client("client", addr);
    client.wait_for_text("connected");
    // The server echoes in upper case only what it is sent: nothing yet.
    server.assert_no_line_within("a message", Duration::from_millis(300), |line| {
        line.contains("hello")
    });
    client.send_line("hello");
    server.wait_for_text("hello");
    let seen = catch_unwind(AssertUnwindSafe(|| {
        client.send_line("again");
        server.assert_no_line_within(
            "the second message",
            Duration::from_secs(10),
            |line| line.contains("again"),
        );
    }));
    assert!(
        seen.is_err(),
        "a line that came must fail the absence check"
    );
}

/// A program may print bytes a peer sent that are not UTF-8: the line is shown
/// with U+FFFD, and the lines after it are still read.
#[cfg(unix)]
#[test]
fn a_line_that_is_not_utf8_is_shown_and_reading_goes_on() {
    use workbook_harness::{Input, Proc};
    let script = r"printf 'caf\351\nnext\n'".to_string();
    let mut printer = Proc::spawn(
        "printf",
        std::path::Path::new("/bin/sh"),
        &["-c".to_string(), script],
        Input::Piped,
    )
    .unwrap();
    printer.wait_for_text("caf\u{FFFD}");
    printer.wait_for_text("next");
}
