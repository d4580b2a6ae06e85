//! Server models on one workload: an echo of small messages by N clients at
//! once, against each model in a process of its own (so that its threads and
//! memory can be read from `/proc`), and Python's `ThreadingTCPServer` as a
//! peer when `python3` is here.

use std::path::{Path, PathBuf};
use std::time::Duration;

use workbook_harness::process::{Proc, start_server_with_args};
use workbook_harness::workspace;

use crate::load::{self, Moment, Plan};
use crate::servers::{Model, POOL_WORKERS};
use crate::stats::{self, Spread};

/// The numbers of clients, as far as the machine allows.
const CLIENTS: [usize; 4] = [10, 100, 1_000, 10_000];

/// One configuration measured (or skipped, and why).
#[derive(Debug, Clone)]
pub struct Row {
    pub model: String,
    pub clients: usize,
    pub outcome: Result<Figures, String>,
}

/// What one configuration measured.
#[derive(Debug, Clone)]
pub struct Figures {
    pub connected: usize,
    /// Clients the server answered in the priming round (the ones it holds).
    pub primed: usize,
    /// Clients answered during the timed runs.
    pub served: usize,
    /// Round trips per second: median and spread over the runs.
    pub rate: Spread,
    pub p50_us: f64,
    pub p99_us: f64,
    /// From `/proc/PID/status`, Linux only: before any client, and with every
    /// primed client connected and idle.
    pub threads: Option<u64>,
    pub rss_before_kib: Option<u64>,
    pub rss_idle_kib: Option<u64>,
    /// The kernel's stacks, machine-wide (`KernelStack` in `/proc/meminfo`),
    /// before and idle: every thread has one, and RSS does not count it.
    pub kernel_stacks_before_kib: Option<u64>,
    pub kernel_stacks_idle_kib: Option<u64>,
    /// Processor time per round trip during the timed runs, in microseconds:
    /// the server's (all its threads, user and kernel), and the load
    /// generator's (this process). Linux only.
    pub server_cpu_us: Option<f64>,
    pub client_cpu_us: Option<f64>,
}

impl Figures {
    /// (RSS idle − RSS before) / the connections the server holds.
    pub fn kib_per_connection(&self) -> Option<f64> {
        let (before, idle) = (self.rss_before_kib?, self.rss_idle_kib?);
        (self.primed > 0)
            .then(|| (idle as f64 - before as f64) / self.primed as f64)
    }
}

/// A server to measure: one of ours, or the Python peer.
#[derive(Debug, Clone)]
enum Server {
    Ours(Model),
    Python(PathBuf),
}

impl Server {
    fn name(&self) -> &'static str {
        match self {
            Server::Ours(model) => model.name(),
            Server::Python(_) => "python threading",
        }
    }

    /// Why this server is not measured with `clients` clients, if it is not.
    fn skip(&self, clients: usize, quick: bool) -> Option<String> {
        match self {
            Server::Ours(Model::OneAtATime) if clients >= 1_000 => {
                Some("serves one client; the rest wait (see 100)".to_string())
            }
            Server::Ours(Model::Pool) if clients >= 10_000 => {
                Some(format!("serves {POOL_WORKERS}; the rest wait (see 1,000)"))
            }
            Server::Python(_) if clients >= 10_000 && !quick => {
                Some("10,000 Python threads, to keep the suite short".to_string())
            }
            _ => None,
        }
    }
}

pub fn run(quick: bool) -> Result<Vec<Row>, String> {
    println!("== Server models: an echo of small messages by N clients at once");
    let program = std::env::current_exe()
        .map_err(|e| format!("cannot find this program: {e}"))?;
    let mut servers: Vec<Server> =
        Model::ALL.into_iter().map(Server::Ours).collect();
    match python() {
        Some(script) => servers.push(Server::Python(script)),
        None => println!("(no python3 here: the Python peer is left out)"),
    }
    let clients: &[usize] = if quick { &[10] } else { &CLIENTS };
    let allowed = open_files(clients.iter().max().copied().unwrap_or(10));
    let plan = |clients| Plan {
        clients,
        ramp_limit: Duration::from_secs(if quick { 5 } else { 30 }),
        quiet: Duration::from_millis(if quick { 300 } else { 1_500 }),
        warm_up: Duration::from_millis(if quick { 50 } else { 500 }),
        runs: if quick { 1 } else { 3 },
        run_time: Duration::from_millis(if quick { 100 } else { 1_000 }),
    };
    print!("{}", header());
    let mut rows = Vec::new();
    for server in &servers {
        for &n in clients {
            let skipped = server.skip(n, quick).or_else(|| {
                (n + 100 > allowed)
                    .then(|| format!("the system allows {allowed} open files"))
            });
            let outcome = match skipped {
                Some(why) => Err(why),
                None => measure(server, &program, plan(n)),
            };
            let row = Row {
                model: server.name().to_string(),
                clients: n,
                outcome,
            };
            println!("{}", row_line(&row));
            rows.push(row);
        }
    }
    println!();
    Ok(rows)
}

/// The table's heading.
pub fn header() -> String {
    format!(
        "{:<17} {:>7} {:>16} {:>8} {:>8} {:>7} {:>8} {:>6}\n",
        "model",
        "clients",
        "round trips/s",
        "CPU/rt",
        "p99",
        "threads",
        "KiB/conn",
        "served"
    )
}

/// One line of the table.
pub fn row_line(row: &Row) -> String {
    let head = format!("{:<17} {:>7}", row.model, stats::thousands(row.clients));
    match &row.outcome {
        Err(why) => format!("{head}  skipped: {why}"),
        Ok(f) => {
            let threads = f.threads.map_or("n/a".to_string(), |t| t.to_string());
            let kib = f
                .kib_per_connection()
                .map_or("n/a".to_string(), |k| format!("{k:.1}"));
            format!(
                "{head} {:>16} {:>8} {:>8} {threads:>7} {kib:>8} {:>6}",
                f.rate.show(0),
                f.server_cpu_us.map_or("n/a".to_string(), stats::micros),
                stats::micros(f.p99_us),
                stats::thousands(f.served),
            )
        }
    }
}

/// Starts the server, runs the plan against it, and reads its status.
fn measure(server: &Server, program: &Path, plan: Plan) -> Result<Figures, String> {
    let (name, path, args): (&str, PathBuf, Vec<String>) = match server {
        Server::Ours(model) => (
            model.arg(),
            program.to_path_buf(),
            ["serve", model.arg(), "--addr", "127.0.0.1:0"]
                .map(String::from)
                .to_vec(),
        ),
        Server::Python(script) => (
            "python3",
            PathBuf::from("python3"),
            vec![
                script.display().to_string(),
                "--addr".into(),
                "127.0.0.1:0".into(),
            ],
        ),
    };
    let (process, addr) = start_server_with_args(None, name, &path, &args)
        .map_err(|e| e.to_string())?;
    let pid = process.id();
    let (before, stacks_before) = (status(pid), kernel_stacks());
    let (mut idle, mut stacks_idle) = (None, None);
    let (mut start, mut end) = ((None, None), (None, None));
    let me = std::process::id();
    let measured = load::measure(addr, plan, |moment| match moment {
        Moment::Idle => (idle, stacks_idle) = (status(pid), kernel_stacks()),
        Moment::RunsStart => start = (cpu_seconds(pid), cpu_seconds(me)),
        Moment::RunsEnd => end = (cpu_seconds(pid), cpu_seconds(me)),
    })
    .map_err(|e| format!("{}: {e}", server.name()))?;
    let round_trips: u64 = measured.runs.iter().map(|r| r.round_trips).sum();
    let per_round_trip = |a: Option<f64>, b: Option<f64>| {
        (round_trips > 0).then(|| Some((b? - a?) * 1e6 / round_trips as f64))?
    };
    stop(process);
    let rates: Vec<f64> = measured.runs.iter().map(|r| r.per_second()).collect();
    let pick = |fraction: f64| -> f64 {
        let each: Vec<f64> = measured
            .runs
            .iter()
            .filter_map(|r| r.percentile(fraction))
            .map(|d| d.as_secs_f64() * 1e6)
            .collect();
        stats::median(&each).unwrap_or(f64::NAN)
    };
    Ok(Figures {
        connected: measured.connected,
        primed: measured.primed,
        served: measured.served,
        rate: Spread::of(&rates),
        p50_us: pick(0.50),
        p99_us: pick(0.99),
        threads: idle.map(|s| s.threads),
        rss_before_kib: before.map(|s| s.rss_kib),
        rss_idle_kib: idle.map(|s| s.rss_kib),
        kernel_stacks_before_kib: stacks_before,
        kernel_stacks_idle_kib: stacks_idle,
        server_cpu_us: per_round_trip(start.0, end.0),
        client_cpu_us: per_round_trip(start.1, end.1),
    })
}

/// Kills a server and waits for it, so that the next one starts on a quiet
/// machine.
fn stop(process: Proc) {
    drop(process); // kills it and waits
}

/// A process's threads and resident memory, from `/proc/PID/status` (Linux).
#[derive(Debug, Clone, Copy)]
pub struct Status {
    pub threads: u64,
    pub rss_kib: u64,
}

pub fn status(pid: u32) -> Option<Status> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = text.lines().find_map(|l| l.strip_prefix(name))?;
        line.trim().trim_end_matches("kB").trim().parse().ok()
    };
    Some(Status {
        threads: field("Threads:")?,
        rss_kib: field("VmRSS:")?,
    })
}

/// The processor time a process has used so far, all its threads, user and
/// kernel (`utime` + `stime` in `/proc/PID/stat`), in seconds. The kernel
/// counts it in ticks of 1/100 s (`USER_HZ`, 100 on Linux), so the timed runs
/// (three seconds) measure it to about 1%.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The program's name, in parentheses, may hold spaces: count after it.
    let fields: Vec<&str> = text.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// The memory of every thread's kernel stack, machine-wide, in KiB (Linux).
fn kernel_stacks() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find_map(|l| l.strip_prefix("KernelStack:"))?;
    line.trim().trim_end_matches("kB").trim().parse().ok()
}

/// The Python peer's script, if `python3` runs here.
fn python() -> Option<PathBuf> {
    let works = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    let script = workspace::root().join("bench").join("echo_server.py");
    (works && script.is_file()).then_some(script)
}

/// Raises this process's limit on open files (its servers inherit it) to fit
/// `clients` connections, as far as the system allows; returns the limit.
fn open_files(clients: usize) -> usize {
    let wanted = (clients + 1_000) as u64;
    #[cfg(target_os = "linux")]
    let now = workbook_harness::limits::raise_open_files(wanted);
    #[cfg(not(target_os = "linux"))]
    let now = wanted; // not known here: try, and report what fails
    if now < wanted {
        println!(
            "(the system allows {now} open files per process: \
             fewer clients than asked for are measured)"
        );
    }
    usize::try_from(now).unwrap_or(usize::MAX)
}
