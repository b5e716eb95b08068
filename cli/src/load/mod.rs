//! `rds-backup-sim load`: the load generator (docs/performance.md, "Emulator load"):
//! `args.rs` its flags, `generator.rs` the requests and the measures; this module prints
//! the report.

mod args;
mod generator;

pub use args::LoadArgs;
use generator::LoadReport;

use crate::text::thousands;

/// Runs the load and prints its report on standard output; fails when a request met a
/// transport error.
pub fn run(args: LoadArgs) -> anyhow::Result<()> {
    let report = generator::run_blocking(args)?;
    print!("{}", table(&report));
    if report.errors > 0 {
        anyhow::bail!("{} transport errors", thousands(report.errors));
    }
    Ok(())
}

/// The report as a two-column table, one measure a row.
fn table(report: &LoadReport) -> String {
    let ms = |us: u64| format!("{:.2} ms", us as f64 / 1000.0);
    let [p50, p99, p999, max] = report.latency_us;
    let mut rows = vec![
        ("requests".to_owned(), thousands(report.requests)),
        ("duration".to_owned(), format!("{:.2} s", report.seconds)),
        (
            "rate".to_owned(),
            format!("{} req/s", thousands(report.rate().round() as u64)),
        ),
        ("latency p50".to_owned(), ms(p50)),
        ("latency p99".to_owned(), ms(p99)),
        ("latency p99.9".to_owned(), ms(p999)),
        ("latency max".to_owned(), ms(max)),
    ];
    for (status, count) in &report.statuses {
        rows.push((format!("HTTP {status}"), thousands(*count)));
    }
    rows.push(("transport errors".to_owned(), thousands(report.errors)));
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(k, v)| format!("{k:<width$}  {v:>14}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_is_a_table_with_separators_and_every_status() {
        let report = LoadReport {
            requests: 123_456,
            seconds: 2.0,
            statuses: vec![(200, 123_000), (400, 456)],
            latency_us: [520, 1_200, 2_000, 31_000],
            errors: 0,
        };
        assert_eq!(
            table(&report),
            "\
requests                 123,456
duration                  2.00 s
rate                61,728 req/s
latency p50              0.52 ms
latency p99              1.20 ms
latency p99.9            2.00 ms
latency max             31.00 ms
HTTP 200                 123,000
HTTP 400                     456
transport errors               0
"
        );
    }
}
