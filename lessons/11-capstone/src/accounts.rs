// ANCHOR: all
//! The server's users, and how a password is checked without being kept.
//!
//! The accounts live in one small file, `users.json`, in the server's root:
//! each user's name, quota, and an Argon2id hash of their password. The
//! password itself is never written anywhere. To check one, the server hashes
//! what the client sent with the salt and settings stored in the hash, and
//! compares. Someone who copies `users.json` gets hashes that cost about 19 MiB
//! and tens of milliseconds to try, per guess.
//!
//! The file also decides where a user's files go: `homes/<name>` for their
//! files, `partial/<name>` for the uploads that were cut short. That is why a
//! user name follows strict rules ([`check_user_name`]).

use std::fs::{self, OpenOptions};
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError, mpsc};
use std::thread;

use argon2::password_hash::{
    self, Output, PasswordHash, PasswordHasher, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use serde::{Deserialize, Serialize};

use crate::protocol::{Code, Refusal};
use lesson_08::files::shown;

/// A user as the rest of the server sees them: who they are and how much they
/// may store. The password hash stays in this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    /// Bytes: the most their files and kept partial uploads may hold together.
    pub quota: u64,
}

// ANCHOR: layout
/// The accounts file: `<root>/users.json`.
pub fn users_file(root: &Path) -> PathBuf {
    root.join("users.json")
}

/// The folder that holds every user's home: `<root>/homes`.
pub fn homes_dir(root: &Path) -> PathBuf {
    root.join("homes")
}

/// A user's home, the folder their `/` is: `<root>/homes/<name>`.
pub fn home_of(root: &Path, name: &str) -> PathBuf {
    homes_dir(root).join(name)
}

/// Where a user's interrupted uploads are kept for a resume:
/// `<root>/partial/<name>`. Outside the home, so a client can never reach a
/// half-received file by a path.
pub fn partial_dir_of(root: &Path, name: &str) -> PathBuf {
    root.join("partial").join(name)
}
// ANCHOR_END: layout

// ANCHOR: file
/// `users.json` as it is on disk. Unknown fields are ignored, like in the
/// protocol's headers.
#[derive(Clone, Default, Serialize, Deserialize)]
struct UsersFile {
    users: Vec<StoredUser>,
}

/// One user in `users.json`. `password_hash` is a PHC string such as
/// `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`: it names the algorithm and
/// carries its settings and salt, so a check needs nothing else.
#[derive(Clone, Serialize, Deserialize)]
struct StoredUser {
    name: String,
    password_hash: String,
    quota: u64,
}
// ANCHOR_END: file

/// The accounts, as read from `users.json`. The admin commands change them
/// and save them; the server reads the file afresh at every login instead
/// (see [`log_in`]).
pub struct Accounts {
    root: PathBuf,
    file: UsersFile,
}

impl Accounts {
    /// Reads `<root>/users.json`. A missing file means no users yet: a new
    /// server starts that way. A file that cannot be read, or that does not
    /// hold valid accounts, is an error that names the file and says what is
    /// wrong with it, on one line.
    pub fn open(root: &Path) -> io::Result<Accounts> {
        let path = users_file(root);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Accounts {
                    root: root.to_path_buf(),
                    file: UsersFile::default(),
                });
            }
            Err(e) => {
                let why = format!("cannot read {}: {e}", path.display());
                return Err(io::Error::new(e.kind(), why));
            }
        };
        // serde_json's errors are one line already: what it expected, and the
        // line and column where it did not find it.
        let invalid = |why: String| {
            let why =
                format!("{} is not a valid accounts file: {why}", path.display());
            io::Error::new(io::ErrorKind::InvalidData, why)
        };
        let file: UsersFile =
            serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        // The file may have been edited by hand. A name becomes a folder, so a
        // name like `../etc` must never get through; and a hash that cannot be
        // read would lock its user out without saying why.
        for (i, user) in file.users.iter().enumerate() {
            check_user_name(&user.name).map_err(invalid)?;
            if file.users[..i].iter().any(|other| other.name == user.name) {
                return Err(invalid(format!("{} appears twice", user.name)));
            }
            if let Err(e) = PasswordHash::new(&user.password_hash) {
                let why =
                    format!("{}'s password_hash cannot be read ({e})", user.name);
                return Err(invalid(why));
            }
        }
        Ok(Accounts {
            root: root.to_path_buf(),
            file,
        })
    }

    /// Every user, sorted by name.
    pub fn list(&self) -> Vec<Account> {
        let mut accounts: Vec<Account> = self
            .file
            .users
            .iter()
            .map(|user| Account {
                name: user.name.clone(),
                quota: user.quota,
            })
            .collect();
        accounts.sort_by(|a, b| a.name.cmp(&b.name));
        accounts
    }

    /// Adds a user and saves. Refuses a name that breaks the rules or is
    /// taken, and an empty password; those are checked first, because hashing
    /// is slow on purpose.
    pub fn add(
        &mut self,
        name: &str,
        password: &str,
        quota: u64,
    ) -> Result<(), String> {
        self.check_new_name(name)?;
        if password.is_empty() {
            return Err("a password cannot be empty".into());
        }
        let password_hash = hash(password)?;
        self.change(|users| {
            users.push(StoredUser {
                name: name.into(),
                password_hash,
                quota,
            });
            Ok(())
        })
    }

    /// Checks that `name` follows the rules and is not taken yet: what
    /// [`Accounts::add`] checks first. An admin command calls it before it
    /// asks for a password, so nobody types one twice to hear "taken".
    pub fn check_new_name(&self, name: &str) -> Result<(), String> {
        check_user_name(name)?;
        if self.file.users.iter().any(|user| user.name == name) {
            return Err(format!("there is already a user named {name}"));
        }
        Ok(())
    }

    /// Removes a user and saves. Their files are not touched: deleting them
    /// is for a person to decide, not for a command with a typo in it.
    pub fn remove(&mut self, name: &str) -> Result<(), String> {
        self.change(|users| {
            let i = users
                .iter()
                .position(|user| user.name == name)
                .ok_or_else(|| no_such_user(name))?;
            users.remove(i);
            Ok(())
        })
    }

    /// Changes a user's quota and saves. A quota below what they already
    /// store is allowed: their files stay, and their next upload is refused.
    pub fn set_quota(&mut self, name: &str, quota: u64) -> Result<(), String> {
        self.change(|users| {
            let user = users
                .iter_mut()
                .find(|user| user.name == name)
                .ok_or_else(|| no_such_user(name))?;
            user.quota = quota;
            Ok(())
        })
    }

    /// Edits a copy of the accounts, saves the copy, and only then keeps it:
    /// if the disk refuses, the accounts in memory still match the file.
    fn change(
        &mut self,
        edit: impl FnOnce(&mut Vec<StoredUser>) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut file = self.file.clone();
        edit(&mut file.users)?;
        file.users.sort_by(|a, b| a.name.cmp(&b.name));
        save(&self.root, &file).map_err(|e| {
            format!("cannot save {}: {e}", users_file(&self.root).display())
        })?;
        self.file = file;
        Ok(())
    }
}

fn no_such_user(name: &str) -> String {
    format!("there is no user named {}", shown(name))
}

// ANCHOR: save
/// Writes `users.json` so that it is always either the old file or the new
/// one, whole. The new accounts go to a temporary file in the same folder,
/// which is flushed to the disk and then renamed over `users.json`: a rename
/// within one folder replaces the file in one step, so a crash or a full disk
/// half way leaves the old file as it was, and a login that reads the file at
/// that moment sees one version or the other, never half of one.
fn save(root: &Path, file: &UsersFile) -> io::Result<()> {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let mut json = serde_json::to_string_pretty(file)?;
    json.push('\n');
    fs::create_dir_all(root)?;
    // The dot hides it; the process id and the counter keep two writers
    // (two admin commands at once) from writing into the same file.
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let temp = root.join(format!(".users.json.{}-{n}.tmp", std::process::id()));
    let written = write_private(&temp, json.as_bytes())
        .and_then(|()| fs::rename(&temp, users_file(root)));
    if written.is_err() {
        // Nothing was replaced; do not leave the half-written copy behind.
        let _ = fs::remove_file(&temp);
    }
    written?;
    // The rename itself is an entry in the folder; on Unix it reaches the
    // disk when the folder is synced. (Windows cannot open a folder so.)
    #[cfg(unix)]
    fs::File::open(root)?.sync_all()?;
    Ok(())
}

/// Creates `path` with `bytes` in it and waits until the disk has them. On
/// Unix the file is readable by its owner only (mode 0600): the hashes are
/// slow to attack, but there is no reason to hand them to every local user.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    // Without sync_all the bytes may still sit in the kernel's cache when the
    // rename reaches the disk: after a power cut, users.json would be empty.
    file.sync_all()
}
// ANCHOR_END: save

// ANCHOR: hash
/// Hashes a password with Argon2id and the default settings (19 MiB of
/// memory, 2 passes, 1 lane: OWASP's recommendation) and a fresh salt. The
/// salt makes two users with the same password get different hashes, so a
/// table of precomputed hashes is of no use against the file.
fn hash(password: &str) -> Result<String, String> {
    let salt = fresh_salt()?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        // The error says what went wrong with the settings; it never holds
        // the password.
        .map_err(|e| format!("cannot hash the password: {e}"))?;
    Ok(hash.to_string())
}

/// A fresh salt: 16 bytes from the operating system's random source.
///
/// A salt need not be secret (it is stored next to the hash), only unique and
/// impossible to guess in advance, so that two users with the same password
/// get different hashes and no table of hashes can be computed beforehand.
fn fresh_salt() -> Result<SaltString, String> {
    Ok(SaltString::generate(&mut OsRng))
}
// ANCHOR_END: hash

// ANCHOR: log-in
// ANCHOR: checker
/// Every Argon2 verification of the server runs on one thread, one at a time.
///
/// Each verification fills 19 MiB of memory, on purpose: that is what makes a
/// stolen hash expensive to attack with graphics cards. It also makes logins
/// expensive for the server. With one thread per connection, a hundred
/// clients sending `login` at the same moment would take 1.9 GB; a thousand,
/// more than most servers have. So the session threads do not verify: they
/// hand the password and the hash to this one checker and wait for its yes or
/// no. A flood of logins waits in line (each takes a few tens of
/// milliseconds), while the sessions already logged in go on.
///
/// One thread, and one block of memory that it reuses: the memory allocator
/// keeps memory a thread freed for later use, so 19 MiB freed by each of 200
/// session threads stayed with the process, 3.8 GB of it (we measured it);
/// even on one thread, a fresh 19 MiB for each check left about 120 MB.
fn checker() -> &'static Mutex<mpsc::Sender<Check>> {
    static CHECKER: OnceLock<Mutex<mpsc::Sender<Check>>> = OnceLock::new();
    CHECKER.get_or_init(|| {
        let (checks, incoming) = mpsc::channel::<Check>();
        thread::Builder::new()
            .name("password checker".into())
            .spawn(move || {
                let mut memory = Vec::new();
                for check in incoming {
                    let matches = verify(&check.password, &check.hash, &mut memory);
                    let _ = check.answer.send(matches); // the session may be gone
                }
            })
            .expect("the server can start its password checker");
        Mutex::new(checks)
    })
}

/// One password to check against one stored hash, and where to answer.
struct Check {
    password: String,
    hash: String,
    answer: mpsc::Sender<bool>,
}

/// Asks the checker thread whether `password` matches `hash`, and waits.
fn check_on_checker(password: &str, hash: &str) -> bool {
    #[cfg(test)]
    tests::MY_VERIFICATIONS.with(|n| n.set(n.get() + 1));
    let (answer, answered) = mpsc::channel();
    let check = Check {
        password: password.to_string(),
        hash: hash.to_string(),
        answer,
    };
    let sent = checker()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .send(check);
    sent.is_ok() && answered.recv().unwrap_or(false)
}
// ANCHOR_END: checker

/// How many verifications this process has run: see [`verifications`].
static VERIFICATIONS: AtomicU64 = AtomicU64::new(0);

/// How many Argon2 verifications this process has run. A test can see with
/// it that a login for an unknown user costs a verification too.
pub fn verifications() -> u64 {
    VERIFICATIONS.load(Ordering::Relaxed)
}

// ANCHOR: same-answer
/// Checks a login. Reads `users.json` every time, so that a user added with
/// `server-11 add-user` while the server runs can log in at once, and a
/// removed one cannot.
///
/// An unknown user and a wrong password get the same refusal, in the same
/// words, after the same work: otherwise a client could try names and learn
/// which exist, by the answer or by how long it took. For an unknown user the
/// password is checked against a hash of nothing in particular, made the same
/// way as the real ones, and the answer is thrown away.
pub fn log_in(root: &Path, user: &str, password: &str) -> Result<Account, Refusal> {
    let accounts = Accounts::open(root).map_err(|e| {
        // The error names the file and what is wrong; the password is not in
        // it (it was never near the file).
        let why = format!("the server cannot log anyone in: {e}");
        Refusal::new(Code::ServerError, why)
    })?;
    let found = accounts
        .file
        .users
        .iter()
        .find(|stored| stored.name == user);
    // Checked on the checker thread, in turn (see `checker`). An unknown user
    // costs a check too, against a dummy hash, and gets the same answer.
    let matches = match found {
        Some(stored) => check_on_checker(password, &stored.password_hash),
        None => {
            let _ = check_on_checker(password, dummy_hash());
            false
        }
    };
    match found {
        Some(stored) if matches => Ok(Account {
            name: stored.name.clone(),
            quota: stored.quota,
        }),
        _ => Err(Refusal::new(
            Code::LoginFailed,
            "unknown user or wrong password",
        )),
    }
}
// ANCHOR_END: same-answer

/// Whether `password` hashes to `hash`, with the salt and settings written in
/// `hash`. Called only on the checker thread.
fn verify(password: &str, stored: &str, memory: &mut Vec<Block>) -> bool {
    VERIFICATIONS.fetch_add(1, Ordering::Relaxed);
    // Accounts::open has checked that every stored hash can be read, so a
    // hash that cannot is not a match.
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    // The algorithm, version and settings come from the stored hash: a hash
    // made with other settings is still checked with its own.
    let argon2 = match (
        Algorithm::try_from(hash.algorithm),
        hash.version.map(Version::try_from).transpose(),
        Params::try_from(&hash),
    ) {
        (Ok(algorithm), Ok(version), Ok(params)) => {
            Argon2::new(algorithm, version.unwrap_or_default(), params)
        }
        _ => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    // The checker's one block of memory, grown once to the size the settings
    // ask for (19 MiB by default) and reused for every check after that.
    memory.resize(argon2.params().block_count(), Block::default());
    let computed = Output::init_with(expected.len(), |out| {
        argon2
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                out,
                &mut *memory,
            )
            .map_err(|_| password_hash::Error::Password)
    });
    // `Output`'s `==` takes the same time wherever the first difference is.
    computed.is_ok_and(|computed| computed == expected)
}

/// Makes the dummy hash now, so that the first login by an unknown name does
/// not take longer than the others (the server calls it before it listens).
pub fn warm_up() {
    let _ = dummy_hash();
}

/// The hash an unknown user's password is checked against: made once, with
/// the same settings as every real hash, so that checking it takes the same
/// time as checking a real one.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        // Made once, before the server listens (`warm_up`): 19 MiB, once.
        // No password can match it usefully: nobody has this account.
        hash("no such user").unwrap_or_default()
    })
}
// ANCHOR_END: log-in

// ANCHOR: names
/// The longest user name, in characters.
pub const MAX_USER_NAME: usize = 32;

/// Checks a user name: 1 to 32 characters, a lowercase ASCII letter first,
/// then lowercase letters, digits, `-` and `_`.
///
/// Stricter than lesson 8's file names, because a user name becomes a folder
/// (`homes/<name>`) on every platform: no dot can make it `..`, no `/` or `\`
/// can reach another folder, no upper case can make `Alice` and `alice` one
/// folder on Windows and macOS but two users here.
pub fn check_user_name(name: &str) -> Result<(), String> {
    let Some(first) = name.chars().next() else {
        return Err("a user name cannot be empty".into());
    };
    let count = name.chars().count();
    if count > MAX_USER_NAME {
        return Err(format!(
            "a user name has at most {MAX_USER_NAME} characters; '{}' has {count}",
            shown(name)
        ));
    }
    if !first.is_ascii_lowercase() {
        return Err(format!(
            "a user name starts with a letter from a to z: '{}'",
            shown(name)
        ));
    }
    let allowed = |c: char| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
    };
    if let Some(c) = name.chars().find(|&c| !allowed(c)) {
        return Err(format!(
            "a user name holds only a-z, 0-9, '-' and '_', not '{}'",
            c.escape_debug()
        ));
    }
    Ok(())
}
// ANCHOR_END: names

// ANCHOR: sizes
/// How to write a size, for the end of every message that refuses one.
const SIZE_EXAMPLE: &str =
    "write a number and a unit, e.g. 100MiB, 1.5GiB or 20000";

/// Reads a size as a person writes it: `100MiB`, `1.5GiB`, `10 MiB`, `512KiB`,
/// `20000` (bytes). KiB, MiB, GiB and TiB are powers of 1024; KB, MB, GB and
/// TB powers of 1000, as on a disk's label; B is bytes. Units are read in any
/// case. A fraction of a byte is dropped: `1.5B` is 1 byte.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let shown_text = shown(text);
    if text.starts_with('-') {
        return Err(format!(
            "a size cannot be negative: '{shown_text}'; {SIZE_EXAMPLE}"
        ));
    }
    // The number is the digits and the dot at the start; the unit, the rest.
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let not_a_size = || format!("'{shown_text}' is not a size; {SIZE_EXAMPLE}");
    let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || !is_digits(fraction)
        || number.ends_with('.')
        || !unit.trim_start().chars().all(|c| c.is_ascii_alphabetic())
    {
        return Err(not_a_size());
    }
    let unit = unit.trim_start();
    let multiplier: u128 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        _ => {
            return Err(format!(
                "unknown unit '{}' in '{shown_text}': use B, KiB, MiB, GiB, TiB \
                 or KB, MB, GB, TB, e.g. 100MiB",
                shown(unit)
            ));
        }
    };
    let too_large =
        || format!("'{shown_text}' is too large; at most {} bytes", u64::MAX);
    // Whole bytes exactly, in integers: 1.5GiB is 1.5 × 2^30 to the byte,
    // which floating point would only get close to. Past 18 decimals a digit
    // is worth less than a byte even in TiB, so it is dropped (10^18 and
    // 2^40 × 10^18 still fit in a u128).
    let whole: u128 = whole.parse().map_err(|_| too_large())?;
    let fraction = &fraction[..fraction.len().min(18)];
    let scale = 10u128.pow(fraction.len() as u32);
    let fraction: u128 = fraction.parse().unwrap_or(0);
    let bytes = whole
        .checked_mul(multiplier)
        .and_then(|b| b.checked_add(fraction * multiplier / scale))
        .ok_or_else(too_large)?;
    u64::try_from(bytes).map_err(|_| too_large())
}
// ANCHOR_END: sizes

// ANCHOR: used
/// The bytes held by the regular files under `dir`, in every folder below it.
/// Symbolic links are not followed: a link to a big file elsewhere on the
/// server takes no room in the user's share. A folder that cannot be read
/// (or does not exist yet) holds nothing as far as this count goes.
pub fn bytes_under(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut total: u64 = 0;
    for entry in entries.flatten() {
        // symlink_metadata describes the link itself, not what it leads to.
        let Ok(meta) = fs::symlink_metadata(entry.path()) else {
            continue;
        };
        let bytes = if meta.is_dir() {
            bytes_under(&entry.path())
        } else if meta.is_file() {
            meta.len()
        } else {
            0 // a link, a socket, a device...
        };
        total = total.saturating_add(bytes);
    }
    total
}

/// How much of their quota a user uses: every file in their home and every
/// kept partial upload of theirs (the spec's `used`).
pub fn used_by(root: &Path, name: &str) -> u64 {
    let home = bytes_under(&home_of(root, name));
    home.saturating_add(bytes_under(&partial_dir_of(root, name)))
}
// ANCHOR_END: used

// ANCHOR: read-password
/// Reads a password for an admin command or the client.
///
/// At a terminal, `rpassword` switches the terminal's echo off, so the
/// password does not show as it is typed (and stays out of the scrollback).
/// Otherwise the password comes from a script or a test through a pipe: then
/// nothing is printed (there is nobody to read a prompt), and the first line is
/// the password, without its line ending. Nothing at all on the pipe is an
/// error, not an empty password.
pub fn read_password(prompt: &str) -> io::Result<String> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        return rpassword::prompt_password(prompt);
    }
    let mut line = String::new();
    if stdin.lock().read_line(&mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "no password given",
        ));
    }
    // `\n` ends the line on Unix; a file written on Windows adds a `\r`.
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    Ok(password.to_string())
}
// ANCHOR_END: read-password
// ANCHOR_END: all

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// Verifications this thread asked the checker for. The tests of other modules log
        /// in at the same time in other threads, so the process-wide count
        /// can grow by more than one test's logins.
        pub(crate) static MY_VERIFICATIONS: Cell<u64> = const { Cell::new(0) };
    }

    fn mine() -> u64 {
        MY_VERIFICATIONS.with(Cell::get)
    }

    /// A folder of its own for one test, deleted when the test ends.
    pub(crate) struct TempRoot(pub(crate) PathBuf);

    impl TempRoot {
        pub(crate) fn new(test: &str) -> TempRoot {
            static COUNT: AtomicU64 = AtomicU64::new(0);
            let n = COUNT.fetch_add(1, Ordering::Relaxed);
            let dir = std::env::temp_dir()
                .join(format!("lesson-11-{test}-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            TempRoot(dir)
        }
    }

    impl Drop for TempRoot {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    const PASSWORD: &str = "correct horse battery staple";

    #[test]
    fn add_list_set_quota_remove_round_trip() {
        let root = TempRoot::new("accounts-round-trip");
        let mut accounts = Accounts::open(&root.0).unwrap();
        assert_eq!(accounts.list(), []);

        accounts.add("bob", PASSWORD, 1000).unwrap();
        // A duplicate is refused before any hashing, and changes nothing.
        let refused = accounts.add("bob", "another", 5).unwrap_err();
        assert_eq!(refused, "there is already a user named bob");
        assert!(accounts.add("Bob", "x", 5).is_err());
        assert!(accounts.add("carol", "", 5).is_err());

        let text = fs::read_to_string(users_file(&root.0)).unwrap();
        assert!(!text.contains(PASSWORD), "the password is in the file");
        assert!(text.contains("$argon2id$v=19$m=19456,t=2,p=1$"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = fs::metadata(users_file(&root.0)).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }

        // A second user without hashing again: the file is JSON anyone can
        // edit, so the test edits it (and sees that `open` reads it back).
        let edited = text.replacen("\"bob\"", "\"alice\"", 1);
        let mut file: UsersFile = serde_json::from_str(&edited).unwrap();
        file.users.extend(accounts.file.users.clone());
        save(&root.0, &file).unwrap();

        let mut accounts = Accounts::open(&root.0).unwrap();
        let alice = Account {
            name: "alice".into(),
            quota: 1000,
        };
        let bob = Account {
            name: "bob".into(),
            quota: 1000,
        };
        assert_eq!(accounts.list(), [alice.clone(), bob.clone()]);

        accounts.set_quota("bob", 7).unwrap();
        assert!(accounts.set_quota("nobody", 7).is_err());
        let bob = Account { quota: 7, ..bob };
        let reread = Accounts::open(&root.0).unwrap();
        assert_eq!(reread.list(), [alice.clone(), bob]);

        accounts.remove("bob").unwrap();
        let refused = accounts.remove("bob").unwrap_err();
        assert_eq!(refused, "there is no user named bob");
        assert_eq!(Accounts::open(&root.0).unwrap().list(), [alice]);

        // Only users.json is left: no temporary file stayed behind.
        let names: Vec<_> = fs::read_dir(&root.0)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["users.json"]);
    }

    #[test]
    fn log_in_refuses_unknown_user_and_wrong_password_alike() {
        let root = TempRoot::new("accounts-log-in");
        let mut accounts = Accounts::open(&root.0).unwrap();
        accounts.add("alice", PASSWORD, 1 << 20).unwrap();

        let before = mine();
        let alice = log_in(&root.0, "alice", PASSWORD).unwrap();
        assert_eq!(alice.name, "alice");
        assert_eq!(alice.quota, 1 << 20);
        assert_eq!(mine(), before + 1);

        let wrong = log_in(&root.0, "alice", "Correct horse").unwrap_err();
        assert_eq!(mine(), before + 2);
        let unknown = log_in(&root.0, "mallory", PASSWORD).unwrap_err();
        assert_eq!(mine(), before + 3, "an unknown user costs a verification");
        assert_eq!(wrong, unknown);
        assert_eq!(wrong.code, Code::LoginFailed);
        assert_eq!(wrong.error, "unknown user or wrong password");
        assert!(verifications() >= 3);
    }

    #[test]
    fn malformed_file_is_one_line_that_names_it() {
        let root = TempRoot::new("accounts-malformed");
        fs::create_dir_all(&root.0).unwrap();
        let cases = [
            ("{\"users\": [\n{\"name\": \"alice\",\n", "EOF"),
            (r#"{"users":[{"name":"alice","quota":1}]}"#, "password_hash"),
            (
                r#"{"users":[{"name":"../x","password_hash":"","quota":1}]}"#,
                "user name",
            ),
            (
                r#"{"users":[{"name":"x","password_hash":"pw","quota":1}]}"#,
                "x's password_hash",
            ),
        ];
        for (text, why) in cases {
            fs::write(users_file(&root.0), text).unwrap();
            let Err(e) = Accounts::open(&root.0) else {
                panic!("accepted {text:?}");
            };
            assert_eq!(e.kind(), io::ErrorKind::InvalidData);
            let message = e.to_string();
            assert!(message.contains("users.json"), "{message}");
            assert!(message.contains(why), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }

        // The server says so too, without the password and without a hash.
        let before = mine();
        let refusal = log_in(&root.0, "x", "hunter2").unwrap_err();
        assert_eq!(refusal.code, Code::ServerError);
        assert!(refusal.error.contains("users.json"), "{}", refusal.error);
        assert!(!refusal.error.contains("hunter2"));
        assert!(!refusal.error.contains('\n'));
        assert_eq!(mine(), before);
    }

    #[test]
    fn missing_file_means_no_users() {
        let root = TempRoot::new("accounts-missing");
        assert_eq!(Accounts::open(&root.0).unwrap().list(), []);
        let refusal = log_in(&root.0, "alice", "pw").unwrap_err();
        assert_eq!(refusal.code, Code::LoginFailed);
    }

    #[test]
    fn user_names() {
        for good in ["a", "alice", "bob-2", "c_d", "x0", &"a".repeat(32)] {
            assert_eq!(check_user_name(good), Ok(()), "{good}");
        }
        let bad = [
            "",
            "Alice",
            "2bob",
            "-a",
            "_a",
            "a.b",
            "a b",
            "a/b",
            "..",
            "é",
            "aé",
            "a\n",
            &"a".repeat(33),
        ];
        for name in bad {
            let why = check_user_name(name).unwrap_err();
            assert!(!why.contains('\n'), "{why}");
        }
        let why = check_user_name("alIce").unwrap_err();
        assert!(why.contains("'I'"), "{why}");
    }

    #[test]
    fn sizes() {
        let cases = [
            ("20000", 20_000),
            ("0", 0),
            ("100MiB", 100 << 20),
            ("100mib", 100 << 20),
            ("10 MiB", 10 << 20),
            (" 1.5GiB ", 3 << 29),
            ("512KiB", 512 << 10),
            ("512kib", 512 << 10),
            ("2TiB", 2 << 40),
            ("7B", 7),
            ("1.5B", 1),
            ("1KB", 1000),
            ("2.5MB", 2_500_000),
            ("3GB", 3_000_000_000),
            ("1TB", 1_000_000_000_000),
            ("0.1KiB", 102),
            ("18446744073709551615", u64::MAX),
            ("16777215.999999999999999999999TiB", u64::MAX),
        ];
        for (text, bytes) in cases {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
        let refused = [
            ("-5MiB", "negative"),
            ("", "not a size"),
            ("MiB", "not a size"),
            (".5MiB", "not a size"),
            ("5.MiB", "not a size"),
            ("1.2.3", "not a size"),
            ("1,5GiB", "not a size"),
            ("5 M i B", "not a size"),
            ("5XB", "unknown unit 'XB'"),
            ("5k", "unknown unit"),
            ("18446744073709551616", "too large"),
            ("16777216TiB", "too large"),
            ("99999999999999999999999999999999999999999", "too large"),
        ];
        for (text, why) in refused {
            let message = parse_size(text).unwrap_err();
            assert!(message.contains(why), "{text}: {message}");
            assert!(message.contains("e.g.") || message.contains("at most"));
            assert!(!message.contains('\n'), "{message}");
        }
    }

    #[test]
    fn bytes_under_counts_files_not_links() {
        let root = TempRoot::new("accounts-bytes-under");
        let dir = root.0.join("home");
        fs::create_dir_all(dir.join("a/b")).unwrap();
        fs::write(dir.join("one"), [0; 10]).unwrap();
        fs::write(dir.join("a/b/two"), [0; 5]).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("one"), dir.join("link")).unwrap();
        assert_eq!(bytes_under(&dir), 15);
        assert_eq!(bytes_under(&root.0.join("nothing")), 0);
    }
}
