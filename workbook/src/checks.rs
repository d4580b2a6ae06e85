//! `just test`: everything CI checks, as named steps. Every step runs even when an
//! earlier one failed, so one run shows every problem; the summary lists them.

use std::time::{Duration, Instant};

use workbook_harness::homework::FIXTURE_NOT_BUILT;
use workbook_harness::workspace::{self, Lesson, Milestone};

use crate::homework::{self, Target, Verdict, rel, run_check, run_milestone};
use crate::{Outcome, book, browser, cmd, exit_code, style};

/// The longest any one step may take.
const STEP_LIMIT: Duration = Duration::from_secs(1800);

/// `just test`, or only the steps whose name contains `only`.
pub fn all(only: Option<&str>) -> Outcome {
    let lessons = workspace::lessons()
        .map_err(|e| format!("cannot read the lessons: {e}"))?;
    let mut results: Vec<(String, Result<(), String>, Duration)> = Vec::new();
    let mut step = |name: &str, run: &dyn Fn() -> Result<(), String>| {
        if only.is_some_and(|only| !name.contains(only)) {
            return;
        }
        println!("{}", style::bold(&format!("==> {name}")));
        let started = Instant::now();
        let result = run();
        if let Err(why) = &result {
            println!("{} {name}: {why}", style::error("✘"));
        }
        results.push((name.to_string(), result, started.elapsed()));
    };

    step("format (cargo fmt --check)", &|| {
        cargo(&["fmt", "--all", "--check"])
    });
    step("lints (cargo clippy, warnings are errors)", &|| {
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ])
    });
    step(
        "lesson tests and whole-workbook checks (cargo test)",
        &|| {
            let mut args = vec!["test", "--workspace", "--no-fail-fast"];
            let excluded: Vec<String> = lessons
                .iter()
                .filter(|l| l.has_homework())
                .map(Lesson::homework_package)
                .collect();
            for package in &excluded {
                args.extend(["--exclude", package]);
            }
            cargo(&args)
        },
    );
    for lesson in lessons.iter().filter(|l| l.has_homework()) {
        step(
            &format!(
                "homework {}: right solutions pass, wrong ones and the stub fail",
                lesson.number
            ),
            &|| homework_proof(lesson),
        );
    }
    step(
        "the Chinese edition translates every message (po/zh-CN.po)",
        &|| book::check_translations(),
    );
    step(
        "the book builds, both editions (mdbook build)",
        &book::build_site,
    );
    step("the book in a browser (headless Chromium)", &|| {
        browser::check_book(in_ci())
    });

    println!("\n{}", style::bold("Summary"));
    let failed = results.iter().filter(|(_, r, _)| r.is_err()).count();
    for (name, result, took) in &results {
        let mark = if result.is_ok() {
            style::good("✔")
        } else {
            style::error("✘")
        };
        println!(
            "{mark} {name} {}",
            style::dim(&format!("({:.1} s)", took.as_secs_f64()))
        );
    }
    println!("steps: {} passed, {failed} failed", results.len() - failed);
    Ok(exit_code(failed == 0))
}

/// Runs `cargo ARGS` in the workspace with the terminal's output.
fn cargo(args: &[&str]) -> Result<(), String> {
    let mut cargo = workspace::cargo();
    cargo.args(args);
    let what = cmd::describe(&cargo);
    ok(
        cmd::inherited(cargo, STEP_LIMIT)?.success(),
        &format!("`{what}` failed (see above)"),
    )
}

fn ok(success: bool, why: &str) -> Result<(), String> {
    if success {
        Ok(())
    } else {
        Err(why.to_string())
    }
}

/// The proof for one homework, as rustlings' `dev check` does it and further:
/// the reference solution and every kept right solution pass the check; every
/// kept wrong solution (a plausible mistake) and the starting code fail it, by a
/// failing test. The starting code is `starter/main.rs`; the check runs on
/// `src/main.rs`, so that half runs only while that is the starter byte for byte.
fn homework_proof(lesson: &Lesson) -> Result<(), String> {
    let solution = run_check(lesson, &Target::Solution)?;
    if !matches!(solution.verdict, Verdict::Passed) {
        print!("{}", solution.output);
        return Err("the reference solution fails its own check".into());
    }
    let fixtures = |kind| {
        lesson
            .fixtures(kind)
            .map_err(|e| format!("cannot list homework/{kind}: {e}"))
    };
    let mut wrongly_judged = Vec::new();
    let right = fixtures("right")?;
    for fixture in &right {
        let run = run_check(lesson, &Target::Fixture(fixture.program.clone()))?;
        if !matches!(run.verdict, Verdict::Passed) {
            print!("{}", run.output);
            wrongly_judged
                .push(format!("rejects the right {}", rel(&fixture.path)));
        }
    }
    let milestones = lesson
        .milestones()
        .map_err(|e| format!("cannot read the milestones: {e}"))?;
    let wrong = fixtures("wrong")?;
    for fixture in &wrong {
        let target = Target::Fixture(fixture.program.clone());
        // In a homework of milestones, a wrong solution names the milestone
        // that must reject it (`//! Milestone 4: …`), and is run against it.
        let run = if milestones.is_empty() {
            run_check(lesson, &target)?
        } else {
            let milestone = fixture_milestone(&fixture.path)
                .and_then(|n| milestones.iter().find(|m| m.number == n))
                .ok_or_else(|| {
                    format!(
                        "{} must start with `//! Milestone N:` naming one of the \
                         {} milestones",
                        rel(&fixture.path),
                        milestones.len()
                    )
                })?;
            run_milestone(lesson, &target, milestone)?
        };
        let built = !run.output.contains(FIXTURE_NOT_BUILT);
        match run.verdict {
            Verdict::Failed(tests) if built && !tests.is_empty() => {}
            Verdict::Passed => wrongly_judged
                .push(format!("accepts the wrong {}", rel(&fixture.path))),
            Verdict::Failed(_) | Verdict::DoesNotCompile => {
                print!("{}", run.output);
                wrongly_judged.push(format!(
                    "cannot run {}: a kept solution must compile",
                    rel(&fixture.path)
                ));
            }
        }
    }
    if !wrongly_judged.is_empty() {
        return Err(format!("the check {}", wrongly_judged.join("; ")));
    }
    if !milestones.is_empty() {
        partway_learners_see_where_they_are(lesson, &milestones, &wrong)?;
    }
    let kept = format!(
        "the solution and {} kept right {} pass, {} kept wrong ones fail",
        right.len(),
        if right.len() == 1 { "one" } else { "ones" },
        wrong.len()
    );
    let (src, starter) = (lesson.homework_main(), lesson.starter());
    let same = homework::read(&src)? == homework::read(&starter)?;
    match stub(same, in_ci()) {
        Stub::Starter => {}
        Stub::LearnersWork => {
            println!(
                "  {} {kept}; the starting code is not checked, as {} holds your \
                 work (CI checks it)",
                style::good("✔"),
                rel(&src)
            );
            return Ok(());
        }
        Stub::Drifted => {
            return Err(format!(
                "{} is not a copy of {}: the starting code is shipped in both",
                rel(&src),
                rel(&starter)
            ));
        }
    }
    if !milestones.is_empty() {
        return starter_fails_every_milestone(lesson, &milestones, &kept);
    }
    let stub = run_check(lesson, &Target::Starter)?;
    match stub.verdict {
        Verdict::Failed(tests) if !tests.is_empty() => {
            println!(
                "  {} {kept}; the starting code fails {} checks, as it should",
                style::good("✔"),
                tests.len()
            );
            Ok(())
        }
        Verdict::Failed(_) | Verdict::DoesNotCompile => {
            print!("{}", stub.output);
            Err("the starting code must compile and fail its check by a failing test"
                .into())
        }
        Verdict::Passed => Err(format!(
            "the starting code in {} passes its check, so the check proves nothing",
            rel(&starter)
        )),
    }
}

/// The starting code of a homework in milestones must fail each of them, by a
/// failing test: no milestone may pass before the learner has written it.
fn starter_fails_every_milestone(
    lesson: &Lesson,
    milestones: &[Milestone],
    kept: &str,
) -> Result<(), String> {
    for milestone in milestones {
        let run = run_milestone(lesson, &Target::Starter, milestone)?;
        match run.verdict {
            Verdict::Failed(tests) if !tests.is_empty() => {}
            Verdict::Passed => {
                return Err(format!(
                    "the starting code passes milestone {} ({}), so it proves nothing",
                    milestone.number, milestone.title
                ));
            }
            Verdict::Failed(_) | Verdict::DoesNotCompile => {
                print!("{}", run.output);
                return Err("the starting code must compile and fail each \
                            milestone by a failing test"
                    .into());
            }
        }
    }
    println!(
        "  {} {kept}; the starting code fails all {} milestones, as it should",
        style::good("✔"),
        milestones.len()
    );
    Ok(())
}

/// A learner part of the way sees how far they are and what comes next. A kept
/// wrong solution of milestone N that does milestones 1 to N − 1 right is such
/// a learner. For each milestone, its wrong solutions (in name order) are
/// checked as `just check N` checks a learner's program until one has done
/// exactly the milestones before; what it shows must be "N − 1/M milestones",
/// milestone N's failing check by name, its chapter section and its hint, and
/// the guide's example where the guide has one for that point.
fn partway_learners_see_where_they_are(
    lesson: &Lesson,
    milestones: &[Milestone],
    wrong: &[workspace::Fixture],
) -> Result<(), String> {
    for milestone in milestones {
        let before = milestone.number as usize - 1;
        let mut shown = None;
        for fixture in wrong
            .iter()
            .filter(|f| fixture_milestone(&f.path) == Some(milestone.number))
        {
            let target = Target::Fixture(fixture.program.clone());
            let report =
                homework::milestone_report(lesson, milestones, None, &target)?;
            // One that breaks an earlier milestone too is not at this point.
            if report.done == before {
                shown = Some((fixture, style::plain(&report.text)));
                break;
            }
        }
        let Some((fixture, text)) = shown else {
            return Err(format!(
                "no kept wrong solution of milestone {} does milestones 1 to \
                 {before} right, so none shows a learner at that point",
                milestone.number
            ));
        };
        let mut expected = vec![
            format!("{before}/{} milestones", milestones.len()),
            format!("  failing: {}", milestone.prefix),
            format!(
                "milestone {}: {} is not done yet",
                milestone.number, milestone.title
            ),
            format!("The chapter: book/src/{}", milestone.chapter),
            format!("## Milestone {}:", milestone.number),
        ];
        // The guide's example of `just check` is what such a learner sees.
        expected.extend(guide_example(lesson.number, before, milestones.len()));
        let missing: Vec<&String> = expected
            .iter()
            .filter(|e| !text.contains(e.as_str()))
            .collect();
        if !missing.is_empty() {
            print!("{text}");
            return Err(format!(
                "`just check {}` on {}, a learner with milestones 1 to {before} \
                 done, does not show {missing:?}",
                lesson.number,
                rel(&fixture.path),
            ));
        }
    }
    println!(
        "  {} a learner part of the way (a wrong solution of each milestone) \
         sees how many milestones are done, and the next one's failing check, \
         chapter section and hint",
        style::good("✔")
    );
    Ok(())
}

/// The example of `just check N` that the homework guide (book/src/capstone.md)
/// shows, if it shows one for a learner with `done` of `total` milestones: the
/// lines after `$ just check N`, up to and with `done/total milestones`.
fn guide_example(number: u32, done: usize, total: usize) -> Option<String> {
    let guide = workspace::root().join("book/src/capstone.md");
    let text = std::fs::read_to_string(guide).ok()?;
    let start = text.find(&format!("$ just check {number}\n"))?;
    let example: Vec<&str> = text[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .collect();
    let last = format!("{done}/{total} milestones");
    (example.last() == Some(&last.as_str())).then(|| example.join("\n"))
}

/// The milestone a kept wrong solution names in its first line:
/// `//! Milestone 4: the quota is checked after …`.
fn fixture_milestone(path: &std::path::Path) -> Option<u32> {
    let text = std::fs::read_to_string(path).ok()?;
    let first = text.lines().next()?;
    let rest = first.strip_prefix("//! Milestone ")?;
    rest.split(':').next()?.trim().parse().ok()
}

/// What `src/main.rs` is to the proof.
#[derive(Debug, PartialEq, Eq)]
enum Stub {
    /// The starter, byte for byte: the proof runs the check on it.
    Starter,
    /// A learner's homework in progress: theirs, and no failure of `just test`.
    LearnersWork,
    /// In CI, where nobody does homework: the shipped copy drifted from the starter.
    Drifted,
}

fn stub(same_as_starter: bool, ci: bool) -> Stub {
    match (same_as_starter, ci) {
        (true, _) => Stub::Starter,
        (false, false) => Stub::LearnersWork,
        (false, true) => Stub::Drifted,
    }
}

/// Whether we run in CI: CI services set `CI` (GitHub Actions sets `CI=true`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stub_is_proved_only_while_it_is_the_starter() {
        assert_eq!(stub(true, false), Stub::Starter);
        assert_eq!(stub(true, true), Stub::Starter);
    }

    #[test]
    fn a_learners_work_in_progress_is_no_failure_outside_ci() {
        assert_eq!(stub(false, false), Stub::LearnersWork);
    }

    #[test]
    fn a_shipped_stub_that_drifted_from_the_starter_fails_in_ci() {
        assert_eq!(stub(false, true), Stub::Drifted);
    }
}
