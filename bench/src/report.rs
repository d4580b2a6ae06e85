//! What a run measured, as tables (text files the chapter includes), CSV files
//! (every figure, for a spreadsheet or another plot) and SVG charts; and the
//! goals, printed as ratios.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use plotters::prelude::*;

use crate::file::FileReport;
use crate::models::{self, Row};
use crate::stats;
use crate::transfers::{self, BufferRow, FramedRow};

/// The machine a run was made on, and when.
#[derive(Debug, Clone)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub system: String,
    pub date: String,
}

impl Machine {
    pub fn now() -> Machine {
        let cpu = fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| {
                text.lines().find_map(|l| l.strip_prefix("model name")).map(
                    |rest| rest.trim_start_matches([' ', '\t', ':']).to_string(),
                )
            })
            .unwrap_or_else(|| "an unknown processor".to_string());
        let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|k| format!(" {}", k.trim()))
            .unwrap_or_default();
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            system: format!("{}{kernel}", std::env::consts::OS),
            date: today(),
        }
    }

    pub fn line(&self) -> String {
        format!(
            "{}, {} cores, {}, {}",
            self.cpu, self.cores, self.system, self.date
        )
    }
}

/// Today's date and time in UTC, `2026-12-06 03:10 UTC`, from the clock alone.
fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3_600,
        rest % 3_600 / 60
    )
}

/// Everything one run measured.
#[derive(Debug)]
pub struct Report {
    pub machine: Machine,
    pub quick: bool,
    pub models: Vec<Row>,
    pub buffers: Vec<BufferRow>,
    pub framed: Vec<FramedRow>,
    pub file: Option<FileReport>,
}

/// One goal: a ratio of two measurements and the bound it should meet.
struct Goal {
    what: String,
    ratio: Option<f64>,
    /// Met when the ratio is at least this (or at most, if `at_most`).
    bound: f64,
    at_most: bool,
}

impl Report {
    pub fn new(machine: Machine, quick: bool) -> Report {
        Report {
            machine,
            quick,
            models: Vec::new(),
            buffers: Vec::new(),
            framed: Vec::new(),
            file: None,
        }
    }

    /// A model's figures at `clients`, if it was measured there.
    fn figures(&self, model: &str, clients: usize) -> Option<&models::Figures> {
        self.models
            .iter()
            .find(|r| r.model == model && r.clients == clients)
            .and_then(|r| r.outcome.as_ref().ok())
    }

    fn goals(&self) -> Vec<Goal> {
        let busy = if self.quick { 10 } else { 1_000 };
        let idle = if self.quick { 10 } else { 10_000 };
        let rate = |model| self.figures(model, busy).map(|f| f.rate.median);
        let grown = |model| {
            let f = self.figures(model, idle)?;
            Some(f.rss_idle_kib? as f64 - f.rss_before_kib? as f64)
        };
        let ratio = |a: Option<f64>, b: Option<f64>| Some(a? / b?);
        let thread = "thread per client";
        let n = stats::thousands(busy);
        let m = stats::thousands(idle);
        vec![
            Goal {
                what: format!("round trips/s, event loop ÷ thread, {n} clients"),
                ratio: ratio(rate("event loop"), rate(thread)),
                bound: 1.5,
                at_most: false,
            },
            Goal {
                what: format!("round trips/s, tokio ÷ thread, {n} clients"),
                ratio: ratio(rate("tokio"), rate(thread)),
                bound: 1.5,
                at_most: false,
            },
            Goal {
                what: format!("memory, event loop ÷ thread, {m} idle"),
                ratio: ratio(grown("event loop"), grown(thread)),
                bound: 0.1,
                at_most: true,
            },
            Goal {
                what: format!("memory, tokio ÷ thread, {m} idle"),
                ratio: ratio(grown("tokio"), grown(thread)),
                bound: 0.1,
                at_most: true,
            },
            Goal {
                what: format!("round trips/s, thread ÷ Python, {n} clients"),
                ratio: ratio(rate(thread), rate("python threading")),
                bound: 2.0,
                at_most: false,
            },
        ]
    }

    /// The goals as one table of ratios. Printed, never asserted.
    pub fn goals_table(&self) -> String {
        let mut out =
            String::from("== Goals (ratios from this run; never asserted)\n");
        for goal in self.goals() {
            let (ratio, verdict) = match goal.ratio {
                None => ("n/a".to_string(), "not measured"),
                Some(r) => {
                    let met = if goal.at_most {
                        r <= goal.bound
                    } else {
                        r >= goal.bound
                    };
                    (format!("{r:.2}×"), if met { "met" } else { "MISSED" })
                }
            };
            let bound =
                format!("{} {}×", if goal.at_most { "≤" } else { "≥" }, goal.bound);
            let _ = writeln!(
                out,
                "{:<48} {ratio:>8}  goal {bound:<6} {verdict}",
                goal.what
            );
        }
        out
    }

    /// Writes the tables, the CSV files and the charts into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), String> {
        let put = |name: &str, text: String| {
            fs::write(dir.join(name), text)
                .map_err(|e| format!("cannot write {name}: {e}"))
        };
        put("machine.txt", format!("{}\n", self.machine.line()))?;
        put("goals.txt", self.goals_table())?;
        put("goals.csv", self.goals_csv())?;
        if !self.models.is_empty() {
            let mut table = models::header();
            for row in &self.models {
                table.push_str(&models::row_line(row));
                table.push('\n');
            }
            put("models.txt", table)?;
            put("models.csv", self.models_csv())?;
            self.model_charts(dir).map_err(|e| format!("charts: {e}"))?;
        }
        if !self.buffers.is_empty() {
            let mut table = transfers::buffer_header();
            for row in &self.buffers {
                table.push_str(&transfers::buffer_line(row));
                table.push('\n');
            }
            put("buffers.txt", table)?;
            put("buffers.csv", self.buffers_csv())?;
            self.buffer_chart(dir).map_err(|e| format!("charts: {e}"))?;
        }
        if !self.framed.is_empty() {
            let mut table = transfers::framed_header();
            for row in &self.framed {
                table.push_str(&transfers::framed_line(row));
                table.push('\n');
            }
            put("framed.txt", table)?;
            put("framed.csv", self.framed_csv())?;
        }
        if let Some(file) = &self.file {
            put("file.txt", crate::file::table(file))?;
            put("file.csv", file_csv(file))?;
        }
        Ok(())
    }

    fn goals_csv(&self) -> String {
        let mut out = String::from("goal,ratio,bound,bound_is\n");
        for goal in self.goals() {
            let ratio = goal.ratio.map_or(String::new(), |r| format!("{r:.4}"));
            let is = if goal.at_most { "at most" } else { "at least" };
            let _ = writeln!(out, "\"{}\",{ratio},{},{is}", goal.what, goal.bound);
        }
        out
    }

    fn models_csv(&self) -> String {
        let mut out = String::from(
            "model,clients,skipped,connected,primed,served,\
             round_trips_per_s,min,max,p50_us,p99_us,threads,\
             rss_before_kib,rss_idle_kib,kib_per_connection,\
             kernel_stacks_before_kib,kernel_stacks_idle_kib,\
             server_cpu_us_per_round_trip,client_cpu_us_per_round_trip\n",
        );
        let opt = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
        let cpu = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.2}"));
        for row in &self.models {
            match &row.outcome {
                Err(why) => {
                    let _ = writeln!(
                        out,
                        "\"{}\",{},\"{}\",,,,,,,,,,,,,,,,",
                        row.model, row.clients, why
                    );
                }
                Ok(f) => {
                    let _ = writeln!(
                        out,
                        "\"{}\",{},,{},{},{},{:.0},{:.0},{:.0},{:.1},{:.1},{},{},{},{},{},{},{},{}",
                        row.model,
                        row.clients,
                        f.connected,
                        f.primed,
                        f.served,
                        f.rate.median,
                        f.rate.min,
                        f.rate.max,
                        f.p50_us,
                        f.p99_us,
                        opt(f.threads),
                        opt(f.rss_before_kib),
                        opt(f.rss_idle_kib),
                        f.kib_per_connection()
                            .map_or(String::new(), |k| format!("{k:.2}")),
                        opt(f.kernel_stacks_before_kib),
                        opt(f.kernel_stacks_idle_kib),
                        cpu(f.server_cpu_us),
                        cpu(f.client_cpu_us),
                    );
                }
            }
        }
        out
    }

    fn buffers_csv(&self) -> String {
        let mut out = String::from(
            "buffer_bytes,mib_per_s,min,max,writes_per_mib,reads_per_mib\n",
        );
        for r in &self.buffers {
            let _ = writeln!(
                out,
                "{},{:.1},{:.1},{:.1},{:.2},{:.2}",
                r.buffer,
                r.mib_per_s.median,
                r.mib_per_s.min,
                r.mib_per_s.max,
                r.writes_per_mib,
                r.reads_per_mib
            );
        }
        out
    }

    fn framed_csv(&self) -> String {
        let mut out = String::from(
            "how,messages_per_s,min,max,writes_per_message,reads_per_message\n",
        );
        for r in &self.framed {
            let _ = writeln!(
                out,
                "{},{:.0},{:.0},{:.0},{:.4},{:.4}",
                r.how,
                r.messages_per_s.median,
                r.messages_per_s.min,
                r.messages_per_s.max,
                r.writes_per_message,
                r.reads_per_message
            );
        }
        out
    }

    /// Three charts of the models against the number of clients.
    fn model_charts(&self, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
        let mut names: Vec<&str> = Vec::new();
        for row in &self.models {
            if !names.contains(&row.model.as_str()) {
                names.push(&row.model);
            }
        }
        let series = |value: &dyn Fn(&models::Figures) -> Option<f64>| {
            names
                .iter()
                .map(|name| {
                    let points = self
                        .models
                        .iter()
                        .filter(|r| r.model == *name)
                        .filter_map(|r| {
                            let f = r.outcome.as_ref().ok()?;
                            Some((r.clients as f64, value(f)?))
                        })
                        .filter(|(_, y)| y.is_finite() && *y > 0.0)
                        .collect();
                    (name.to_string(), points)
                })
                .collect::<Vec<(String, Vec<(f64, f64)>)>>()
        };
        line_chart(
            &dir.join("models-round-trips.svg"),
            "Round trips per second (more is better)",
            "clients",
            "round trips per second",
            &series(&|f| Some(f.rate.median)),
            false,
        )?;
        line_chart(
            &dir.join("models-cpu.svg"),
            "Server processor time per round trip, µs (less is better)",
            "clients",
            "µs of CPU per round trip (log scale)",
            &series(&|f| f.server_cpu_us),
            true,
        )?;
        line_chart(
            &dir.join("models-p99.svg"),
            "99th percentile latency, ms (less is better)",
            "clients",
            "p99 latency, ms (log scale)",
            &series(&|f| Some(f.p99_us / 1_000.0)),
            true,
        )?;
        line_chart(
            &dir.join("models-memory.svg"),
            "Memory per connection, KiB (less is better)",
            "clients",
            "KiB per connection (log scale)",
            &series(&|f| f.kib_per_connection()),
            true,
        )?;
        Ok(())
    }

    fn buffer_chart(&self, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
        let rate = self
            .buffers
            .iter()
            .map(|r| ((r.buffer >> 10) as f64, r.mib_per_s.median))
            .collect();
        line_chart(
            &dir.join("buffers.svg"),
            "Loopback throughput against buffer size",
            "buffer, KiB",
            "MiB per second",
            &[("one read and one write per buffer".to_string(), rate)],
            false,
        )?;
        Ok(())
    }
}

/// A line chart with a logarithmic x axis, one line per series.
fn line_chart(
    path: &Path,
    caption: &str,
    x_label: &str,
    y_label: &str,
    series: &[(String, Vec<(f64, f64)>)],
    log_y: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let points = || series.iter().flat_map(|(_, p)| p.iter().copied());
    let (x_min, x_max) = points().fold((f64::MAX, f64::MIN), |(lo, hi), (x, _)| {
        (lo.min(x), hi.max(x))
    });
    let (y_min, y_max) = points().fold((f64::MAX, f64::MIN), |(lo, hi), (_, y)| {
        (lo.min(y), hi.max(y))
    });
    if x_min > x_max {
        return Ok(()); // nothing measured: no chart
    }
    let x_range = (x_min / 1.5)..(x_max * 1.5);
    let root = SVGBackend::new(path, (760, 440)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(caption, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(80);
    let colours = [
        RGBColor(0xd6, 0x27, 0x28),
        RGBColor(0x1f, 0x77, 0xb4),
        RGBColor(0x2c, 0xa0, 0x2c),
        RGBColor(0x94, 0x67, 0xbd),
        RGBColor(0xff, 0x7f, 0x0e),
        RGBColor(0x55, 0x55, 0x55),
        RGBColor(0x17, 0xbe, 0xcf),
        RGBColor(0x8c, 0x56, 0x4b),
    ];
    macro_rules! draw {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(x_label)
                .y_desc(y_label)
                .light_line_style(RGBColor(0xee, 0xee, 0xee))
                .x_label_formatter(&|x| stats::number(*x, 0))
                .y_label_formatter(&|y| stats::number(*y, 2))
                .draw()?;
            for (i, (name, points)) in series.iter().enumerate() {
                let colour = colours[i % colours.len()];
                chart
                    .draw_series(LineSeries::new(
                        points.iter().copied(),
                        colour.stroke_width(2),
                    ))?
                    .label(name.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(
                            vec![(x, y), (x + 20, y)],
                            colour.stroke_width(2),
                        )
                    });
                chart.draw_series(
                    points.iter().map(|&p| Circle::new(p, 3, colour.filled())),
                )?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .draw()?;
        }};
    }
    if log_y {
        // A decade of room above the highest point, for the legend.
        let y_range = (y_min / 2.0)..(y_max * 20.0);
        draw!(
            builder.build_cartesian_2d(x_range.log_scale(), y_range.log_scale())?
        );
    } else {
        let y_range = 0.0..(y_max * 1.6); // room for the legend
        draw!(builder.build_cartesian_2d(x_range.log_scale(), y_range)?);
    }
    root.present()?;
    drop(root);
    chinese_copy(path, &[caption, x_label, y_label])?;
    Ok(())
}

/// The chart's words in the book's Chinese edition. The models' names stay
/// in English, as the tables (program output) print them.
const CHINESE: &[(&str, &str)] = &[
    (
        "Round trips per second (more is better)",
        "每秒往返次数（越多越好）",
    ),
    ("clients", "客户端数"),
    ("round trips per second", "每秒往返次数"),
    (
        "Server processor time per round trip, µs (less is better)",
        "服务端每次往返的处理器时间，µs（越少越好）",
    ),
    (
        "µs of CPU per round trip (log scale)",
        "每次往返的 CPU 时间，µs（对数刻度）",
    ),
    (
        "99th percentile latency, ms (less is better)",
        "第 99 百分位延迟，ms（越少越好）",
    ),
    ("p99 latency, ms (log scale)", "p99 延迟，ms（对数刻度）"),
    (
        "Memory per connection, KiB (less is better)",
        "每个连接的内存，KiB（越少越好）",
    ),
    (
        "KiB per connection (log scale)",
        "每个连接的 KiB（对数刻度）",
    ),
    (
        "Loopback throughput against buffer size",
        "回环吞吐量与缓冲区大小",
    ),
    ("buffer, KiB", "缓冲区，KiB"),
    ("MiB per second", "每秒 MiB"),
    (
        "one read and one write per buffer",
        "每个缓冲区一次读、一次写",
    ),
];

/// Writes `NAME.zh-CN.svg` beside the chart `NAME.svg`: the same chart with
/// its title, axes and line names in Chinese, and fonts that have Chinese.
fn chinese_copy(
    path: &Path,
    words: &[&str],
) -> Result<(), Box<dyn std::error::Error>> {
    let mut svg = fs::read_to_string(path)?;
    for (english, chinese) in CHINESE {
        if words.contains(english) || svg.contains(&format!("\n{english}\n</text>"))
        {
            svg = svg.replace(
                &format!("\n{english}\n</text>"),
                &format!("\n{chinese}\n</text>"),
            );
        }
    }
    let svg = svg.replace(
        "font-family=\"sans-serif\"",
        "font-family=\"Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif\"",
    );
    fs::write(path.with_extension("zh-CN.svg"), svg)?;
    Ok(())
}

fn file_csv(file: &FileReport) -> String {
    let mut out = String::from("what,size_mib,seconds,min,max,ratio_to_limit\n");
    let limit = file.limit();
    let mut rows = vec![
        ("write it with sync_all".to_string(), file.write_synced),
        ("one SHA-256 pass".to_string(), file.hash),
    ];
    rows.extend(file.transfers.iter().cloned());
    for (what, s) in rows {
        let _ = writeln!(
            out,
            "{what},{},{:.3},{:.3},{:.3},{:.3}",
            file.size_mib,
            s.median,
            s.min,
            s.max,
            s.median / limit
        );
    }
    out
}

/// Copies every file of `from` into `to` (made if missing).
pub fn copy_into(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to)
        .map_err(|e| format!("cannot make {}: {e}", to.display()))?;
    let entries = fs::read_dir(from)
        .map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries.flatten() {
        let target = to.join(entry.file_name());
        fs::copy(entry.path(), &target)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    Ok(())
}
