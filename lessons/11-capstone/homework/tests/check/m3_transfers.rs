//! Milestone 3: put and get, verified (requirement 7). Files go up and come
//! back byte for byte, each side naming the whole file's SHA-256 after the
//! body; a file is in place only once verified, and until then the old
//! version is the one served; frames out of order end the connection; and
//! `put` and `get` leave the home no more than milestone 2's commands do.

use std::fs;
use std::io::Write;

use lesson_11::protocol::Request;
use lesson_11::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;

use crate::m2_home::Siege;
use crate::support::*;

/// alice, with a quota of 100 MiB, logged in to a server of her own.
fn alice(label: &str) -> (World, Server, Raw) {
    let world = World::new(label);
    world.add_user("alice", "100MiB");
    let server = world.start(&[]);
    let alice = Raw::login(server.addr, "alice");
    (world, server, alice)
}

/// 4 MiB go up and come back byte for byte, and both sides name the same
/// digest: the server in `done`'s reply, and in the get's trailer. An empty
/// file makes the same round trip.
#[test]
fn m3_a_file_goes_up_and_comes_back_the_same() {
    let (world, _server, mut raw) = alice("m3-round-trip");
    for (name, file) in [("four.bin", content(4 << 20, 7)), ("empty.txt", vec![])] {
        let size = file.len() as u64;
        let digest = sha256_of(&file);
        let (offer, end) = raw.put(name, &file);
        assert_eq!(
            (
                outcome(&offer),
                offer.path.as_deref(),
                offer.offset,
                offer.prefix_sha256.as_deref()
            ),
            (
                "ok".into(),
                Some(format!("/{name}").as_str()),
                Some(0),
                None
            ),
            "the offer for put {name} (status, path, offset, prefix_sha256)"
        );
        assert_eq!(
            (
                outcome(&end),
                end.path.as_deref(),
                end.size,
                end.sha256.as_deref()
            ),
            (
                "ok".into(),
                Some(format!("/{name}").as_str()),
                Some(size),
                Some(digest.as_str())
            ),
            "the reply to done for {name} (status, path, size, sha256)"
        );
        let on_disk = fs::read(world.home("alice").join(name)).unwrap_or_default();
        assert!(
            on_disk == file,
            "{name} in alice's home differs from the {size} bytes uploaded \
             ({} bytes there)",
            on_disk.len()
        );

        let (reply, body, trailer) = raw.get(name, b"");
        assert_eq!(
            (
                outcome(&reply),
                reply.path.as_deref(),
                reply.size,
                reply.offset,
                reply.body_size
            ),
            (
                "ok".into(),
                Some(format!("/{name}").as_str()),
                Some(size),
                Some(0),
                size
            ),
            "the reply to get {name} (status, path, size, offset, body_size)"
        );
        assert!(body == file, "the body of get {name} differs from the file");
        let trailer = trailer.expect("a trailer");
        assert_eq!(
            (outcome(&trailer), trailer.body_size, trailer.sha256),
            ("ok".into(), 0, Some(digest)),
            "the trailer of get {name} (status, body_size, sha256)"
        );
    }
    let pwd = raw.call(&Request::new("pwd"));
    assert_eq!(outcome(&pwd), "ok", "pwd after the transfers: {pwd:?}");
}

/// A `done` whose digest does not match what arrived is `damaged`: nothing
/// under the name, no copy of the bytes kept on the server's disk (the next
/// put of the name is offered from 0), and the connection goes on.
#[test]
fn m3_a_damaged_upload_saves_nothing() {
    let (world, _server, mut raw) = alice("m3-damaged");
    let file = content(300_000, 1);
    let offer = raw.call(&put("d.bin", file.len() as u64));
    assert_eq!(outcome(&offer), "ok", "put d.bin: {offer:?}");
    raw.send(&data(0, file.len() as u64), &file).unwrap();
    let end = raw.call(&done(&sha256_of(b"something else")));
    assert_eq!(
        outcome(&end),
        "damaged",
        "done with the digest of other bytes: {end:?}"
    );
    assert!(
        !world.home("alice").join("d.bin").exists(),
        "a damaged upload was saved as /d.bin"
    );
    assert_eq!(
        kept_prefix(&world.root, &file),
        0,
        "bytes of the damaged upload kept on the server's disk"
    );
    let again = raw.call(&put("d.bin", file.len() as u64));
    assert_eq!(
        (outcome(&again), again.offset),
        ("ok".into(), Some(0)),
        "the next put of d.bin (status, offset): {again:?}"
    );
    raw.send(&data(0, file.len() as u64), &file).unwrap();
    let end = raw.call(&done(&sha256_of(&file)));
    assert_eq!(outcome(&end), "ok", "the put that followed: {end:?}");
}

/// While a new version of a file is arriving, the old one is what a get
/// sends; the new one replaces it in one step, once verified; a damaged new
/// version leaves the old one as it was.
#[test]
fn m3_the_old_version_is_served_until_the_new_one_is_verified() {
    let (world, server, mut writer) = alice("m3-replace");
    let (old, new) = (content(200_000, 1), content(300_000, 2));
    assert_eq!(outcome(&writer.put("f.bin", &old).1), "ok", "put f.bin");

    let offer = writer.call(&put("f.bin", new.len() as u64));
    assert_eq!(outcome(&offer), "ok", "put f.bin again: {offer:?}");
    writer
        .send(&data(0, new.len() as u64), &new[..150_000])
        .unwrap();
    let mut reader = Raw::login(server.addr, "alice");
    let (reply, body, _) = reader.get("f.bin", b"");
    assert_eq!(
        outcome(&reply),
        "ok",
        "get f.bin during the upload: {reply:?}"
    );
    assert!(
        body == old,
        "a get during the upload of a new version should send the old one; \
         it sent {} bytes that are not it",
        body.len()
    );

    writer.writer.write_all(&new[150_000..]).unwrap();
    let end = writer.call(&done(&sha256_of(&new)));
    assert_eq!(outcome(&end), "ok", "done for the new version: {end:?}");
    assert!(
        reader.get("f.bin", b"").1 == new,
        "once verified, get f.bin should send the new version"
    );

    let (offer, end) = {
        let offer = writer.call(&put("f.bin", old.len() as u64));
        writer.send(&data(0, old.len() as u64), &old).unwrap();
        (offer, writer.call(&done(&sha256_of(b"not this"))))
    };
    assert_eq!(
        (outcome(&offer), outcome(&end)),
        ("ok".into(), "damaged".into()),
        "a third version with a wrong digest (offer, done)"
    );
    assert!(
        fs::read(world.home("alice").join("f.bin")).unwrap_or_default() == new,
        "a damaged upload changed the file it was to replace"
    );
}

/// A way for a client to break the protocol: what it is, whether it is done
/// logged in, and the frames it sends (given the file's bytes).
type BreakIt = (&'static str, bool, fn(&mut Raw, &[u8]));

/// Breaking the order of an upload, or sending a body where none belongs, is
/// answered `bad-request` (its `error` saying why, as every error's does)
/// and the connection is closed: another request
/// after `put`'s offer, a `data` at an offset not offered or with the wrong
/// `body_size`, a `done` without `sha256`, a `done` instead of `data`, a
/// `data` or `done` with no `put`, logged in or not, a body on `pwd`. Nothing
/// is saved, and the server goes on serving.
#[test]
fn m3_frames_out_of_order_are_refused_and_the_connection_closed() {
    let (world, server, _alice) = alice("m3-out-of-turn");
    let file = content(1000, 1);
    let cases: [BreakIt; 9] = [
        ("pwd after put's offer", true, |raw, _| {
            raw.call(&put("a.bin", 1000));
            raw.send(&Request::new("pwd"), b"").unwrap();
        }),
        ("done instead of data", true, |raw, file| {
            raw.call(&put("a.bin", 1000));
            raw.send(&done(&sha256_of(file)), b"").unwrap();
        }),
        ("data at an offset not offered", true, |raw, file| {
            raw.call(&put("a.bin", 1000));
            raw.send(&data(10, 1000), &file[10..]).unwrap();
        }),
        (
            "data whose body_size is not size - offset",
            true,
            |raw, file| {
                raw.call(&put("a.bin", 1000));
                raw.send(&data(0, 500), &file[..500]).unwrap();
            },
        ),
        ("done without sha256", true, |raw, file| {
            raw.call(&put("a.bin", 1000));
            raw.send(&data(0, 1000), file).unwrap();
            raw.send(&Request::new("done"), b"").unwrap();
        }),
        ("data with no put", true, |raw, file| {
            raw.send(&data(0, 1000), file).unwrap();
        }),
        ("done with no put", true, |raw, file| {
            raw.send(&done(&sha256_of(file)), b"").unwrap();
        }),
        ("a body on pwd", true, |raw, _| {
            let pwd = Request {
                body_size: 3,
                ..Request::new("pwd")
            };
            raw.send(&pwd, b"abc").unwrap();
        }),
        ("data before the login", false, |raw, _| {
            // Its body is a whole login frame: read as a request, it would
            // log in.
            let mut smuggled = Vec::new();
            lesson_07::frame::write_header(
                &mut smuggled,
                &login("alice", PASSWORD),
            )
            .unwrap();
            let early = Request {
                body_size: smuggled.len() as u64,
                ..Request::new("data")
            };
            raw.send(&early, &smuggled).unwrap();
        }),
    ];
    let mut actual = Vec::new();
    for (what, logged_in, break_it) in cases {
        let mut raw = if logged_in {
            Raw::login(server.addr, "alice")
        } else {
            Raw::connect(server.addr)
        };
        break_it(&mut raw, &file);
        actual.push(match raw.reply() {
            Ok(reply) => {
                let words = reply.error.as_deref().is_some_and(|e| !e.is_empty());
                let closed = raw.reply().is_err();
                format!(
                    "{what} → {}, in words: {words}, closed: {closed}",
                    outcome(&reply)
                )
            }
            Err(e) => format!("{what} → (no reply: {e})"),
        });
    }
    let expected: Vec<_> = cases
        .iter()
        .map(|(what, _, _)| {
            format!("{what} → bad-request, in words: true, closed: true")
        })
        .collect();
    assert_eq!(actual, expected, "each way of breaking the order");
    assert!(
        !world.home("alice").join("a.bin").exists(),
        "a broken upload was saved as /a.bin"
    );
    let mut raw = Raw::login(server.addr, "alice");
    let (_, end) = raw.put("ok.bin", &file);
    assert_eq!(outcome(&end), "ok", "a put after all that: {end:?}");
}

/// A get or put the server cannot do is refused with the chapter's code, and
/// the connection goes on: get of a folder or of nothing, put over a folder,
/// into a missing folder, or of `/`, requests missing a field, an unknown
/// command.
#[test]
fn m3_refusals_leave_the_connection_usable() {
    let (_world, _server, mut raw) = alice("m3-refusals");
    let mkdir = raw.call(&Request::new("mkdir").path("docs"));
    assert_eq!(outcome(&mkdir), "ok", "mkdir docs: {mkdir:?}");
    let no_size = Request::new("put").path("a.bin");
    let requests = [
        ("get docs", Request::new("get").path("docs")),
        ("get /", Request::new("get").path("/")),
        ("get nothing.bin", Request::new("get").path("nothing.bin")),
        ("put docs", put("docs", 5)),
        ("put missing/a.bin", put("missing/a.bin", 5)),
        ("put /", put("/", 5)),
        ("put with no size", no_size),
        (
            "put with no path",
            Request {
                size: Some(5),
                ..Request::new("put")
            },
        ),
        ("get with no path", Request::new("get")),
        ("an unknown command", Request::new("format-disk")),
    ];
    let actual: Vec<_> = requests
        .iter()
        .map(|(what, request)| format!("{what} → {}", outcome(&raw.call(request))))
        .collect();
    let codes = [
        "wrong-kind",
        "wrong-kind",
        "not-found",
        "wrong-kind",
        "not-found",
        "bad-path",
        "bad-request",
        "bad-request",
        "bad-request",
        "bad-request",
    ];
    let expected: Vec<_> = requests
        .iter()
        .zip(codes)
        .map(|((what, _), code)| format!("{what} → {code}"))
        .collect();
    assert_eq!(actual, expected, "each refused request, on one connection");
    let (_, end) = raw.put("docs/a.bin", b"hello");
    assert_eq!(outcome(&end), "ok", "a put after the refusals: {end:?}");
}

/// Like milestone 2's commands, put and get start a relative path from the
/// working folder and an absolute one from the home, and their replies name
/// the file from the home.
#[test]
fn m3_put_and_get_paths_start_from_the_working_folder() {
    let (world, _server, mut raw) = alice("m3-relative");
    let home = world.home("alice");
    for folder in ["docs", "docs/2024", "docs/sub"] {
        let reply = raw.call(&Request::new("mkdir").path(folder));
        assert_eq!(outcome(&reply), "ok", "mkdir {folder}: {reply:?}");
    }
    assert_eq!(outcome(&raw.put("a.txt", b"top").1), "ok", "put a.txt in /");
    assert_eq!(outcome(&raw.cd("docs")), "ok", "cd docs");
    let (offer, end) = raw.put("a.txt", b"in docs");
    assert_eq!(
        (offer.path.as_deref(), outcome(&end), end.path.as_deref()),
        (Some("/docs/a.txt"), "ok".into(), Some("/docs/a.txt")),
        "put a.txt in /docs (the offer's path, done's outcome and path)"
    );
    let on_disk = |path: &str| {
        String::from_utf8_lossy(&fs::read(home.join(path)).unwrap_or_default())
            .into_owned()
    };
    assert_eq!(
        (on_disk("a.txt"), on_disk("docs/a.txt")),
        ("top".into(), "in docs".into()),
        "/a.txt and /docs/a.txt on the disk"
    );
    let (reply, _, _) = raw.get("a.txt", b"");
    assert_eq!(
        reply.path.as_deref(),
        Some("/docs/a.txt"),
        "the path of get a.txt in /docs: {reply:?}"
    );
    let gets = [
        ("a.txt", "in docs"),
        ("/a.txt", "top"),
        ("../a.txt", "top"),
        ("./2024/../a.txt", "in docs"),
    ];
    let actual: Vec<_> = gets
        .iter()
        .map(|&(path, _)| {
            let body = raw.get(path, b"").1;
            (path, String::from_utf8_lossy(&body).into_owned())
        })
        .collect();
    let expected: Vec<_> = gets.iter().map(|&(p, b)| (p, b.to_string())).collect();
    assert_eq!(actual, expected, "each get from /docs (path, body)");

    assert_eq!(outcome(&raw.cd("2024")), "ok", "cd 2024 from /docs");
    let (_, end) = raw.put("../sub/b.txt", b"b");
    assert_eq!(
        (
            outcome(&end),
            end.path.as_deref(),
            on_disk("docs/sub/b.txt")
        ),
        ("ok".into(), Some("/docs/sub/b.txt"), "b".into()),
        "put ../sub/b.txt from /docs/2024 (outcome, path, on the disk)"
    );
    let (reply, _, _) = raw.get("a.txt", b"");
    assert_eq!(
        outcome(&reply),
        "not-found",
        "get a.txt from /docs/2024, where there is none: {reply:?}"
    );
    let pwd = raw.call(&Request::new("pwd"));
    assert_eq!(
        pwd.path.as_deref(),
        Some("/docs/2024"),
        "pwd after all that: {pwd:?}"
    );
}

/// get and put never leave the home: `..`, host paths, another user's name,
/// Windows' forms, hidden names, control characters are refused with nothing
/// written, outside the home or in it; a host path is a path in the home,
/// and alice's own once made.
#[test]
fn m3_put_and_get_cannot_leave_the_home() {
    let mut siege = Siege::new("m3-siege");
    let bob_x = siege.world.home("bob").join("x").display().to_string();
    let users = siege.world.root.join("users.json").display().to_string();
    siege.expect(&[
        ("get", "../bob/x", "bad-path"),
        ("get", "/../bob/x", "bad-path"),
        ("get", "/../../users.json", "bad-path"),
        ("get", "./../bob/docs/secret.txt", "bad-path"),
        ("put", "../../x", "bad-path"),
        ("put", "../bob/x", "bad-path"),
        ("put", "../bob/docs/secret.txt", "bad-path"),
        ("get", "docs/../../bob/x", "bad-path"),
        ("get", "/etc/passwd", "not-found"),
        ("put", "/etc/passwd", "not-found"),
        ("get", &bob_x, "not-found"),
        ("put", &bob_x, "not-found"),
        ("get", &users, "not-found"),
        ("get", "/bob/x", "not-found"),
        ("get", "bob/docs/secret.txt", "not-found"),
        ("put", "/bob/x", "not-found"),
        ("get", "..\\..\\users.json", "bad-path"),
        ("get", "..\\bob\\x", "bad-path"),
        ("get", "\\etc\\passwd", "bad-path"),
        ("get", "\\\\server\\share\\x", "bad-path"),
        ("get", "C:\\Windows\\win.ini", "bad-path"),
        ("get", "C:/x", "bad-path"),
        ("get", "c:x", "bad-path"),
        ("put", "C:evil", "bad-path"),
        ("put", "..\\..\\x", "bad-path"),
        ("put", "docs\\x", "bad-path"),
        ("put", ".bashrc", "bad-path"),
        ("put", ".ssh/authorized_keys", "bad-path"),
        ("get", ".ssh/id_rsa", "bad-path"),
        ("get", "...", "bad-path"),
        ("put", ".../x", "bad-path"),
        ("put", "x\0/../../bob/x", "bad-path"),
        ("put", "x\ninjected", "bad-path"),
        ("put", "a\0b", "bad-path"),
        ("put", "tab\there", "bad-path"),
        ("get", "a\0b", "bad-path"),
        ("mkdir", "sub", "ok"),
        ("put", "sub/.hidden", "bad-path"),
        ("get", "/sub/.hidden", "bad-path"),
        ("cd", "sub", "ok"),
        ("get", "../../bob/x", "bad-path"),
        ("put", "../../bob/x", "bad-path"),
        ("cd", "/", "ok"),
    ]);
    // alice's own /etc/passwd is hers.
    siege.expect(&[("mkdir", "/etc", "ok"), ("put", "/etc/passwd", "ok")]);
    let (reply, body, _) = siege.alice.get("/etc/passwd", b"");
    assert_eq!(
        (outcome(&reply), body),
        ("ok".into(), b"alice was here".to_vec()),
        "get of alice's own /etc/passwd"
    );
    let on_disk = siege.world.home("alice").join("etc/passwd");
    assert_eq!(
        fs::read(on_disk).unwrap_or_default(),
        b"alice was here",
        "alice's /etc/passwd on the disk"
    );
    // Nothing refused was made in her home either.
    let names = |entries: Vec<lesson_11::protocol::Entry>| -> Vec<String> {
        entries.into_iter().map(|e| e.name).collect()
    };
    let listed = (
        names(siege.alice.ls(Some("/")).1),
        names(siege.alice.ls(Some("/sub")).1),
    );
    assert_eq!(
        listed,
        (vec!["etc".to_string(), "sub".into()], vec![]),
        "the names in alice's / and /sub after her attempts"
    );
    siege.assert_nothing_outside_changed();
}

/// Through symbolic links made on the server's disk that lead out of the
/// home, get and put are bad paths, a put onto a link to one of bob's files
/// included; through a link that stays inside, they work.
#[cfg(unix)]
#[test]
fn m3_put_and_get_through_links_out_of_the_home_are_refused() {
    let mut siege = Siege::new("m3-links");
    siege.make_links();
    let home = siege.world.home("alice");
    siege.expect(&[
        ("get", "to-bob/x", "bad-path"),
        ("get", "to-bob/docs/secret.txt", "bad-path"),
        ("get", "bobs-x", "bad-path"),
        ("get", "to-root/users.json", "bad-path"),
        ("get", "up/x", "bad-path"),
        ("put", "to-bob/new", "bad-path"),
        ("put", "to-bob/x", "bad-path"),
        ("put", "to-root/homes/bob/x", "bad-path"),
        ("put", "to-root/evil", "bad-path"),
        ("put", "up/x", "bad-path"),
        ("put", "bobs-x", "bad-path"),
        ("put", "mine/b.txt", "ok"),
    ]);
    let (reply, body, _) = siege.alice.get("mine/a.txt", b"");
    assert_eq!(
        (outcome(&reply), body),
        ("ok".into(), b"alice's a".to_vec()),
        "get mine/a.txt, through a link inside the home"
    );
    assert_eq!(
        fs::read(home.join("docs/b.txt")).unwrap_or_default(),
        b"alice was here",
        "put mine/b.txt, through a link to docs, should write /docs/b.txt"
    );
    assert_eq!(
        fs::read(siege.world.home("bob").join("x")).unwrap_or_default(),
        b"bob's x",
        "bob's x"
    );
    siege.assert_nothing_outside_changed();
}
