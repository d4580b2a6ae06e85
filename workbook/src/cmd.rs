//! Running cargo and other tools as steps: each with a time limit, after which the
//! step is killed and reported, so nothing the runner starts can hang it.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// What a finished step printed (stdout and stderr, in that order) and how it ended.
#[derive(Debug)]
pub struct StepOutput {
    pub status: ExitStatus,
    pub output: String,
}

/// Runs `cmd` with its output captured; kills it after `limit`.
pub fn captured(mut cmd: Command, limit: Duration) -> Result<StepOutput, String> {
    let name = describe(&cmd);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{name}`: {e}"))?;
    let stdout = read_all(child.stdout.take().expect("stdout is piped"));
    let stderr = read_all(child.stderr.take().expect("stderr is piped"));
    let status = wait(&mut child, limit, &name)?;
    let output = [stdout, stderr]
        .into_iter()
        .map(|reader| reader.join().unwrap_or_default())
        .collect();
    Ok(StepOutput { status, output })
}

/// Reads a pipe to its end on a thread of its own, so a full pipe never blocks the child.
fn read_all(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Runs `cmd` with the terminal's output; kills it after `limit`.
pub fn inherited(mut cmd: Command, limit: Duration) -> Result<ExitStatus, String> {
    let name = describe(&cmd);
    let mut child = cmd
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run `{name}`: {e}"))?;
    wait(&mut child, limit, &name)
}

fn wait(
    child: &mut std::process::Child,
    limit: Duration,
    name: &str,
) -> Result<ExitStatus, String> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| format!("cannot wait for `{name}`: {e}"))?
        {
            return Ok(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "`{name}` took longer than {} s and was stopped",
                limit.as_secs()
            ));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// `cargo test -p x`, for messages.
pub fn describe(cmd: &Command) -> String {
    let mut words = vec![cmd.get_program().to_string_lossy().into_owned()];
    words.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    if let Some(name) = words.first_mut().and_then(|w| {
        std::path::Path::new(w)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
    }) {
        words[0] = name;
    }
    words.join(" ")
}
