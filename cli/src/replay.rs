//! `replay FILE` streams a scenario through the shared dispatch, line by line, so memory
//! follows the simulation, not the file. `replay --check FILE…` runs each file in a fresh
//! simulation and compares every answer with its line's `Expect` (docs/scenario-format.md,
//! "Checking a scenario").

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use rds_backup_sim::scenario::expect::check_answer;
use rds_backup_sim::scenario::{without_bom, Scenario, MAX_LINE_BYTES};
use serde_json::Value;

/// Opens `path` (`-` for standard input) for buffered reading.
fn open(path: &Path) -> anyhow::Result<BufReader<Box<dyn Read>>> {
    let input: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(File::open(path).with_context(|| format!("cannot open {}", path.display()))?)
    };
    Ok(BufReader::with_capacity(1 << 16, input))
}

/// Replays `path` (`-` for standard input) to standard output.
pub fn run(path: &Path) -> anyhow::Result<()> {
    let stdout = io::stdout().lock();
    replay(open(path)?, BufWriter::with_capacity(1 << 16, stdout))
}

/// One line of a scenario, as read.
enum Line<'a> {
    /// The line's bytes (with its line end), within [`MAX_LINE_BYTES`].
    Text(&'a [u8]),
    /// A line longer than [`MAX_LINE_BYTES`], skipped without being held whole.
    TooLong,
}

/// Reads the next line into `line`, keeping at most [`MAX_LINE_BYTES`] and its line end;
/// `None` at the end of the input, `Some(false)` for a line over the limit.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<Option<bool>> {
    line.clear();
    let (mut read_any, mut within) = (false, true);
    loop {
        let buffer = input.fill_buf()?;
        if buffer.is_empty() {
            return Ok(read_any.then_some(within));
        }
        read_any = true;
        let (take, done) = match buffer.iter().position(|&b| b == b'\n') {
            Some(end) => (end + 1, true),
            None => (buffer.len(), false),
        };
        if within {
            line.extend_from_slice(&buffer[..take]);
            let content = line.len() - usize::from(done);
            if content > MAX_LINE_BYTES {
                within = false;
                *line = Vec::new();
            }
        }
        input.consume(take);
        if done {
            return Ok(Some(within));
        }
    }
}

/// Calls `each(number, line)` for every line of `input`, numbered from 1 (comments and
/// blank lines counted), without the byte-order mark that may open the first one.
fn for_each_line(
    mut input: impl BufRead,
    mut each: impl FnMut(u64, Line<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut line = Vec::with_capacity(256);
    let mut number = 0;
    while let Some(within) = read_line(&mut input, &mut line).context("cannot read the scenario")? {
        number += 1;
        if !within {
            each(number, Line::TooLong)?;
            continue;
        }
        let text = if number == 1 {
            without_bom(&line)
        } else {
            &line
        };
        each(number, Line::Text(text))?;
    }
    Ok(())
}

/// Applies every line of `input` to a fresh scenario and writes the answers to `output`.
pub fn replay(input: impl BufRead, mut output: impl Write) -> anyhow::Result<()> {
    let mut scenario = Scenario::new();
    for_each_line(input, |number, line| {
        let answer = match line {
            Line::Text(text) => scenario.apply_line(text),
            Line::TooLong => Some(scenario.refuse_long_line(number)),
        };
        if let Some(answer) = answer {
            output
                .write_all(answer.to_line().as_bytes())
                .and_then(|()| output.write_all(b"\n"))
                .context("cannot write the answers")?;
        }
        Ok(())
    })?;
    output.flush().context("cannot write the answers")
}

/// How the lines that carry `Expect` fared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Lines whose answer matched their `Expect`.
    pub passed: u64,
    /// Lines whose answer did not.
    pub failed: u64,
}

/// Checks one scenario: applies its lines to a fresh simulation and writes one
/// `LABEL:LINE: Action: path: expected X, got Y` line to `report` for each mismatch.
pub fn check(input: impl BufRead, label: &str, mut report: impl Write) -> anyhow::Result<Tally> {
    let mut scenario = Scenario::new();
    let mut tally = Tally::default();
    for_each_line(input, |number, line| {
        let Line::Text(line) = line else {
            // Its `Expect` cannot be read: it counts neither way.
            scenario.refuse_long_line(number);
            return Ok(());
        };
        let Some(answer) = scenario.apply_line(line) else {
            return Ok(());
        };
        let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(line) else {
            return Ok(());
        };
        let Some(expect) = fields.get("Expect") else {
            return Ok(());
        };
        let mismatches = check_answer(expect, &answer);
        if mismatches.is_empty() {
            tally.passed += 1;
            return Ok(());
        }
        tally.failed += 1;
        let action = match fields.get("Action") {
            Some(Value::String(action)) => action.clone(),
            Some(other) => other.to_string(),
            None => "(no Action)".to_owned(),
        };
        for mismatch in mismatches {
            writeln!(report, "{label}:{number}: {action}: {mismatch}")
                .context("cannot write the report")?;
        }
        Ok(())
    })?;
    Ok(tally)
}

/// `replay --check FILE…`: exit 0 when nothing failed, 1 when a line failed, 2 when a file
/// could not be read (the other files still run).
pub fn check_files(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    let mut total = Tally::default();
    let mut unreadable = false;
    for path in files {
        let label = path.display().to_string();
        let outcome = open(path).and_then(|input| check(input, &label, stdout.lock()));
        match outcome {
            Ok(tally) => {
                total.passed += tally.passed;
                total.failed += tally.failed;
            }
            Err(error) => {
                unreadable = true;
                crate::report_error(&error);
            }
        }
    }
    let mut out = stdout.lock();
    writeln!(out, "{} passed, {} failed", total.passed, total.failed)
        .and_then(|()| out.flush())
        .context("cannot write the report")?;
    Ok(ExitCode::from(if unreadable {
        2
    } else if total.failed > 0 {
        1
    } else {
        0
    }))
}
