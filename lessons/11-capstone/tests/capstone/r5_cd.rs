//! Requirement 5: a working folder. `cd` moves it (into folders only, and
//! only to folders that exist), `pwd` tells it, and every relative path in
//! get, put, ls, mkdir and rm starts from it.

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

/// alice, logged in to a server of her own, with the folders `/docs` and
/// `/docs/2024` made.
fn alice(label: &str) -> (World, Server, Raw) {
    let world = World::new(label);
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let mut alice = Raw::login(server.addr, "alice");
    for folder in ["docs", "docs/2024"] {
        let reply = alice.call(&Request::new("mkdir").path(folder));
        assert_eq!(code(&reply), "ok", "mkdir {folder}: {reply:?}");
    }
    (world, server, alice)
}

fn pwd(raw: &mut Raw) -> String {
    let reply = raw.call(&Request::new("pwd"));
    assert_eq!(code(&reply), "ok", "{reply:?}");
    reply.path.expect("pwd's path")
}

/// cd into a folder, `..`, `/`, with a trailing slash, with `.` and doubled
/// slashes: each reply's path, and pwd after it, is the folder reached.
#[test]
fn cd_moves_the_working_folder_and_pwd_follows() {
    let (_world, _server, mut alice) = alice("r5-cd");
    assert_eq!(pwd(&mut alice), "/");
    let steps = [
        ("docs", "/docs"),
        ("2024", "/docs/2024"),
        ("..", "/docs"),
        ("/", "/"),
        ("docs/", "/docs"),
        ("2024/", "/docs/2024"),
        ("../", "/docs"),
        ("/docs/2024", "/docs/2024"),
        ("../..", "/"),
        ("/docs//2024/", "/docs/2024"),
        (".", "/docs/2024"),
        ("./../2024/.", "/docs/2024"),
        ("/docs/../docs/./", "/docs"),
        ("//", "/"),
    ];
    let mut actual = Vec::new();
    let mut expected = Vec::new();
    for (path, folder) in steps {
        let reply = alice.cd(path);
        let answer = (code(&reply), reply.path.unwrap_or_default());
        actual.push((path, answer, pwd(&mut alice)));
        expected.push((
            path,
            ("ok".to_string(), folder.to_string()),
            folder.into(),
        ));
    }
    assert_eq!(actual, expected);
}

/// cd into a file is wrong-kind, cd to a folder that does not exist is
/// not-found; either way the working folder stays where it was.
#[test]
fn cd_into_a_file_or_nowhere_leaves_the_working_folder() {
    let (_world, _server, mut alice) = alice("r5-cd-refused");
    assert_eq!(code(&alice.put("docs/a.txt", b"a").1), "ok");
    assert_eq!(code(&alice.cd("docs")), "ok");
    let refused = [
        ("a.txt", "wrong-kind"),
        ("/docs/a.txt", "wrong-kind"),
        ("a.txt/", "wrong-kind"),
        ("nowhere", "not-found"),
        ("nowhere/deeper", "not-found"),
        ("/nowhere", "not-found"),
        ("../2024", "not-found"),
        ("a.txt/deeper", "not-found"),
    ];
    let mut actual = Vec::new();
    for (path, _) in refused {
        let reply = alice.cd(path);
        actual.push((path, code(&reply), pwd(&mut alice)));
    }
    let expected: Vec<_> = refused
        .iter()
        .map(|&(path, code)| (path, code.to_string(), "/docs".to_string()))
        .collect();
    assert_eq!(actual, expected);
}

/// Relative paths in put, get, ls, mkdir and rm start from the working
/// folder; absolute ones from the home, whatever the working folder.
#[test]
fn relative_paths_start_from_the_working_folder() {
    let (world, _server, mut alice) = alice("r5-relative");
    let home = world.home("alice");
    assert_eq!(code(&alice.put("a.txt", b"top").1), "ok");
    assert_eq!(code(&alice.cd("docs")), "ok");

    let (offer, end) = alice.put("a.txt", b"in docs");
    assert_eq!(offer.path.as_deref(), Some("/docs/a.txt"));
    assert_eq!(
        (code(&end), end.path),
        ("ok".into(), Some("/docs/a.txt".into()))
    );
    assert_eq!(fs::read(home.join("a.txt")).unwrap(), b"top");
    assert_eq!(fs::read(home.join("docs/a.txt")).unwrap(), b"in docs");

    let (reply, body, _) = alice.get("a.txt", b"");
    assert_eq!(reply.path.as_deref(), Some("/docs/a.txt"));
    assert_eq!(body, b"in docs");
    assert_eq!(alice.get("/a.txt", b"").1, b"top");
    assert_eq!(alice.get("../a.txt", b"").1, b"top");
    assert_eq!(alice.get("./2024/../a.txt", b"").1, b"in docs");

    let file = |name: &str, size: usize| Entry {
        name: name.into(),
        kind: Kind::File,
        size: size as u64,
    };
    let folder = |name: &str| Entry {
        name: name.into(),
        kind: Kind::Folder,
        size: 0,
    };
    let (reply, entries) = alice.ls(None);
    assert_eq!(reply.path.as_deref(), Some("/docs"));
    assert_eq!(entries, [folder("2024"), file("a.txt", 7)]);
    let (reply, entries) = alice.ls(Some(".."));
    assert_eq!(reply.path.as_deref(), Some("/"));
    assert_eq!(entries, [file("a.txt", 3), folder("docs")]);

    let reply = alice.call(&Request::new("mkdir").path("sub"));
    assert_eq!(
        (code(&reply), reply.path),
        ("ok".into(), Some("/docs/sub".into()))
    );
    assert!(home.join("docs/sub").is_dir());
    assert_eq!(code(&alice.cd("2024")), "ok");
    assert_eq!(code(&alice.put("../sub/b.txt", b"b").1), "ok");
    assert_eq!(fs::read(home.join("docs/sub/b.txt")).unwrap(), b"b");
    let (_, entries) = alice.ls(Some("../sub"));
    assert_eq!(entries, [file("b.txt", 1)]);
    assert_eq!(alice.ls(Some("/")).0.path.as_deref(), Some("/"));

    let reply = alice.call(&Request::new("rm").path("../a.txt"));
    assert_eq!(
        (code(&reply), reply.path),
        ("ok".into(), Some("/docs/a.txt".into()))
    );
    assert!(!home.join("docs/a.txt").exists());
    assert_eq!(fs::read(home.join("a.txt")).unwrap(), b"top");
    // From /docs/2024, `a.txt` is /docs/2024/a.txt: not there.
    assert_eq!(code(&alice.get("a.txt", b"").0), "not-found");
    assert_eq!(pwd(&mut alice), "/docs/2024");
}
