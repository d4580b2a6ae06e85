//! One connection's turns, driven by hand, without the event loop: what a
//! single turn may do. The loop's promise, that one client cannot hold the
//! thread, rests on every turn doing a bounded amount of work.

use std::fs;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use lesson_07::frame::{read_header, write_header};
use lesson_08::files::Root;
use lesson_08::protocol::{Reply, Request, Status};
use lesson_08::server::Settings;
use lesson_08::transfer::{CHUNK, sha256_of};
use lesson_12::connection::{Connection, Turn};
use workbook_harness::ScratchDir;
use workbook_harness::pretty_assertions::assert_eq;

/// How many files the server's folder holds, its hidden ones left out.
fn saved(root: &Root) -> usize {
    fs::read_dir(root.dir())
        .unwrap()
        .filter(|entry| {
            let name = entry.as_ref().unwrap().file_name();
            !name.to_string_lossy().starts_with('.')
        })
        .count()
}

/// A client pipelines a hundred empty puts in one write: 13 KiB, which one
/// read takes whole. Each put, however small, costs the server a file
/// created, a `sync_all` and a rename. Handled all in one turn, they held the
/// thread (and every other client) for 150 ms here, and on a disk whose
/// `sync_all` takes 10 ms, a second: the bytes read in a turn are bounded, the
/// requests in them were not. A turn starts one request; the connection says
/// it has more to do, and the next turn starts the next one.
#[test]
fn a_turn_starts_at_most_one_request() {
    let scratch = ScratchDir::new("lesson12-turns");
    let settings = Settings {
        root: Root::open(scratch.path()).unwrap(),
        max_file_size: 1 << 20,
        idle_timeout: Duration::from_secs(60),
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (accepted, peer) = listener.accept().unwrap();
    accepted.set_nonblocking(true).unwrap();
    let stream = mio::net::TcpStream::from_std(accepted);

    const PUTS: usize = 100;
    let mut burst = Vec::new();
    for i in 0..PUTS {
        let put = Request::put(&format!("empty-{i}"), 0, sha256_of(b""));
        write_header(&mut burst, &put).unwrap(); // an empty body
    }
    client.write_all(&burst).unwrap();
    // Wait until every byte is in the server's socket: one read takes it all.
    let mut peeked = vec![0u8; burst.len()];
    let waited = std::time::Instant::now();
    while stream.peek(&mut peeked).unwrap_or(0) < burst.len() {
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "the burst is late"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(burst.len() < CHUNK, "one read takes the whole burst");

    let mut connection = Connection::new(stream, peer, &settings);
    let mut scratch_buffer = vec![0u8; CHUNK];
    let mut turns = 0;
    while saved(&settings.root) < PUTS {
        let before = saved(&settings.root);
        let turn = connection.turn(&mut scratch_buffer, &settings).unwrap();
        turns += 1;
        let after = saved(&settings.root);
        assert!(
            after - before <= 1,
            "turn {turns} saved {} files",
            after - before
        );
        if after < PUTS {
            // Requests wait in the connection: the loop must not sleep (no
            // new event would wake it: their bytes were read already).
            assert_eq!(turn, Turn::Open { more: true }, "after turn {turns}");
        }
        assert!(turns <= 10 * PUTS, "{turns} turns and not done");
    }
    let mut reader = client.try_clone().unwrap();
    for _ in 0..PUTS {
        let reply = read_header::<Reply>(&mut reader).unwrap().unwrap();
        assert_eq!(reply.status, Status::Ok, "{reply:?}");
    }
    // Nothing more: every request had its reply, and the connection waits.
    let last = connection.turn(&mut scratch_buffer, &settings).unwrap();
    assert_eq!(last, Turn::Open { more: false });
}
