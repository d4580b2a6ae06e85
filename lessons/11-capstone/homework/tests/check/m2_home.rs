//! Milestone 2: your home (requirements 3, 5 and 6). `pwd` and `cd` move a
//! working folder of the session's own, every relative path starts there,
//! `ls` lists names, kinds and sizes sorted by name, `mkdir` and `rm` follow
//! the chapter's rules; and every way out of the home is refused, with
//! nothing made or changed outside it. Files are made directly on the
//! server's disk here: `put` and `get` are milestone 3's.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use lesson_11::protocol::{Entry, Kind, Reply, Request};
use lesson_11::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

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

fn pwd(raw: &mut Raw) -> String {
    let reply = raw.call(&Request::new("pwd"));
    assert_eq!(outcome(&reply), "ok", "pwd: {reply:?}");
    reply.path.expect("pwd's reply has a path")
}

/// alice, with a quota of 1 MiB, logged in to a server of her own, and the
/// folders `/docs` and `/docs/2024` made on its disk.
fn alice(label: &str) -> (World, Server, Raw) {
    let world = World::new(label);
    world.add_user("alice", "1MiB");
    fs::create_dir_all(world.home("alice").join("docs/2024")).unwrap();
    let server = world.start(&[]);
    let alice = Raw::login(server.addr, "alice");
    (world, server, alice)
}

/// cd into a folder, `..`, `/`, with a trailing slash, with `.` and doubled
/// slashes: each reply's path, and pwd after it, is the folder reached.
#[test]
fn m2_cd_moves_the_working_folder_and_pwd_follows() {
    let (_world, _server, mut alice) = alice("m2-cd");
    assert_eq!(pwd(&mut alice), "/", "pwd right after the login");
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
        let answer = (outcome(&reply), reply.path.unwrap_or_default());
        actual.push(format!(
            "cd {path:?} → {answer:?}, then pwd {}",
            pwd(&mut alice)
        ));
        let answer = ("ok".to_string(), folder.to_string());
        expected.push(format!("cd {path:?} → {answer:?}, then pwd {folder}"));
    }
    assert_eq!(actual, expected, "each cd, in turn, from /");
}

/// cd into a file is `wrong-kind`, cd to a folder that does not exist is
/// `not-found`; either way the working folder stays where it was.
#[test]
fn m2_cd_into_a_file_or_nowhere_leaves_the_working_folder() {
    let (world, _server, mut alice) = alice("m2-cd-refused");
    fs::write(world.home("alice").join("docs/a.txt"), b"a").unwrap();
    assert_eq!(outcome(&alice.cd("docs")), "ok", "cd docs");
    let refused = [
        ("a.txt", "wrong-kind"),
        ("/docs/a.txt", "wrong-kind"),
        ("a.txt/", "wrong-kind"),
        ("nowhere", "not-found"),
        ("nowhere/deeper", "not-found"),
        ("/nowhere", "not-found"),
        ("../2025", "not-found"),
        ("a.txt/deeper", "not-found"),
    ];
    let actual: Vec<_> = refused
        .iter()
        .map(|&(path, _)| {
            let code = outcome(&alice.cd(path));
            format!("cd {path:?} → {code}, then pwd {}", pwd(&mut alice))
        })
        .collect();
    let expected: Vec<_> = refused
        .iter()
        .map(|&(path, code)| format!("cd {path:?} → {code}, then pwd /docs"))
        .collect();
    assert_eq!(actual, expected, "each cd, in turn, from /docs");
}

/// Relative paths in ls, mkdir and rm start from the working folder; absolute
/// ones from the home, whatever the working folder; replies name the place
/// from the home.
#[test]
fn m2_relative_paths_start_from_the_working_folder() {
    let (world, _server, mut alice) = alice("m2-relative");
    let home = world.home("alice");
    fs::write(home.join("a.txt"), b"top").unwrap();
    fs::write(home.join("docs/a.txt"), b"in docs").unwrap();
    assert_eq!(outcome(&alice.cd("docs")), "ok", "cd docs");

    let (reply, entries) = alice.ls(None);
    assert_eq!(
        (reply.path.as_deref(), entries),
        (
            Some("/docs"),
            vec![
                entry("2024", Kind::Folder, 0),
                entry("a.txt", Kind::File, 7)
            ]
        ),
        "ls in /docs: its path and entries"
    );
    let (reply, entries) = alice.ls(Some(".."));
    assert_eq!(
        (reply.path.as_deref(), entries),
        (
            Some("/"),
            vec![
                entry("a.txt", Kind::File, 3),
                entry("docs", Kind::Folder, 0)
            ]
        ),
        "ls .. from /docs: its path and entries"
    );

    let reply = mkdir(&mut alice, "sub");
    assert_eq!(
        (outcome(&reply), reply.path.as_deref()),
        ("ok".into(), Some("/docs/sub")),
        "mkdir sub in /docs: {reply:?}"
    );
    assert!(
        home.join("docs/sub").is_dir(),
        "mkdir sub made no /docs/sub"
    );
    assert_eq!(outcome(&alice.cd("2024")), "ok", "cd 2024 from /docs");
    let reply = mkdir(&mut alice, "../sub/deeper");
    assert_eq!(
        (outcome(&reply), reply.path.as_deref()),
        ("ok".into(), Some("/docs/sub/deeper")),
        "mkdir ../sub/deeper in /docs/2024: {reply:?}"
    );
    let (reply, entries) = alice.ls(Some("../sub"));
    assert_eq!(
        (reply.path.as_deref(), entries),
        (Some("/docs/sub"), vec![entry("deeper", Kind::Folder, 0)]),
        "ls ../sub from /docs/2024"
    );
    assert_eq!(
        alice.ls(Some("/")).0.path.as_deref(),
        Some("/"),
        "ls / from /docs/2024"
    );

    let reply = rm(&mut alice, "../a.txt");
    assert_eq!(
        (outcome(&reply), reply.path.as_deref()),
        ("ok".into(), Some("/docs/a.txt")),
        "rm ../a.txt from /docs/2024: {reply:?}"
    );
    assert!(
        !home.join("docs/a.txt").exists(),
        "/docs/a.txt is still there"
    );
    assert_eq!(
        fs::read(home.join("a.txt")).unwrap_or_default(),
        b"top",
        "/a.txt changed by rm ../a.txt from /docs/2024"
    );
    let reply = rm(&mut alice, "/a.txt");
    assert_eq!(
        (outcome(&reply), reply.path.as_deref()),
        ("ok".into(), Some("/a.txt")),
        "rm /a.txt from /docs/2024: {reply:?}"
    );
    assert_eq!(pwd(&mut alice), "/docs/2024", "pwd after all that");
}

/// ls lists files, folders and links with their sizes, sorted by name as
/// bytes (`B` before `Z` before `_` before `a` before `é`), with the path,
/// quota, used and omitted figures; the body is exactly as long as
/// `body_size` says. ls PATH lists that folder; ls of a file is
/// `wrong-kind`, of a missing name `not-found`.
#[test]
fn m2_ls_shows_names_kinds_and_sizes_sorted_by_name() {
    let world = World::new("m2-ls");
    world.add_user("alice", "1MiB");
    let home = world.home("alice");
    fs::create_dir_all(home.join("docs/2024")).unwrap();
    fs::write(home.join("notes.txt"), content(10, 1)).unwrap();
    fs::write(home.join("B.bin"), content(300, 2)).unwrap();
    fs::write(home.join("é.txt"), content(20, 3)).unwrap();
    fs::write(home.join("_x"), b"").unwrap();
    fs::create_dir(home.join("Zeta")).unwrap();
    fs::create_dir(home.join("archive")).unwrap();
    fs::write(home.join("docs/a.txt"), b"abc").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("notes.txt", home.join("link")).unwrap();
    // Made before the login: `used` is counted from the disk when a user's
    // first session starts, and kept up to date by the server after that.
    let server = world.start(&[]);
    let mut alice = Raw::login(server.addr, "alice");

    let (reply, entries) = alice.ls(None);
    let figures = (
        outcome(&reply),
        reply.path.as_deref(),
        reply.quota,
        reply.used,
        reply.omitted,
    );
    assert_eq!(
        figures,
        (
            "ok".into(),
            Some("/"),
            Some(1 << 20),
            Some(10 + 300 + 20 + 3),
            Some(0)
        ),
        "ls's reply (status, path, quota, used, omitted): {reply:?}"
    );
    let mut expected = vec![
        entry("B.bin", Kind::File, 300),
        entry("Zeta", Kind::Folder, 0),
        entry("_x", Kind::File, 0),
        entry("archive", Kind::Folder, 0),
        entry("docs", Kind::Folder, 0),
    ];
    if cfg!(unix) {
        expected.push(entry("link", Kind::Link, 0));
    }
    expected.push(entry("notes.txt", Kind::File, 10));
    expected.push(entry("é.txt", Kind::File, 20));
    assert_eq!(entries, expected, "ls of the home");
    let body = serde_json::to_vec(&entries).unwrap();
    assert_eq!(
        reply.body_size,
        body.len() as u64,
        "body_size, against the length of the listing sent (as compact JSON)"
    );

    let docs = [
        entry("2024", Kind::Folder, 0),
        entry("a.txt", Kind::File, 3),
    ];
    for path in ["docs", "/docs", "docs/", "./docs", "docs/2024/.."] {
        let (reply, entries) = alice.ls(Some(path));
        assert_eq!(
            (reply.path.as_deref(), entries.as_slice()),
            (Some("/docs"), docs.as_slice()),
            "ls {path}"
        );
    }
    let (reply, entries) = alice.ls(Some("docs/2024"));
    assert_eq!(
        (outcome(&reply), reply.path.as_deref(), entries),
        ("ok".into(), Some("/docs/2024"), vec![]),
        "ls of an empty folder"
    );
    let refused: Vec<_> = ["notes.txt", "docs/a.txt", "missing", "docs/missing"]
        .into_iter()
        .map(|path| (path, outcome(&alice.ls(Some(path)).0)))
        .collect();
    assert_eq!(
        refused,
        [
            ("notes.txt", "wrong-kind".to_string()),
            ("docs/a.txt", "wrong-kind".into()),
            ("missing", "not-found".into()),
            ("docs/missing", "not-found".into()),
        ],
        "ls of a file, and of what is not there"
    );
}

/// A folder of more than 1000 entries: ls sends exactly the first 1000 by
/// name, and `omitted` counts the rest; a folder of exactly 1000 omits none.
#[test]
fn m2_a_long_listing_sends_1000_entries_and_counts_the_rest() {
    const N: usize = 1234;
    let (world, _server, mut alice) = alice("m2-long");
    let many = world.home("alice").join("many");
    fs::create_dir(&many).unwrap();
    // Made in reverse order: the listing's order is the server's sorting.
    for i in (0..N).rev() {
        fs::write(many.join(format!("f{i:04}")), [b'x'; 1]).unwrap();
    }
    let (reply, entries) = alice.ls(Some("many"));
    assert_eq!(
        (outcome(&reply), reply.omitted, entries.len()),
        ("ok".into(), Some((N - 1000) as u64), 1000),
        "ls of {N} files (status, omitted, entries sent)"
    );
    let expected: Vec<Entry> = (0..1000)
        .map(|i| entry(&format!("f{i:04}"), Kind::File, 1))
        .collect();
    assert!(
        entries == expected,
        "the 1000 entries sent should be f0000 to f0999, in order; they were \
         {:?} … {:?}",
        entries.first(),
        entries.last()
    );
    for i in 1000..N {
        fs::remove_file(many.join(format!("f{i:04}"))).unwrap();
    }
    let (reply, entries) = alice.ls(Some("many"));
    assert_eq!(
        (reply.omitted, entries.len()),
        (Some(0), 1000),
        "ls of exactly 1000 files (omitted, entries sent)"
    );
}

/// mkdir makes one new folder; refuses one that exists, or `/` (`exists`),
/// one whose parent is missing (`not-found`) or is a file (`wrong-kind`); a
/// nested folder works once its parent is made.
#[test]
fn m2_mkdir_makes_one_folder_at_a_time() {
    let (world, _server, mut alice) = alice("m2-mkdir");
    let home = world.home("alice");
    fs::write(home.join("f.txt"), b"f").unwrap();
    let steps = [
        ("new", "ok"),
        ("new", "exists"),
        ("/new/", "exists"),
        ("f.txt", "exists"),
        ("/", "exists"),
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
            (path, outcome(&reply), reply.path)
        })
        .collect();
    let expected: Vec<_> = steps
        .iter()
        .map(|&(path, code)| {
            let made = (code == "ok").then(|| format!("/{path}"));
            (path, code.to_string(), made)
        })
        .collect();
    assert_eq!(actual, expected, "each mkdir (path, code, path replied)");
    for folder in ["new", "a", "a/b", "a/b/c"] {
        assert!(home.join(folder).is_dir(), "mkdir {folder} made no folder");
    }
    assert_eq!(
        fs::read(home.join("f.txt")).unwrap_or_default(),
        b"f",
        "f.txt changed"
    );
}

/// rm removes a file and an empty folder; refuses a folder with something in
/// it (`not-empty`), a missing name (`not-found`), and the home itself
/// (`bad-path`), however it is written.
#[test]
fn m2_rm_removes_files_and_empty_folders() {
    let (world, _server, mut alice) = alice("m2-rm");
    let home = world.home("alice");
    fs::create_dir(home.join("empty")).unwrap();
    fs::write(home.join("docs/a.txt"), b"a").unwrap();
    fs::write(home.join("f.txt"), b"f").unwrap();
    let steps = [
        ("f.txt", "ok"),
        ("f.txt", "not-found"),
        ("empty", "ok"),
        ("docs", "not-empty"),
        ("missing", "not-found"),
        ("docs/missing", "not-found"),
        ("/", "bad-path"),
        (".", "bad-path"),
        ("docs/..", "bad-path"),
    ];
    let actual: Vec<_> = steps
        .iter()
        .map(|&(path, _)| {
            let reply = rm(&mut alice, path);
            (path, outcome(&reply), reply.path)
        })
        .collect();
    let expected: Vec<_> = steps
        .iter()
        .map(|&(path, code)| {
            let removed = (code == "ok").then(|| format!("/{path}"));
            (path, code.to_string(), removed)
        })
        .collect();
    assert_eq!(actual, expected, "each rm (path, code, path replied)");
    assert!(!home.join("f.txt").exists(), "rm f.txt left it there");
    assert!(!home.join("empty").exists(), "rm empty left it there");
    assert_eq!(
        fs::read(home.join("docs/a.txt")).unwrap_or_default(),
        b"a",
        "a refused rm changed /docs/a.txt"
    );
    let (_, entries) = alice.ls(None);
    assert_eq!(
        entries,
        [entry("docs", Kind::Folder, 0)],
        "ls of the home after the rms"
    );
}

/// Everything under `dir`, links not followed: each path (from `root`) with
/// its kind, and a file's size and digest. Folders named `alice` are left
/// out: her home, and wherever the server keeps her partial uploads.
fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let meta = fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() && path.file_name().is_some_and(|n| n == "alice") {
            continue;
        }
        let name = path.strip_prefix(root).unwrap().display().to_string();
        let what = if meta.is_symlink() {
            format!("link to {}", fs::read_link(&path).unwrap().display())
        } else if meta.is_dir() {
            walk(root, &path, out);
            // The folder that holds each user's partial uploads is alice's
            // too, in part: made at her login or at her first put, as a
            // server likes. What is in it, but for hers, is compared.
            if path == root.join("root").join("partial") {
                continue;
            }
            "folder".to_string()
        } else {
            let bytes = fs::read(&path).unwrap();
            format!("file, {} bytes, {}", bytes.len(), sha256_of(&bytes))
        };
        out.insert(name, what);
    }
}

/// alice, logged in, trying to get out of her home; and everything on the
/// server's disk, and around its folder, that is not hers, as it was before
/// she tried anything. Milestone 3 sends `put` and `get` the same way.
pub(crate) struct Siege {
    pub world: World,
    /// Running for as long as the siege lasts (a `Server` is killed when
    /// dropped).
    _server: Server,
    pub alice: Raw,
    before: BTreeMap<String, String>,
}

impl Siege {
    /// bob has `/x` and `/docs/secret.txt`; alice is logged in.
    pub fn new(label: &str) -> Siege {
        let world = World::new(label);
        world.add_user("alice", "1MiB");
        world.add_user("bob", "1MiB");
        fs::create_dir_all(world.home("bob").join("docs")).unwrap();
        fs::write(world.home("bob").join("x"), b"bob's x").unwrap();
        fs::write(world.home("bob").join("docs/secret.txt"), b"bob's secret")
            .unwrap();
        let server = world.start(&[]);
        let alice = Raw::login(server.addr, "alice");
        let before = Siege::outside(&world);
        assert!(
            before.contains_key("root/homes/bob/docs/secret.txt"),
            "{before:?}"
        );
        Siege {
            world,
            _server: server,
            alice,
            before,
        }
    }

    /// The scratch folder around the server's folder, and all of the server's
    /// folder but alice's own places.
    fn outside(world: &World) -> BTreeMap<String, String> {
        let mut all = BTreeMap::new();
        let top = world.scratch.path();
        walk(top, top, &mut all);
        all
    }

    /// Sends `command` about `path` as alice and returns the code of the
    /// answer (a put sends its bytes if it is offered).
    pub fn attempt(&mut self, command: &str, path: &str) -> String {
        let raw = &mut self.alice;
        match command {
            "get" => outcome(&raw.get(path, b"").0),
            "put" => {
                let (offer, end) = raw.put(path, b"alice was here");
                if offer.is_ok() {
                    outcome(&end)
                } else {
                    outcome(&offer)
                }
            }
            "ls" => outcome(&raw.ls(Some(path)).0),
            _ => outcome(&raw.call(&Request::new(command).path(path))),
        }
    }

    /// Runs each attempt and compares all the answers with those expected,
    /// at once (so that a failure shows every attempt that went wrong).
    #[track_caller]
    pub fn expect(&mut self, attempts: &[(&str, &str, &str)]) {
        let show = |c: &str, p: &str, r: &str| format!("{c} {p:?} → {r}");
        let expected: Vec<String> =
            attempts.iter().map(|(c, p, r)| show(c, p, r)).collect();
        let actual: Vec<String> = attempts
            .iter()
            .map(|(c, p, _)| show(c, p, &self.attempt(c, p)))
            .collect();
        assert_eq!(actual, expected, "alice's attempts, in turn");
    }

    pub fn pwd(&mut self) -> String {
        pwd(&mut self.alice)
    }

    /// The session still works, and nothing outside alice's home changed.
    #[track_caller]
    pub fn assert_nothing_outside_changed(mut self) {
        self.pwd();
        let after = Siege::outside(&self.world);
        assert_eq!(
            after, self.before,
            "the disk outside alice's home, after her attempts (left) and \
             before them (right)"
        );
    }
}

/// `..` never climbs above the home, from `/` or from a folder, in cd, ls,
/// mkdir or rm; the working folder stays where it was.
#[test]
fn m2_dot_dot_cannot_climb_above_the_home() {
    let mut siege = Siege::new("m2-dot-dot");
    siege.expect(&[
        ("cd", "..", "bad-path"),
        ("cd", "../bob", "bad-path"),
        ("cd", "/..", "bad-path"),
        ("cd", "/../bob/docs", "bad-path"),
        ("ls", "..", "bad-path"),
        ("ls", "../bob", "bad-path"),
        ("ls", "./../bob/docs", "bad-path"),
        ("mkdir", "../evil", "bad-path"),
        ("mkdir", "../bob/evil", "bad-path"),
        ("mkdir", "../../evil", "bad-path"),
        ("rm", "../bob/x", "bad-path"),
        ("rm", "../bob", "bad-path"),
        ("rm", "/../../users.json", "bad-path"),
    ]);
    assert_eq!(siege.pwd(), "/", "pwd after the refused attempts from /");
    siege.expect(&[("mkdir", "sub", "ok"), ("cd", "sub", "ok")]);
    siege.expect(&[
        ("cd", "../..", "bad-path"),
        ("cd", "../../bob", "bad-path"),
        ("ls", "../..", "bad-path"),
        ("ls", "../../bob/docs", "bad-path"),
        ("mkdir", "../../evil", "bad-path"),
        ("rm", "../../bob/x", "bad-path"),
    ]);
    assert_eq!(
        siege.pwd(),
        "/sub",
        "pwd after the refused attempts from /sub"
    );
    // One `..` from /sub is the home: allowed.
    siege.expect(&[("cd", "..", "ok")]);
    assert_eq!(siege.pwd(), "/", "pwd after cd .. from /sub");
    siege.assert_nothing_outside_changed();
}

/// A path that names a place on the server's machine (`/etc`, bob's home's
/// real path, the server's folder) means that path inside alice's home: not
/// found there, and alice's own once she makes it.
#[test]
fn m2_host_paths_are_paths_inside_the_home() {
    let mut siege = Siege::new("m2-host-paths");
    let bob = siege.world.home("bob").display().to_string();
    let bob_x = siege.world.home("bob").join("x").display().to_string();
    let root = siege.world.root.display().to_string();
    siege.expect(&[
        ("ls", "/etc", "not-found"),
        ("cd", "/etc", "not-found"),
        ("rm", "/etc/passwd", "not-found"),
        ("cd", &bob, "not-found"),
        ("ls", &bob, "not-found"),
        ("rm", &bob_x, "not-found"),
        ("cd", &root, "not-found"),
        ("ls", &root, "not-found"),
        ("mkdir", &format!("{bob}/evil"), "not-found"),
    ]);
    // alice's own /etc is hers.
    siege.expect(&[("mkdir", "/etc", "ok"), ("cd", "/etc", "ok")]);
    assert_eq!(siege.pwd(), "/etc", "pwd after cd /etc");
    assert!(
        siege.world.home("alice").join("etc").is_dir(),
        "mkdir /etc made no etc in alice's home"
    );
    siege.assert_nothing_outside_changed();
}

/// Names that break lesson 8's rules are bad paths wherever they appear:
/// Windows' separators and drives (`\`, `C:`), a leading dot (`.ssh`, `...`),
/// control characters, a trailing dot or space, device names, a part longer
/// than 255 bytes. None is made.
#[test]
fn m2_names_that_break_the_rules_are_bad_paths() {
    let mut siege = Siege::new("m2-names");
    let long = "n".repeat(256);
    let longest = "n".repeat(255);
    siege.expect(&[
        ("cd", "..\\bob", "bad-path"),
        ("ls", "..\\", "bad-path"),
        ("mkdir", "..\\evil", "bad-path"),
        ("ls", "\\etc", "bad-path"),
        ("ls", "\\\\server\\share", "bad-path"),
        ("ls", "C:\\Windows", "bad-path"),
        ("cd", "C:", "bad-path"),
        ("ls", "c:x", "bad-path"),
        ("mkdir", "D:", "bad-path"),
        ("rm", "C:\\x", "bad-path"),
        ("mkdir", ".ssh", "bad-path"),
        ("cd", ".ssh", "bad-path"),
        ("ls", ".ssh", "bad-path"),
        ("rm", ".bashrc", "bad-path"),
        ("mkdir", "...", "bad-path"),
        ("mkdir", "a\0b", "bad-path"),
        ("mkdir", "a\nb", "bad-path"),
        ("cd", "a\0", "bad-path"),
        ("ls", "\n", "bad-path"),
        ("rm", "x\n", "bad-path"),
        ("mkdir", "tab\there", "bad-path"),
        ("mkdir", "dot.", "bad-path"),
        ("mkdir", "space ", "bad-path"),
        ("mkdir", "CON", "bad-path"),
        ("mkdir", "nul.txt", "bad-path"),
        ("mkdir", "lpt9.log", "bad-path"),
        ("mkdir", &long, "bad-path"),
        ("mkdir", "docs", "ok"),
        ("mkdir", "docs/.hidden", "bad-path"),
        ("cd", "docs\\", "bad-path"),
        ("mkdir", &longest, "ok"),
    ]);
    assert_eq!(siege.pwd(), "/", "pwd after the refused attempts");
    let (_, entries) = siege.alice.ls(Some("/"));
    assert_eq!(
        entries,
        [
            entry("docs", Kind::Folder, 0),
            entry(&longest, Kind::Folder, 0)
        ],
        "alice's home after the attempts"
    );
    siege.assert_nothing_outside_changed();
}

/// bob's name is only a name: `/bob` is not found in alice's home, and once
/// alice makes a folder `bob`, it is hers and holds nothing of his.
#[test]
fn m2_another_users_name_is_just_a_folder_name() {
    let mut siege = Siege::new("m2-bob-name");
    siege.expect(&[
        ("cd", "/bob", "not-found"),
        ("cd", "bob", "not-found"),
        ("ls", "/bob", "not-found"),
        ("ls", "bob/docs", "not-found"),
        ("rm", "/bob/x", "not-found"),
        ("cd", "/homes/bob", "not-found"),
        ("mkdir", "/bob/evil", "not-found"),
    ]);
    siege.expect(&[
        ("mkdir", "bob", "ok"),
        ("cd", "/bob", "ok"),
        ("cd", "docs", "not-found"),
        ("rm", "x", "not-found"),
    ]);
    assert_eq!(siege.pwd(), "/bob", "pwd after cd /bob");
    let (reply, entries) = siege.alice.ls(None);
    assert_eq!(
        (outcome(&reply), entries),
        ("ok".into(), vec![]),
        "ls of alice's own /bob"
    );
    siege.assert_nothing_outside_changed();
}

/// Symbolic links made on the server's disk in alice's home, to bob's home,
/// to one of bob's files, to the server's folder and up (`../bob`): ls shows
/// each as a `link`, and cd, ls, mkdir and rm through them are bad paths.
/// A link that stays inside the home is followed. rm of a link removes the
/// link, never what it leads to.
#[cfg(unix)]
#[test]
fn m2_links_out_of_the_home_are_not_followed() {
    use std::os::unix::fs::symlink;
    let mut siege = Siege::new("m2-links");
    let (home, world) = (siege.world.home("alice"), &siege.world);
    symlink(world.home("bob"), home.join("to-bob")).unwrap();
    symlink(world.home("bob").join("x"), home.join("bobs-x")).unwrap();
    symlink(&world.root, home.join("to-root")).unwrap();
    symlink("../bob", home.join("up")).unwrap();
    fs::create_dir(home.join("docs")).unwrap();
    fs::write(home.join("docs/a.txt"), b"alice's a").unwrap();
    symlink("docs", home.join("mine")).unwrap();

    let (reply, entries) = siege.alice.ls(None);
    assert_eq!(
        (outcome(&reply), entries),
        (
            "ok".into(),
            vec![
                entry("bobs-x", Kind::Link, 0),
                entry("docs", Kind::Folder, 0),
                entry("mine", Kind::Link, 0),
                entry("to-bob", Kind::Link, 0),
                entry("to-root", Kind::Link, 0),
                entry("up", Kind::Link, 0),
            ]
        ),
        "ls of a home with links"
    );
    siege.expect(&[
        ("cd", "to-bob", "bad-path"),
        ("cd", "to-bob/docs", "bad-path"),
        ("cd", "to-root", "bad-path"),
        ("cd", "to-root/homes/bob", "bad-path"),
        ("cd", "up", "bad-path"),
        ("ls", "to-bob", "bad-path"),
        ("ls", "to-bob/docs", "bad-path"),
        ("ls", "to-root", "bad-path"),
        ("ls", "to-root/homes", "bad-path"),
        ("ls", "up", "bad-path"),
        ("mkdir", "to-bob/evil", "bad-path"),
        ("mkdir", "to-root/evil", "bad-path"),
        ("mkdir", "up/evil", "bad-path"),
        ("rm", "to-bob/x", "bad-path"),
        ("rm", "to-bob/docs/secret.txt", "bad-path"),
        ("rm", "to-root/users.json", "bad-path"),
        ("rm", "up/x", "bad-path"),
    ]);
    assert_eq!(siege.pwd(), "/", "pwd after the refused attempts");
    // A link that leads to a place inside the home is followed.
    siege.expect(&[("cd", "mine", "ok")]);
    assert_eq!(siege.pwd(), "/mine", "pwd after cd mine (a link to docs)");
    let (reply, entries) = siege.alice.ls(None);
    assert_eq!(
        (outcome(&reply), entries),
        ("ok".into(), vec![entry("a.txt", Kind::File, 9)]),
        "ls in /mine"
    );
    // Removing a link removes the link, never what it leads to.
    siege.expect(&[
        ("cd", "/", "ok"),
        ("rm", "bobs-x", "ok"),
        ("rm", "to-bob", "ok"),
    ]);
    let home = siege.world.home("alice");
    for link in ["bobs-x", "to-bob"] {
        assert!(
            fs::symlink_metadata(home.join(link)).is_err(),
            "rm {link} left the link"
        );
    }
    siege.assert_nothing_outside_changed();
}
