//! Requirement 3: each user sees only their own home. alice tries every way
//! out of hers: `..` above it, host paths, Windows' forms, hidden names,
//! control characters, bob's name, and symbolic links made on the server's
//! disk. After each attempt, bob's files are as they were and nothing was
//! made outside alice's home.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use lesson_11::protocol::{Entry, Kind, Reply, Request, Status};
use lesson_11::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

/// `status` for an ok reply, else the error's code.
fn code(reply: &Reply) -> String {
    match reply.status {
        Status::Ok => "ok".into(),
        Status::Error => reply.code.clone().unwrap_or_else(|| "(no code)".into()),
    }
}

/// Everything under `dir`, links not followed: each path (from `root`) with
/// its kind, and a file's size and digest. `skip` is left out.
fn walk(
    root: &Path,
    dir: &Path,
    skip: &[PathBuf],
    out: &mut BTreeMap<String, String>,
) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if skip.contains(&path) {
            continue;
        }
        let meta = fs::symlink_metadata(&path).unwrap();
        let name = path.strip_prefix(root).unwrap().display().to_string();
        let what = if meta.is_symlink() {
            format!("link to {}", fs::read_link(&path).unwrap().display())
        } else if meta.is_dir() {
            walk(root, &path, skip, out);
            "folder".to_string()
        } else {
            let bytes = fs::read(&path).unwrap();
            format!("file, {} bytes, {}", bytes.len(), sha256_of(&bytes))
        };
        out.insert(name, what);
    }
}

/// alice, logged in, and the server's disk as it was before she tried
/// anything: every file and folder but her own home and partial uploads.
struct Siege {
    world: World,
    server: Server,
    alice: Raw,
    before: BTreeMap<String, String>,
}

impl Siege {
    /// bob has `/x` and `/docs/secret.txt`, uploaded by himself; alice is
    /// logged in.
    fn new(label: &str) -> Siege {
        let world = World::new(label);
        world.add_user("alice", "1MiB");
        world.add_user("bob", "1MiB");
        let server = world.start(&[]);
        let mut bob = Raw::login(server.addr, "bob");
        assert_eq!(code(&bob.put("x", b"bob's x").1), "ok");
        assert_eq!(code(&bob.call(&Request::new("mkdir").path("docs"))), "ok");
        assert_eq!(code(&bob.put("docs/secret.txt", b"bob's secret").1), "ok");
        drop(bob);
        let alice = Raw::login(server.addr, "alice");
        let before = Siege::outside(&world);
        assert!(
            before.contains_key("homes/bob/docs/secret.txt"),
            "{before:?}"
        );
        Siege {
            world,
            server,
            alice,
            before,
        }
    }

    /// The server's disk except alice's home and partial uploads.
    fn outside(world: &World) -> BTreeMap<String, String> {
        let mut all = BTreeMap::new();
        let skip = [world.home("alice"), world.partial("alice")];
        walk(&world.root, &world.root, &skip, &mut all);
        all
    }

    /// Sends `command` about `path` as alice and returns the code of the
    /// answer (a put sends its bytes when it is offered).
    fn attempt(&mut self, command: &str, path: &str) -> String {
        let raw = &mut self.alice;
        match command {
            "get" => code(&raw.get(path, b"").0),
            "put" => {
                let (offer, end) = raw.put(path, b"alice was here");
                if offer.is_ok() {
                    code(&end)
                } else {
                    code(&offer)
                }
            }
            "ls" => code(&raw.ls(Some(path)).0),
            _ => code(&raw.call(&Request::new(command).path(path))),
        }
    }

    /// Runs each attempt and compares all the answers with those expected,
    /// at once (so that a failure shows every attempt that went wrong).
    #[track_caller]
    fn expect(&mut self, attempts: &[(&str, &str, &str)]) {
        let show = |c: &str, p: &str, r: &str| format!("{c} {p:?} → {r}");
        let expected: Vec<String> =
            attempts.iter().map(|(c, p, r)| show(c, p, r)).collect();
        let actual: Vec<String> = attempts
            .iter()
            .map(|(c, p, _)| show(c, p, &self.attempt(c, p)))
            .collect();
        assert_eq!(actual, expected);
    }

    fn pwd(&mut self) -> String {
        let reply = self.alice.call(&Request::new("pwd"));
        assert_eq!(code(&reply), "ok");
        reply.path.unwrap()
    }

    /// The session still works, and nothing outside alice's home changed.
    #[track_caller]
    fn assert_nothing_outside_changed(mut self) {
        self.pwd();
        let after = Siege::outside(&self.world);
        assert_eq!(after, self.before, "the disk outside alice's home changed");
        assert_eq!(
            fs::read(self.world.home("bob").join("x")).unwrap(),
            b"bob's x"
        );
    }
}

/// `..` never climbs above the home, from `/` or from a folder, in any
/// command; the working folder stays where it was.
#[test]
fn dot_dot_cannot_climb_above_the_home() {
    let mut siege = Siege::new("r3-dot-dot");
    siege.expect(&[
        ("cd", "..", "bad-path"),
        ("cd", "../bob", "bad-path"),
        ("cd", "/..", "bad-path"),
        ("cd", "/../bob/docs", "bad-path"),
        ("ls", "..", "bad-path"),
        ("ls", "../bob", "bad-path"),
        ("get", "../bob/x", "bad-path"),
        ("get", "/../bob/x", "bad-path"),
        ("get", "/../../users.json", "bad-path"),
        ("get", "docs/../../bob/x", "bad-path"),
        ("get", "./../bob/docs/secret.txt", "bad-path"),
        ("put", "../../x", "bad-path"),
        ("put", "../bob/x", "bad-path"),
        ("put", "../bob/docs/secret.txt", "bad-path"),
        ("mkdir", "../evil", "bad-path"),
        ("mkdir", "../bob/evil", "bad-path"),
        ("rm", "../bob/x", "bad-path"),
        ("rm", "../bob", "bad-path"),
    ]);
    assert_eq!(siege.pwd(), "/");
    siege.expect(&[("mkdir", "sub", "ok"), ("cd", "sub", "ok")]);
    siege.expect(&[
        ("cd", "../..", "bad-path"),
        ("cd", "../../bob", "bad-path"),
        ("ls", "../..", "bad-path"),
        ("get", "../../bob/x", "bad-path"),
        ("put", "../../bob/x", "bad-path"),
        ("rm", "../../bob/x", "bad-path"),
    ]);
    assert_eq!(siege.pwd(), "/sub");
    // One `..` from /sub is the home: allowed.
    siege.expect(&[("cd", "..", "ok")]);
    assert_eq!(siege.pwd(), "/");
    siege.assert_nothing_outside_changed();
}

/// A path that names a place on the server's machine (`/etc/passwd`, bob's
/// home's real path) means that path inside alice's home: not found there,
/// and alice's own once she makes it.
#[test]
fn host_paths_are_paths_inside_the_home() {
    let mut siege = Siege::new("r3-host-paths");
    let bob_x = siege.world.home("bob").join("x").display().to_string();
    let users = siege.world.root.join("users.json").display().to_string();
    let root = siege.world.root.display().to_string();
    assert!(bob_x.starts_with('/'), "{bob_x}");
    siege.expect(&[
        ("get", "/etc/passwd", "not-found"),
        ("ls", "/etc", "not-found"),
        ("cd", "/etc", "not-found"),
        ("put", "/etc/passwd", "not-found"),
        ("rm", "/etc/passwd", "not-found"),
        ("get", &bob_x, "not-found"),
        ("put", &bob_x, "not-found"),
        ("rm", &bob_x, "not-found"),
        ("get", &users, "not-found"),
        ("cd", &root, "not-found"),
        ("ls", &root, "not-found"),
    ]);
    // alice's own /etc/passwd is hers.
    siege.expect(&[("mkdir", "/etc", "ok"), ("put", "/etc/passwd", "ok")]);
    let (reply, body, _) = siege.alice.get("/etc/passwd", b"");
    assert_eq!(code(&reply), "ok");
    assert_eq!(body, b"alice was here");
    let on_disk = siege.world.home("alice").join("etc/passwd");
    assert_eq!(fs::read(on_disk).unwrap(), b"alice was here");
    siege.assert_nothing_outside_changed();
}

/// Windows' separators and drives, `\`, `..\..` and `C:`, are refused as
/// bad paths wherever they appear.
#[test]
fn windows_forms_are_bad_paths() {
    let mut siege = Siege::new("r3-windows");
    siege.expect(&[
        ("get", "..\\..\\users.json", "bad-path"),
        ("get", "..\\bob\\x", "bad-path"),
        ("cd", "..\\bob", "bad-path"),
        ("ls", "..\\", "bad-path"),
        ("put", "..\\..\\x", "bad-path"),
        ("mkdir", "..\\evil", "bad-path"),
        ("get", "\\etc\\passwd", "bad-path"),
        ("get", "\\\\server\\share\\x", "bad-path"),
        ("get", "C:\\Windows\\win.ini", "bad-path"),
        ("get", "C:/x", "bad-path"),
        ("get", "c:x", "bad-path"),
        ("cd", "C:", "bad-path"),
        ("ls", "C:\\", "bad-path"),
        ("put", "C:evil", "bad-path"),
        ("mkdir", "D:", "bad-path"),
        ("rm", "C:\\x", "bad-path"),
        ("put", "docs\\x", "bad-path"),
    ]);
    assert_eq!(siege.pwd(), "/");
    siege.assert_nothing_outside_changed();
}

/// Names with a leading dot (`.ssh`, `.bashrc`, `...`) are bad paths in
/// every command, and none is made.
#[test]
fn names_with_a_leading_dot_are_bad_paths() {
    let mut siege = Siege::new("r3-dot-names");
    siege.expect(&[
        ("mkdir", ".ssh", "bad-path"),
        ("put", ".ssh/authorized_keys", "bad-path"),
        ("put", ".bashrc", "bad-path"),
        ("get", ".ssh/id_rsa", "bad-path"),
        ("cd", ".ssh", "bad-path"),
        ("ls", ".ssh", "bad-path"),
        ("rm", ".bashrc", "bad-path"),
        ("mkdir", "docs", "ok"),
        ("put", "docs/.hidden", "bad-path"),
        ("get", "/docs/.hidden", "bad-path"),
        ("cd", "...", "bad-path"),
        ("get", "...", "bad-path"),
        ("put", ".../x", "bad-path"),
    ]);
    let (_, entries) = siege.alice.ls(Some("/"));
    assert_eq!(
        entries,
        [Entry {
            name: "docs".into(),
            kind: Kind::Folder,
            size: 0
        }]
    );
    let (_, entries) = siege.alice.ls(Some("docs"));
    assert_eq!(entries, []);
    siege.assert_nothing_outside_changed();
}

/// A NUL or a newline in a name is a bad path; the server's log shows the
/// refused name escaped, on its one line.
#[test]
fn control_characters_in_names_are_bad_paths() {
    let mut siege = Siege::new("r3-control");
    siege.expect(&[
        ("get", "a\0b", "bad-path"),
        ("put", "a\0b", "bad-path"),
        ("put", "x\0/../../bob/x", "bad-path"),
        ("mkdir", "a\nb", "bad-path"),
        ("cd", "a\0", "bad-path"),
        ("ls", "\n", "bad-path"),
        ("rm", "x\n", "bad-path"),
        ("put", "x\ninjected", "bad-path"),
        ("put", "tab\there", "bad-path"),
    ]);
    siege.server.proc.wait_for_text("refused put x\\ninjected");
    let (_, entries) = siege.alice.ls(None);
    assert_eq!(entries, []);
    siege.assert_nothing_outside_changed();
}

/// bob's name is only a name: `/bob` is not found in alice's home, and once
/// alice makes a folder `bob`, it is hers and holds her files only.
#[test]
fn another_users_name_is_just_a_folder_name() {
    let mut siege = Siege::new("r3-bob-name");
    siege.expect(&[
        ("cd", "/bob", "not-found"),
        ("cd", "bob", "not-found"),
        ("ls", "/bob", "not-found"),
        ("get", "/bob/x", "not-found"),
        ("get", "bob/docs/secret.txt", "not-found"),
        ("put", "/bob/x", "not-found"),
        ("rm", "/bob/x", "not-found"),
        ("cd", "/homes/bob", "not-found"),
    ]);
    siege.expect(&[
        ("mkdir", "bob", "ok"),
        ("put", "bob/x", "ok"),
        ("cd", "/bob", "ok"),
        ("cd", "docs", "not-found"),
    ]);
    assert_eq!(siege.pwd(), "/bob");
    let (_, entries) = siege.alice.ls(None);
    let x = Entry {
        name: "x".into(),
        kind: Kind::File,
        size: b"alice was here".len() as u64,
    };
    assert_eq!(entries, [x]);
    let (_, body, _) = siege.alice.get("x", b"");
    assert_eq!(body, b"alice was here");
    siege.assert_nothing_outside_changed();
}

/// Symbolic links made on the server's disk in alice's home, to bob's home,
/// to one of bob's files and to the server's root: ls shows each as a
/// `link`, and cd, ls, get, put, mkdir and rm through them are bad paths. A
/// link that stays inside the home is followed.
#[cfg(unix)]
#[test]
fn links_out_of_the_home_are_not_followed() {
    use std::os::unix::fs::symlink;
    let mut siege = Siege::new("r3-links");
    let (home, world) = (siege.world.home("alice"), &siege.world);
    symlink(world.home("bob"), home.join("to-bob")).unwrap();
    symlink(world.home("bob").join("x"), home.join("bobs-x")).unwrap();
    symlink(&world.root, home.join("to-root")).unwrap();
    symlink("../bob", home.join("up")).unwrap();
    fs::create_dir(home.join("docs")).unwrap();
    fs::write(home.join("docs/a.txt"), b"alice's a").unwrap();
    symlink("docs", home.join("mine")).unwrap();

    let (reply, entries) = siege.alice.ls(None);
    assert_eq!(code(&reply), "ok");
    let entry = |name: &str, kind| Entry {
        name: name.into(),
        kind,
        size: 0,
    };
    assert_eq!(
        entries,
        [
            entry("bobs-x", Kind::Link),
            entry("docs", Kind::Folder),
            entry("mine", Kind::Link),
            entry("to-bob", Kind::Link),
            entry("to-root", Kind::Link),
            entry("up", Kind::Link),
        ]
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
        ("get", "to-bob/x", "bad-path"),
        ("get", "to-bob/docs/secret.txt", "bad-path"),
        ("get", "bobs-x", "bad-path"),
        ("get", "to-root/users.json", "bad-path"),
        ("get", "up/x", "bad-path"),
        ("put", "to-bob/new", "bad-path"),
        ("put", "to-bob/x", "bad-path"),
        ("put", "to-root/homes/bob/x", "bad-path"),
        ("put", "up/x", "bad-path"),
        ("mkdir", "to-bob/evil", "bad-path"),
        ("mkdir", "to-root/evil", "bad-path"),
        ("rm", "to-bob/x", "bad-path"),
        ("rm", "to-bob/docs/secret.txt", "bad-path"),
        ("rm", "to-root/users.json", "bad-path"),
    ]);
    assert_eq!(siege.pwd(), "/");
    // A link that leads to a place inside the home is followed.
    siege.expect(&[("cd", "mine", "ok")]);
    assert_eq!(siege.pwd(), "/mine");
    let (reply, body, _) = siege.alice.get("a.txt", b"");
    assert_eq!((code(&reply), body), ("ok".into(), b"alice's a".to_vec()));
    siege.assert_nothing_outside_changed();
}

/// An upload to the name of a link that leads to one of bob's files is a bad
/// path (the path, links followed, is outside the home); bob's file, and the
/// server's disk outside alice's home, stay as they were.
#[cfg(unix)]
#[test]
fn a_put_onto_a_link_out_of_the_home_is_refused() {
    use std::os::unix::fs::symlink;
    let mut siege = Siege::new("r3-put-link");
    let home = siege.world.home("alice");
    symlink(siege.world.home("bob").join("x"), home.join("bobs-x")).unwrap();
    symlink(siege.world.home("bob"), home.join("to-bob")).unwrap();
    siege.expect(&[("put", "bobs-x", "bad-path")]);
    // Removing a link removes the link, never what it leads to.
    for link in ["bobs-x", "to-bob"] {
        siege.attempt("rm", link);
    }
    siege.assert_nothing_outside_changed();
}
