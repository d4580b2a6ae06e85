//! A `get` that meets a `put` of the same name. On lesson 9's server both run at
//! once, on two threads. A put writes a new file beside the old one and renames
//! it into place; a get must then send one version whole, with that version's
//! digest, never the digest of one and the bytes of the other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use lesson_08::client::Connection;
use lesson_08::protocol::{Request, Status};
use lesson_08::transfer::{copy_body, sha256_of};
use workbook_harness::{Playground, Program, ScratchDir, connect};

fn lesson_dir() -> &'static std::path::Path {
    workbook_harness::workspace::package_dir()
}
fn server(play: &Playground) -> Program {
    Program::new(env!("CARGO_BIN_EXE_server-09"))
        .serves_forever(": left")
        .in_dir(&play.server)
}

/// How long the clients keep at it, and how many gets each may make: whichever
/// comes first ends the test.
const RUN_FOR: Duration = Duration::from_secs(3);
const GETS_PER_CLIENT: usize = 20_000;
/// Clients that get the file over and over while another client replaces it.
const GETTERS: usize = 3;

/// `size` bytes (xorshift); another starting `state` gives other bytes.
fn random_bytes(size: usize, mut state: u64) -> Vec<u8> {
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// Uploads `data` as `name` and checks that it was saved.
fn put(conn: &mut Connection, name: &str, data: &[u8]) {
    let request = Request::put(name, data.len() as u64, sha256_of(data));
    conn.send(&request, data).unwrap();
    let reply = conn.read_reply().unwrap();
    assert_eq!(reply.status, Status::Ok, "put {name}: {reply:?}");
}

/// Downloads `name`: the digest the server announced, the bytes it sent, and the
/// digest of those bytes.
fn get(conn: &mut Connection, name: &str) -> (String, Vec<u8>, String) {
    let request = Request::get(name);
    conn.send(&request, b"").unwrap();
    let reply = conn.read_reply().unwrap();
    assert_eq!(reply.status, Status::Ok, "get {name}: {reply:?}");
    let mut body = Vec::new();
    let actual =
        copy_body(&mut conn.reader, &mut body, reply.body_size, &mut |_| {})
            .unwrap();
    (reply.sha256.unwrap_or_default(), body, actual)
}

/// One client replaces `flip.bin` again and again, alternating two versions of
/// different sizes, while three others get it as fast as they can. Every get
/// must carry one of the two versions, whole, with its own digest.
///
/// The versions are small (a request or reply and its body fit in one write),
/// so that thousands of gets meet hundreds of renames in a few seconds: a get
/// that looks at the file twice, by its name, is caught dozens of times a run.
#[test]
fn a_get_during_puts_sends_one_version_with_its_digest() {
    let scratch = ScratchDir::new("lesson09-race");
    let play = scratch.playground(lesson_dir());
    let (_server, addr) = server(&play).start_server();
    let versions = [random_bytes(1000, 1), random_bytes(3000, 2)];
    let mut putter = Connection::new(connect(addr)).unwrap();
    put(&mut putter, "flip.bin", &versions[0]); // there before the first get

    let done = AtomicBool::new(false);
    let deadline = Instant::now() + RUN_FOR;
    let (puts, results) = thread::scope(|s| {
        let putting = s.spawn(|| {
            let mut puts = 1;
            while !done.load(Ordering::Relaxed) {
                put(&mut putter, "flip.bin", &versions[puts % 2]);
                puts += 1;
            }
            puts
        });
        let getters: Vec<_> = (0..GETTERS)
            .map(|_| {
                s.spawn(|| {
                    let mut conn = Connection::new(connect(addr)).unwrap();
                    let (mut gets, mut torn) = (0, 0);
                    while gets < GETS_PER_CLIENT && Instant::now() < deadline {
                        let (announced, body, actual) = get(&mut conn, "flip.bin");
                        gets += 1;
                        if announced != actual {
                            torn += 1;
                        } else {
                            assert!(
                                versions.contains(&body),
                                "a get sent bytes that are neither version"
                            );
                        }
                    }
                    (gets, torn)
                })
            })
            .collect();
        // Join every getter before stopping the putter, even if one failed.
        let results: Vec<_> = getters.into_iter().map(|g| g.join()).collect();
        done.store(true, Ordering::Relaxed);
        (putting.join(), results)
    });
    let puts = puts.unwrap_or_else(|e| std::panic::resume_unwind(e));
    let (mut gets, mut torn) = (0, 0);
    for result in results {
        let (g, t) = result.unwrap_or_else(|e| std::panic::resume_unwind(e));
        gets += g;
        torn += t;
    }
    eprintln!("{puts} puts, {gets} gets, {torn} torn");
    assert!(
        puts > 2 && gets > 0,
        "the race did not run: {puts} puts, {gets} gets"
    );
    assert_eq!(
        torn, 0,
        "{torn} of {gets} gets (during {puts} puts) announced the digest of one \
         version and sent the bytes of another"
    );
}
