//! `--plot FILE.svg` of `simulate` and `merge`: three panels over the run's dates
//! (accepted requests; rejected requests by code, on a log scale; instances at the daily
//! limit), the legend beside them, the title naming the fleet and the run.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use rds_backup_sim::CreateBackupError;

use crate::simulate::{day_label, plural, thousands, JsonReport};

const WIDTH: u32 = 1400;
const HEIGHT: u32 = 960;
/// The legend's column, right of the panels.
const LEGEND: u32 = 380;

/// Distinguishable colours (Tableau 10 and four more), one per wire code.
const COLOURS: [(u8, u8, u8); 17] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
    (0, 0, 128),
    (128, 0, 0),
    (0, 128, 128),
    (90, 60, 0),
    (255, 187, 120),
    (152, 223, 138),
    (197, 176, 213),
];

/// A `--plot` path that was checked: it ends in `.svg` and its directory is writable.
#[derive(Debug)]
pub struct PlotFile(PathBuf);

/// Checks `path` before any work: the extension and that the file can be written.
pub fn check(path: &Path) -> anyhow::Result<PlotFile> {
    let shown = path.display();
    let svg = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if !svg {
        bail!("--plot {shown}: the plot is SVG, so the file name must end in .svg");
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        bail!(
            "--plot {shown}: the directory {} does not exist",
            dir.display()
        );
    }
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("--plot {shown}: cannot write the file"))?;
    if !existed {
        // Only the empty file just made is removed.
        let _ = std::fs::remove_file(path);
    }
    Ok(PlotFile(path.to_owned()))
}

fn colour(code: &str) -> RGBColor {
    let mut codes: Vec<&str> = CreateBackupError::CODES
        .iter()
        .chain(CreateBackupError::FAULT_CODES)
        .map(|c| c.spec().code)
        .collect();
    codes.dedup();
    let i = codes.iter().position(|c| *c == code).unwrap_or(codes.len());
    let (r, g, b) = COLOURS[i % COLOURS.len()];
    RGBColor(r, g, b)
}

type Failure = anyhow::Error;

fn fail<E: std::fmt::Debug>(e: E) -> Failure {
    anyhow::anyhow!("{e:?}")
}

/// One line of a panel: its name, colour and points (day, count).
struct Series {
    name: String,
    colour: RGBColor,
    points: Vec<(u32, u64)>,
}

impl PlotFile {
    /// Draws `report` to the file.
    pub fn draw(&self, report: &JsonReport) -> anyhow::Result<()> {
        let mut svg = String::new();
        draw_into(&mut svg, report)?;
        std::fs::write(&self.0, svg)
            .with_context(|| format!("cannot write the plot {}", self.0.display()))
    }
}

fn draw_into(svg: &mut String, report: &JsonReport) -> anyhow::Result<()> {
    let (s, days) = (&report.settings, &report.counts.days);
    let accepted = vec![Series {
        name: "accepted".to_owned(),
        colour: RGBColor(44, 120, 44),
        points: days.iter().map(|d| (d.day, d.accepted)).collect(),
    }];
    let rejected = rejected_by_code(days);
    let at_limit = vec![Series {
        name: "instances at the daily limit".to_owned(),
        colour: RGBColor(214, 39, 40),
        points: days
            .iter()
            .map(|d| (d.day, d.instances_at_daily_limit))
            .collect(),
    }];
    let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(fail)?;
    let first = day_label(&s.start, 0);
    let title = format!(
        "CreateBackup per day: fleet {} ({}), {} instances, {} from {first}, seed {}",
        s.config.path,
        s.config.hash,
        thousands(s.instances),
        plural(u64::from(s.days), "day", "days"),
        s.seed
    );
    let root = root.titled(&title, ("sans-serif", 22)).map_err(fail)?;
    let (panels, legend) = root.split_horizontally(WIDTH - LEGEND);
    let rows = panels.split_evenly((3, 1));
    let count = s.days.max(1);
    let panels: [(&str, &[Series], bool); 3] = [
        ("accepted requests", &accepted, false),
        ("rejected requests by code (log scale)", &rejected, true),
        (
            "instances at the daily limit (Exceeded.BackupTimes)",
            &at_limit,
            false,
        ),
    ];
    for (area, (caption, series, log)) in rows.iter().zip(panels) {
        panel(area, caption, series, count, &s.start, log)?;
    }
    draw_legend(
        &legend,
        &[
            ("accepted", &accepted),
            ("rejected, most frequent first", &rejected),
            ("at the daily limit", &at_limit),
        ],
    )?;
    root.present().map_err(fail)?;
    Ok(())
}

/// One series per rejection code, the most frequent first (the legend lists them as the
/// panel stacks them).
fn rejected_by_code(days: &[rds_backup_sim::fleet::DayReport]) -> Vec<Series> {
    let mut codes: Vec<&String> = days.iter().flat_map(|d| d.rejected.keys()).collect();
    codes.sort();
    codes.dedup();
    let mut rejected: Vec<Series> = codes
        .into_iter()
        .map(|code| Series {
            name: code.clone(),
            colour: colour(code),
            points: days
                .iter()
                .map(|d| (d.day, d.rejected.get(code).copied().unwrap_or(0)))
                .collect(),
        })
        .collect();
    if days.iter().any(|d| d.lost_answers > 0) {
        rejected.push(Series {
            name: "InternalError (lost answers, applied)".to_owned(),
            colour: colour("InternalError"),
            points: days.iter().map(|d| (d.day, d.lost_answers)).collect(),
        });
    }
    rejected.sort_by_key(|s| std::cmp::Reverse(s.points.iter().map(|(_, n)| n).sum::<u64>()));
    rejected
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    series: &[Series],
    days: u32,
    start: &str,
    log: bool,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let top = series
        .iter()
        .flat_map(|s| s.points.iter().map(|(_, n)| *n))
        .max()
        .unwrap_or(0)
        .max(1);
    let x = -0.5f64..f64::from(days) - 0.5;
    let labels = days.min(12) as usize;
    let date = |v: &f64| {
        let rounded = v.round();
        if (v - rounded).abs() < 1e-6 && rounded >= 0.0 {
            day_label(start, rounded as u32)
        } else {
            String::new()
        }
    };
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(caption, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(28)
        .y_label_area_size(70);
    if log {
        // Zero has no place on a log scale: a day without the code has no point.
        let chart = builder
            .build_cartesian_2d(x, (1u64..top * 2).log_scale())
            .map_err(fail)?;
        lines(chart, series, labels, &date, 1)
    } else {
        let chart = builder
            .build_cartesian_2d(x, 0u64..top + top / 10 + 1)
            .map_err(fail)?;
        lines(chart, series, labels, &date, 0)
    }
}

/// Draws the mesh with dated x labels, then each series as a line with a dot per day
/// (so a single day shows), leaving out counts below `least`.
fn lines<DB, Y>(
    mut chart: ChartContext<'_, DB, Cartesian2d<RangedCoordf64, Y>>,
    series: &[Series],
    labels: usize,
    date: &dyn Fn(&f64) -> String,
    least: u64,
) -> anyhow::Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    Y: Ranged<ValueType = u64> + ValueFormatter<u64>,
{
    chart
        .configure_mesh()
        .x_labels(labels)
        .x_label_formatter(date)
        .y_label_formatter(&|v| thousands(*v))
        .draw()
        .map_err(fail)?;
    for s in series {
        let points: Vec<(f64, u64)> = s
            .points
            .iter()
            .filter(|(_, n)| *n >= least)
            .map(|(d, n)| (f64::from(*d), *n))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), s.colour.stroke_width(2)))
            .map_err(fail)?;
        chart
            .draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 3, s.colour.filled())),
            )
            .map_err(fail)?;
    }
    Ok(())
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    groups: &[(&str, &[Series])],
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let style = ("sans-serif", 14).into_font().color(&BLACK);
    let heading = ("sans-serif", 15).into_font().color(&BLACK);
    let mut y = 40;
    for (title, group) in groups {
        area.draw(&Text::new(title.to_string(), (10, y - 8), heading.clone()))
            .map_err(fail)?;
        y += 22;
        for s in group.iter() {
            area.draw(&PathElement::new(
                vec![(10, y), (40, y)],
                s.colour.stroke_width(3),
            ))
            .map_err(fail)?;
            area.draw(&Circle::new((25, y), 3, s.colour.filled()))
                .map_err(fail)?;
            area.draw(&Text::new(s.name.clone(), (48, y - 8), style.clone()))
                .map_err(fail)?;
            y += 22;
        }
        y += 14;
    }
    Ok(())
}
