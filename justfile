# socket-workbook: the learner's commands. `just` alone lists them.
# Each recipe is one `cargo wb …` command (see .cargo/config.toml), so everything
# here also works without just.

set windows-shell := ["powershell.exe", "-NoLogo", "-Command"]

# List the commands.
default:
    @just --list --unsorted

# Run lesson N: server and client together in this terminal. Add --demo to replay the chapter's demo.
lesson N *FLAGS:
    cargo wb lesson {{N}} {{FLAGS}}

# Replay lesson N's scripted demo (no typing needed).
demo N:
    cargo wb lesson {{N}} --demo

# Run lesson N's server alone, e.g. `just server 2 --addr 127.0.0.1:7000`.
server N *ARGS:
    cargo wb server {{N}} {{ARGS}}

# Run lesson N's client alone, e.g. `just client 2 --addr 127.0.0.1:7000`.
client N *ARGS:
    cargo wb client {{N}} {{ARGS}}

# Check homework N; for the capstone (11), `--milestone M` checks one milestone.
check N *FLAGS:
    cargo wb check {{N}} {{FLAGS}}

# Show the hint for homework N.
hint N:
    cargo wb hint {{N}}

# Re-check homework N whenever you save.
watch N:
    cargo wb watch {{N}}

# Put homework N's starting code back (yours is kept as src/main.rs.before-reset).
reset N:
    cargo wb reset {{N}}

# Which lessons and homework pass, computed by running their checks.
progress:
    cargo wb progress

# Everything CI checks; `just test --only homework 11` runs just the steps so named.
test *FLAGS:
    cargo wb test {{FLAGS}}

# Measure the servers (models, transfers, a big file) in about 4 minutes; `--quick` checks it runs, `--book` updates the chapter's plots.
bench *ARGS:
    cargo wb bench {{ARGS}}

# Serve the book at http://127.0.0.1:3000: `just book`, `just book zh-CN` (中文版), or `just book --watch` to edit it.
book *ARGS:
    cargo wb book {{ARGS}}

# Merge the book's changed English text into the Chinese edition's po/zh-CN.po.
translations:
    cargo wb translations

# Install the pinned tools (just, mdbook, mdbook-i18n-helpers) if missing.
setup:
    cargo wb setup
