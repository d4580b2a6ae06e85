// ANCHOR: all
//! The server's admin commands: `server-11 add-user`, `list-users`,
//! `remove-user` and `set-quota`. They run instead of the server, edit
//! `users.json` in the server's root, and exit.
//!
//! A running server needs no restart: it reads `users.json` at every login,
//! so a user added a moment ago can log in at once, and a removed one cannot.
//! Each command prints one line (or one small table) that says what it did,
//! and refuses with one line that says why not.

use std::fs;
use std::io::{self, IsTerminal};
use std::path::Path;

use clap::Subcommand;

use crate::accounts::{
    self, Accounts, home_of, parse_size, partial_dir_of, used_by,
};
use crate::protocol::human;

// ANCHOR: admin
/// The admin commands, as the server's program takes them:
/// `server-11 [--root DIR] add-user alice --quota 100MiB`.
#[derive(Subcommand, Debug)]
pub enum Admin {
    /// Add a user (asks for the password twice without showing it; piped: one
    /// line).
    AddUser {
        /// The user's name: a letter from a to z first, then a-z, 0-9, '-' and
        /// '_', at most 32 in all. It becomes their folder's name.
        name: String,
        /// How much they may store: 100MiB, 1.5GiB, 500MB, 20000 (bytes)...
        #[arg(long, value_parser = parse_size, default_value = "100MiB")]
        quota: u64,
    },
    /// List the users, their quotas and how much they use.
    ListUsers,
    /// Remove a user. Their files are kept; the message says where.
    RemoveUser {
        /// The user to remove.
        name: String,
    },
    /// Change a user's quota.
    SetQuota {
        /// The user whose quota changes.
        name: String,
        /// The new quota: 100MiB, 1.5GiB, 500MB, 20000 (bytes)...
        #[arg(value_parser = parse_size)]
        quota: u64,
    },
}
// ANCHOR_END: admin

// ANCHOR: run
/// Runs one admin command on the server's root, and prints what it did. The
/// error is one line; the program prints it after `error: ` and exits with a
/// failure.
pub fn run(admin: &Admin, root: &Path) -> Result<(), String> {
    let done = match admin {
        Admin::AddUser { name, quota } => {
            add_user(root, name, *quota, ask_password)?
        }
        Admin::ListUsers => list_users(root)?,
        Admin::RemoveUser { name } => remove_user(root, name)?,
        Admin::SetQuota { name, quota } => set_quota(root, name, *quota)?,
    };
    println!("{done}");
    Ok(())
}
// ANCHOR_END: run

fn open(root: &Path) -> Result<Accounts, String> {
    // The error names users.json and says what is wrong with it.
    Accounts::open(root).map_err(|e| e.to_string())
}

// ANCHOR: add-user
/// Adds a user, and makes their home. `ask` asks for the password: only
/// once the name is known to be good and free, so that nobody types a
/// password twice to be told the name is taken.
fn add_user(
    root: &Path,
    name: &str,
    quota: u64,
    ask: impl FnOnce(&str) -> Result<String, String>,
) -> Result<String, String> {
    let mut accounts = open(root)?;
    accounts.check_new_name(name)?;
    let password = ask(name)?;
    if password.is_empty() {
        return Err("a password cannot be empty; no user added".into());
    }
    // The home first: if the disk refuses it, there is no user without a
    // folder. An earlier user of the same name may have left one, with their
    // files in it (remove-user keeps them): the new user gets those files, and
    // the message says so.
    let home = home_of(root, name);
    let held_before =
        fs::read_dir(&home).is_ok_and(|mut entries| entries.next().is_some());
    fs::create_dir_all(&home)
        .map_err(|e| format!("cannot make the home {}: {e}", home.display()))?;
    accounts.add(name, &password, quota)?;
    let mut done = format!(
        "added {name}, quota {}, home {}",
        human(quota),
        home.display()
    );
    if held_before {
        let used = human(used_by(root, name));
        done += &format!(" (not empty: {used} left by an earlier {name})");
    }
    Ok(done)
}

/// Asks for the new user's password. At a terminal it asks twice, without
/// showing what is typed, since a typo nobody saw would lock the user out.
/// From a pipe it reads one line: a script typed it, and typed it right.
fn ask_password(name: &str) -> Result<String, String> {
    let read = |prompt: &str| {
        accounts::read_password(prompt)
            .map_err(|e| format!("cannot read the password: {e}"))
    };
    if !io::stdin().is_terminal() {
        return read("");
    }
    let password = read(&format!("password for {name}: "))?;
    if read("again: ")? != password {
        return Err("the two passwords differ; no user added".into());
    }
    Ok(password)
}
// ANCHOR_END: add-user

// ANCHOR: list-users
/// A table of the users: name, quota, and how much they use. The sizes are
/// aligned on the right, so that their units line up.
fn list_users(root: &Path) -> Result<String, String> {
    let users = open(root)?.list();
    if users.is_empty() {
        return Ok("no users yet; add one with: server-11 add-user NAME".into());
    }
    let mut rows = vec![["name".to_string(), "quota".into(), "used".into()]];
    for user in &users {
        let used = used_by(root, &user.name);
        rows.push([user.name.clone(), human(user.quota), human(used)]);
    }
    // The widest cell of each column sets its width.
    let width =
        |column: usize| rows.iter().map(|row| row[column].len()).max().unwrap_or(0);
    let (name, quota, used) = (width(0), width(1), width(2));
    let lines: Vec<String> = rows
        .iter()
        .map(|[n, q, u]| format!("{n:<name$}  {q:>quota$}  {u:>used$}"))
        .collect();
    Ok(lines.join("\n"))
}
// ANCHOR_END: list-users

/// Removes a user from `users.json`. Their files stay where they are: the
/// message says where, for whoever decides what becomes of them.
fn remove_user(root: &Path, name: &str) -> Result<String, String> {
    open(root)?.remove(name)?;
    let home = home_of(root, name);
    let mut done =
        format!("removed {name}; their files are kept in {}", home.display());
    let partial = partial_dir_of(root, name);
    if partial.exists() {
        let partial = partial.display();
        done += &format!(" (and their interrupted uploads in {partial})");
    }
    Ok(done)
}

/// Changes a user's quota. A quota below what they use is allowed (nothing
/// is deleted); the message warns that their uploads are refused until they
/// make room.
fn set_quota(root: &Path, name: &str, quota: u64) -> Result<String, String> {
    open(root)?.set_quota(name, quota)?;
    let used = used_by(root, name);
    let mut done = format!(
        "{name}'s quota is now {}; they use {}",
        human(quota),
        human(used)
    );
    if used > quota {
        done +=
            ", more than that: their uploads are refused until they remove files";
    }
    Ok(done)
}
// ANCHOR_END: all

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::tests::TempRoot;
    use clap::{CommandFactory, Parser};

    /// The admin commands inside a program, as the server embeds them.
    #[derive(Parser, Debug)]
    #[command(name = "server-11")]
    struct Program {
        #[command(subcommand)]
        admin: Admin,
    }

    fn parse(args: &[&str]) -> Result<Admin, String> {
        let args = std::iter::once("server-11").chain(args.iter().copied());
        Program::try_parse_from(args)
            .map(|program| program.admin)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn arguments() {
        Program::command().debug_assert();
        let Ok(Admin::AddUser { name, quota }) = parse(&["add-user", "alice"])
        else {
            panic!("add-user alice");
        };
        assert_eq!((name.as_str(), quota), ("alice", 100 << 20));
        let quota = |args: &[&str]| match parse(args) {
            Ok(Admin::AddUser { quota, .. } | Admin::SetQuota { quota, .. }) => {
                quota
            }
            other => panic!("{args:?}: {other:?}"),
        };
        assert_eq!(quota(&["add-user", "bob", "--quota", "1.5GiB"]), 3 << 29);
        assert_eq!(quota(&["set-quota", "bob", "10 MiB"]), 10 << 20);
        let refused = parse(&["set-quota", "bob", "10 parsecs"]).unwrap_err();
        assert!(refused.contains("unknown unit"), "{refused}");
        assert!(matches!(parse(&["list-users"]), Ok(Admin::ListUsers)));
    }

    #[test]
    fn add_list_set_quota_remove() {
        let root = TempRoot::new("admin");
        // The root does not exist yet: add-user makes it.
        let root = root.0.join("capstone-root");
        let empty = list_users(&root).unwrap();
        assert_eq!(empty, "no users yet; add one with: server-11 add-user NAME");

        // A bad or taken name is refused before the password is asked.
        let never = |_: &str| -> Result<String, String> { panic!("asked") };
        assert!(add_user(&root, "Alice", 1, never).is_err());
        let no_password = add_user(&root, "alice", 1, |_| Ok(String::new()));
        assert_eq!(
            no_password.unwrap_err(),
            "a password cannot be empty; no user added"
        );

        let added = add_user(&root, "alice", 100 << 20, |name| {
            assert_eq!(name, "alice");
            Ok("s3cret pass".into())
        })
        .unwrap();
        let home = root.join("homes").join("alice");
        let expected =
            format!("added alice, quota 100.0 MiB, home {}", home.display());
        assert_eq!(added, expected);
        assert!(home.is_dir());
        let taken = add_user(&root, "alice", 1, never).unwrap_err();
        assert_eq!(taken, "there is already a user named alice");
        let file = fs::read_to_string(accounts::users_file(&root)).unwrap();
        assert!(!file.contains("s3cret"));

        fs::write(home.join("notes.txt"), [b'x'; 1536]).unwrap();
        let partial = root.join("partial").join("alice");
        fs::create_dir_all(&partial).unwrap();
        fs::write(partial.join("big.iso"), [b'x'; 512]).unwrap();
        let table = list_users(&root).unwrap();
        assert_eq!(
            table,
            "name       quota     used\nalice  100.0 MiB  2.0 KiB"
        );

        let changed = set_quota(&root, "alice", 1000).unwrap();
        assert!(
            changed
                .starts_with("alice's quota is now 1000 B; they use 2.0 KiB, more")
        );
        assert!(set_quota(&root, "bob", 1000).is_err());

        let removed = remove_user(&root, "alice").unwrap();
        let expected = format!(
            "removed alice; their files are kept in {} (and their interrupted \
             uploads in {})",
            home.display(),
            partial.display()
        );
        assert_eq!(removed, expected);
        assert!(home.join("notes.txt").is_file());
        assert_eq!(
            remove_user(&root, "alice").unwrap_err(),
            "there is no user named alice"
        );
        assert!(list_users(&root).unwrap().starts_with("no users yet"));
    }
}
