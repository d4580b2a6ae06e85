//! All the requirements at once, under load: 200 sessions of ten users at the
//! same time, each logging in, making a folder, uploading, listing,
//! downloading, and some interrupting an upload and resuming it. Nothing may be
//! corrupt, lost or refused, and the server's memory stays small throughout.

use std::sync::Arc;
use std::sync::Barrier;
use std::thread;

use lesson_11::protocol::{Request, Status};
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

const SESSIONS: usize = 200;
const USERS: usize = 10;
/// 250 logins queue for one password check at a time (a few tens of ms each).
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// One session's work; returns what went wrong, if anything.
fn session(
    addr: std::net::SocketAddr,
    i: usize,
    start: &Barrier,
) -> Result<(), String> {
    let user = format!("user{}", i % USERS);
    let size = 20_000 + (i * 7919) % 300_000;
    let file = content(size, i as u8);
    let folder = format!("s{i}");
    let mut raw = Raw::login_within(addr, &user, PATIENCE);
    start.wait();
    let check = |what: &str, reply: &lesson_11::protocol::Reply| {
        if reply.status == Status::Ok {
            Ok(())
        } else {
            Err(format!("session {i}: {what}: {reply:?}"))
        }
    };
    check("mkdir", &raw.call(&Request::new("mkdir").path(&folder)))?;
    check("cd", &raw.cd(&folder))?;
    if i.is_multiple_of(4) {
        // Interrupt an upload halfway, then resume it on a new connection.
        check("put", &raw.call(&put("f.bin", size as u64)))?;
        raw.send(&data(0, size as u64), &file[..size / 2]).unwrap();
        drop(raw);
        raw = Raw::login_within(addr, &user, PATIENCE);
        check("cd again", &raw.cd(&folder))?;
    }
    let (offer, end) = raw.put("f.bin", &file);
    check("put", &end)?;
    let _ = offer; // the offset depends on how much arrived before the cut
    let (listing, entries) = raw.ls(None);
    check("ls", &listing)?;
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    if names != ["f.bin"] {
        return Err(format!("session {i}: ls shows {names:?}"));
    }
    let (reply, body, trailer) = raw.get("f.bin", &file[..size / 3]);
    check("get", &reply)?;
    let start = reply.offset.unwrap_or(0) as usize;
    if start != size / 3 || body != file[start..] {
        return Err(format!("session {i}: the download differs (from {start})"));
    }
    let trailer = trailer.unwrap();
    if trailer.sha256.as_deref() != Some(&lesson_11::transfer::sha256_of(&file)) {
        return Err(format!("session {i}: the trailer's digest differs"));
    }
    Ok(())
}

/// 200 sessions at once: every file arrives whole, every answer is right, no
/// session is refused, and the server's peak memory stays under 64 MiB.
#[test]
fn load_200_sessions_at_once_lose_nothing() {
    let world = World::new("load");
    for u in 0..USERS {
        world.add_user(&format!("user{u}"), "100MiB");
    }
    let server = world.start(&["--max-sessions", "300"]);
    let start = Arc::new(Barrier::new(SESSIONS));
    let sessions: Vec<_> = (0..SESSIONS)
        .map(|i| {
            let (addr, start) = (server.addr, Arc::clone(&start));
            thread::spawn(move || session(addr, i, &start))
        })
        .collect();
    let errors: Vec<String> = sessions
        .into_iter()
        .filter_map(|s| s.join().unwrap().err())
        .collect();
    assert_eq!(errors, Vec::<String>::new());

    // Every file on the server's disk is the one its session sent.
    for i in 0..SESSIONS {
        let path = world
            .home(&format!("user{}", i % USERS))
            .join(format!("s{i}/f.bin"));
        let size = 20_000 + (i * 7919) % 300_000;
        assert!(
            std::fs::read(&path).unwrap() == content(size, i as u8),
            "{path:?}"
        );
    }
    #[cfg(target_os = "linux")]
    {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", server.proc.id()))
                .unwrap();
        let peak_kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/PID/status");
        eprintln!("server peak memory: {} KiB", peak_kib);
        assert!(
            peak_kib < 64 * 1024,
            "the server's peak memory was {peak_kib} KiB"
        );
    }
}
