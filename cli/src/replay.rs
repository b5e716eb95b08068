//! `replay FILE`: streams a scenario through the shared dispatch, line by line, so memory
//! follows the simulation, not the file.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

use anyhow::Context;
use rds_backup_sim::scenario::Scenario;

/// Replays `path` (`-` for standard input) to standard output.
pub fn run(path: &Path) -> anyhow::Result<()> {
    let input: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(File::open(path).with_context(|| format!("cannot open {}", path.display()))?)
    };
    let stdout = io::stdout().lock();
    replay(
        BufReader::with_capacity(1 << 16, input),
        BufWriter::with_capacity(1 << 16, stdout),
    )
}

/// Applies every line of `input` to a fresh scenario and writes the answers to `output`.
pub fn replay(mut input: impl BufRead, mut output: impl Write) -> anyhow::Result<()> {
    let mut scenario = Scenario::new();
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        let read = input
            .read_until(b'\n', &mut line)
            .context("cannot read the scenario")?;
        if read == 0 {
            break;
        }
        if let Some(answer) = scenario.apply_line(&line) {
            output
                .write_all(answer.to_line().as_bytes())
                .context("cannot write the answers")?;
            output
                .write_all(b"\n")
                .context("cannot write the answers")?;
        }
    }
    output.flush().context("cannot write the answers")?;
    Ok(())
}
