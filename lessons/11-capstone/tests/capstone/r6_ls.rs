//! Requirement 6: ls, mkdir and rm. A listing shows names, kinds and sizes
//! sorted by name, kept partial uploads included, with the quota's figures;
//! a very long one is cut at 1000 entries and says how many it left out.

use std::fs;

use lesson_11::protocol::{Entry, Kind, Reply, Request, Status};
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

/// `status` for an ok reply, else the error's code.
fn code(reply: &Reply) -> String {
    match reply.status {
        Status::Ok => "ok".into(),
        Status::Error => reply.code.clone().unwrap_or_else(|| "(no code)".into()),
    }
}

fn entry(name: &str, kind: Kind, size: usize) -> Entry {
    Entry {
        name: name.into(),
        kind,
        size: size as u64,
    }
}

fn mkdir(raw: &mut Raw, path: &str) -> Reply {
    raw.call(&Request::new("mkdir").path(path))
}

fn rm(raw: &mut Raw, path: &str) -> Reply {
    raw.call(&Request::new("rm").path(path))
}

/// alice, with a quota of 1 MiB, logged in to a server of her own.
fn alice(label: &str) -> (World, Server, Raw) {
    let world = World::new(label);
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let alice = Raw::login(server.addr, "alice");
    (world, server, alice)
}

/// Leaves a kept partial upload of `path`: a put of `size` bytes whose data
/// frame brings only the first `sent`, then the connection drops. Returns
/// once the server has said it kept what arrived, and then that the session
/// is over (its unused reservation given back).
fn interrupted_put(server: &mut Server, path: &str, size: usize, sent: usize) {
    let mut raw = Raw::login(server.addr, "alice");
    let peer = raw.stream().local_addr().unwrap();
    let bytes = content(size, 3);
    let offer = raw.call(&put(path, size as u64));
    assert_eq!(code(&offer), "ok", "{offer:?}");
    let from = offer.offset.unwrap_or(0) as usize;
    raw.send(&data(from as u64, size as u64), &bytes[from..sent])
        .unwrap();
    drop(raw);
    server
        .proc
        .wait_for_text(&format!("{peer}: alice: put /{path}: interrupted"));
    // The session ends after that line: `left`, or lesson 9's line for a
    // session that ended with an error.
    let ended = format!("{peer}: left or {peer}: handler failed");
    server.proc.wait_for(&ended, |line| {
        line == format!("{peer}: left")
            || line.starts_with(&format!("{peer}: handler"))
    });
}

/// ls lists files, folders and kept partial uploads, each with its size,
/// sorted by name (not by kind, not by the order they were made), with the
/// path, quota, used and omitted figures.
#[test]
fn ls_shows_names_kinds_and_sizes_sorted_by_name() {
    let (world, mut server, mut alice) = alice("r6-ls");
    assert_eq!(code(&alice.put("notes.txt", &content(10, 1)).1), "ok");
    assert_eq!(code(&mkdir(&mut alice, "zeta")), "ok");
    assert_eq!(code(&alice.put("b.bin", &content(300, 2)).1), "ok");
    assert_eq!(code(&mkdir(&mut alice, "archive")), "ok");
    assert_eq!(code(&alice.put("alpha.txt", b"").1), "ok");
    interrupted_put(&mut server, "movie.iso", 256 << 10, 128 << 10);

    let (reply, entries) = alice.ls(None);
    let figures = (
        code(&reply),
        reply.path.as_deref(),
        reply.quota,
        reply.used,
        reply.omitted,
    );
    let used = 10 + 300 + (128 << 10);
    assert_eq!(
        figures,
        ("ok".into(), Some("/"), Some(1 << 20), Some(used), Some(0))
    );
    assert_eq!(
        entries,
        [
            entry("alpha.txt", Kind::File, 0),
            entry("archive", Kind::Folder, 0),
            entry("b.bin", Kind::File, 300),
            entry("movie.iso", Kind::Partial, 128 << 10),
            entry("notes.txt", Kind::File, 10),
            entry("zeta", Kind::Folder, 0),
        ]
    );
    // The body is exactly the array, as long as body_size says.
    let body = serde_json::to_vec(&entries).unwrap();
    assert_eq!(reply.body_size, body.len() as u64);
    assert!(!world.home("alice").join("movie.iso").exists());
}

/// ls PATH lists that folder (relative or absolute, with or without a
/// trailing slash); ls of a file is wrong-kind, of a missing name not-found.
#[test]
fn ls_path_lists_that_folder() {
    let (_world, _server, mut alice) = alice("r6-ls-path");
    assert_eq!(code(&mkdir(&mut alice, "docs")), "ok");
    assert_eq!(code(&mkdir(&mut alice, "docs/empty")), "ok");
    assert_eq!(code(&alice.put("docs/a.txt", b"abc").1), "ok");
    assert_eq!(code(&alice.put("top.txt", b"t").1), "ok");
    let docs = [
        entry("a.txt", Kind::File, 3),
        entry("empty", Kind::Folder, 0),
    ];
    for path in ["docs", "/docs", "docs/", "./docs", "docs/empty/.."] {
        let (reply, entries) = alice.ls(Some(path));
        assert_eq!(reply.path.as_deref(), Some("/docs"), "ls {path}");
        assert_eq!(entries, docs, "ls {path}");
    }
    let (reply, entries) = alice.ls(Some("docs/empty"));
    assert_eq!(
        (code(&reply), reply.path.as_deref()),
        ("ok".into(), Some("/docs/empty"))
    );
    assert_eq!(entries, []);
    let refused: Vec<_> = ["top.txt", "docs/a.txt", "missing", "docs/missing"]
        .into_iter()
        .map(|path| (path, code(&alice.ls(Some(path)).0)))
        .collect();
    assert_eq!(
        refused,
        [
            ("top.txt", "wrong-kind".to_string()),
            ("docs/a.txt", "wrong-kind".into()),
            ("missing", "not-found".into()),
            ("docs/missing", "not-found".into()),
        ]
    );
}

/// mkdir makes a new folder; refuses one that exists (exists), one whose
/// parent is missing (not-found) or is a file (wrong-kind); a nested folder
/// works once its parent is made.
#[test]
fn mkdir_makes_one_folder_at_a_time() {
    let (world, _server, mut alice) = alice("r6-mkdir");
    let home = world.home("alice");
    assert_eq!(code(&alice.put("f.txt", b"f").1), "ok");
    let steps = [
        ("docs", "ok"),
        ("docs", "exists"),
        ("/docs/", "exists"),
        ("a/b", "not-found"),
        ("a", "ok"),
        ("a/b", "ok"),
        ("a/b/c", "ok"),
        ("f.txt/sub", "wrong-kind"),
    ];
    let actual: Vec<_> = steps
        .iter()
        .map(|&(path, _)| {
            let reply = mkdir(&mut alice, path);
            (path, code(&reply), reply.path)
        })
        .collect();
    let made = |path: &str| Some(format!("/{}", path.trim_end_matches('/')));
    let expected: Vec<_> = steps
        .iter()
        .map(|&(path, code)| {
            let path_back = if code == "ok" { made(path) } else { None };
            (path, code.to_string(), path_back)
        })
        .collect();
    assert_eq!(actual, expected);
    for folder in ["docs", "a", "a/b", "a/b/c"] {
        assert!(home.join(folder).is_dir(), "{folder} was not made");
    }
    assert_eq!(fs::read(home.join("f.txt")).unwrap(), b"f");
}

/// rm removes a file and an empty folder; refuses a folder with something in
/// it (not-empty), a missing name (not-found) and the home itself.
#[test]
fn rm_removes_files_and_empty_folders() {
    let (world, _server, mut alice) = alice("r6-rm");
    let home = world.home("alice");
    assert_eq!(code(&mkdir(&mut alice, "full")), "ok");
    assert_eq!(code(&mkdir(&mut alice, "empty")), "ok");
    assert_eq!(code(&alice.put("full/a.txt", b"a").1), "ok");
    assert_eq!(code(&alice.put("f.txt", b"f").1), "ok");
    let steps = [
        ("f.txt", "ok"),
        ("f.txt", "not-found"),
        ("empty", "ok"),
        ("full", "not-empty"),
        ("missing", "not-found"),
        ("full/missing", "not-found"),
    ];
    let actual: Vec<_> = steps
        .iter()
        .map(|&(path, _)| {
            let reply = rm(&mut alice, path);
            (path, code(&reply), reply.path)
        })
        .collect();
    let expected: Vec<_> = steps
        .iter()
        .map(|&(path, code)| {
            let removed = (code == "ok").then(|| format!("/{path}"));
            (path, code.to_string(), removed)
        })
        .collect();
    assert_eq!(actual, expected);
    assert!(!home.join("f.txt").exists());
    assert!(!home.join("empty").exists());
    assert_eq!(fs::read(home.join("full/a.txt")).unwrap(), b"a");

    for path in ["/", ".", "full/.."] {
        let reply = rm(&mut alice, path);
        assert_eq!(
            reply.status,
            Status::Error,
            "rm {path:?} removed: {reply:?}"
        );
    }
    assert!(home.join("full/a.txt").is_file());
    let (reply, entries) = alice.ls(None);
    assert_eq!(code(&reply), "ok");
    assert_eq!(entries, [entry("full", Kind::Folder, 0)]);
}

/// A kept partial upload shows as `partial` with the bytes held (beside the
/// file of the same name, if there is one), counts in `used`, keeps its
/// folder from being removed (not-empty), and rm of its name removes it (and
/// the file of that name).
#[test]
fn a_kept_partial_upload_is_listed_and_can_be_removed() {
    const SIZE: usize = 256 << 10;
    const HALF: usize = SIZE / 2;
    let (world, mut server, mut alice) = alice("r6-partial");
    let (home, partial) = (world.home("alice"), world.partial("alice"));
    assert_eq!(code(&mkdir(&mut alice, "docs")), "ok");
    assert_eq!(code(&alice.put("both.bin", &content(100, 9)).1), "ok");
    interrupted_put(&mut server, "big.iso", SIZE, HALF);
    interrupted_put(&mut server, "docs/half.bin", SIZE, HALF);
    interrupted_put(&mut server, "both.bin", SIZE, HALF);

    let (reply, mut entries) = alice.ls(None);
    assert_eq!(reply.used, Some(100 + 3 * HALF as u64));
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert!(names.is_sorted(), "not sorted by name: {names:?}");
    // The order of two entries of one name is not the test's business.
    entries.sort_by(|a, b| (&a.name, a.kind).cmp(&(&b.name, b.kind)));
    assert_eq!(
        entries,
        [
            entry("big.iso", Kind::Partial, HALF),
            entry("both.bin", Kind::File, 100),
            entry("both.bin", Kind::Partial, HALF),
            entry("docs", Kind::Folder, 0),
        ]
    );
    let (_, entries) = alice.ls(Some("docs"));
    assert_eq!(entries, [entry("half.bin", Kind::Partial, HALF)]);

    assert_eq!(code(&rm(&mut alice, "docs")), "not-empty");
    let reply = rm(&mut alice, "big.iso");
    let removed = (code(&reply), reply.path.as_deref());
    assert_eq!(removed, ("ok".into(), Some("/big.iso")));
    assert!(!partial.join("big.iso").exists());
    assert_eq!(code(&rm(&mut alice, "big.iso")), "not-found");
    assert_eq!(code(&rm(&mut alice, "both.bin")), "ok");
    assert!(!home.join("both.bin").exists());
    assert!(!partial.join("both.bin").exists());
    assert_eq!(alice.ls(None).0.used, Some(HALF as u64));
    assert_eq!(code(&rm(&mut alice, "docs/half.bin")), "ok");
    assert_eq!(code(&rm(&mut alice, "docs")), "ok");
    let (reply, entries) = alice.ls(None);
    assert_eq!((reply.used, entries), (Some(0), vec![]));
}

/// Every byte of an interrupted upload that reached the server is kept: a
/// put of 1000 bytes cut after 500 leaves a partial of 500 (not of the last
/// whole chunk the server happened to write).
#[test]
fn a_kept_partial_upload_holds_every_byte_that_arrived() {
    let (_world, mut server, mut alice) = alice("r6-partial-small");
    interrupted_put(&mut server, "small.bin", 1000, 500);
    let (reply, entries) = alice.ls(None);
    assert_eq!(entries, [entry("small.bin", Kind::Partial, 500)]);
    assert_eq!(reply.used, Some(500));
}

/// `used` in ls's reply follows every put (a new file, a replaced one) and
/// every rm.
#[test]
fn used_follows_puts_and_rms() {
    let (_world, _server, mut alice) = alice("r6-used");
    let used = |raw: &mut Raw| raw.ls(None).0.used.expect("ls's used");
    let mut seen = vec![used(&mut alice)];
    alice.put("a.bin", &content(1000, 1));
    seen.push(used(&mut alice));
    alice.put("b.bin", &content(500, 2));
    seen.push(used(&mut alice));
    alice.put("a.bin", &content(200, 3)); // replaced: 1000 freed, 200 taken
    seen.push(used(&mut alice));
    rm(&mut alice, "a.bin");
    seen.push(used(&mut alice));
    rm(&mut alice, "b.bin");
    seen.push(used(&mut alice));
    assert_eq!(seen, [0, 1000, 1500, 700, 500, 0]);
}

/// A folder of more than 1000 entries (made directly on the server's disk):
/// ls sends exactly the first 1000 by name, and `omitted` counts the rest.
#[test]
fn a_long_listing_sends_1000_entries_and_counts_the_rest() {
    const N: usize = 1234;
    let world = World::new("r6-long");
    world.add_user("alice", "1MiB");
    let home = world.home("alice");
    fs::create_dir(home.join("many")).unwrap();
    // Made in reverse order: the listing's order is the server's sorting.
    for i in (0..N).rev() {
        fs::write(home.join(format!("many/f{i:04}")), [b'x'; 1]).unwrap();
    }
    let server = world.start(&[]);
    let mut alice = Raw::login(server.addr, "alice");
    let (reply, entries) = alice.ls(Some("many"));
    assert_eq!(
        (code(&reply), reply.omitted, reply.used, entries.len()),
        ("ok".into(), Some((N - 1000) as u64), Some(N as u64), 1000)
    );
    let expected: Vec<Entry> = (0..1000)
        .map(|i| entry(&format!("f{i:04}"), Kind::File, 1))
        .collect();
    assert_eq!(entries, expected);
    // A folder of 1000 exactly: nothing omitted.
    for i in 1000..N {
        fs::remove_file(home.join(format!("many/f{i:04}"))).unwrap();
    }
    let (reply, entries) = alice.ls(Some("many"));
    assert_eq!((reply.omitted, entries.len()), (Some(0), 1000));
}
