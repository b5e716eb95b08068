//! `simulate --plot FILE.svg`: accepted and rejected requests per simulated day, by code.

use std::path::Path;

use plotters::prelude::*;

use crate::simulate::JsonReport;

/// Draws the per-day counts of `report` to the SVG file `path`.
pub fn draw(path: &Path, report: &JsonReport) -> anyhow::Result<()> {
    let days = &report.counts.days;
    let mut series: Vec<(String, Vec<(u32, u64)>)> = vec![(
        "accepted".to_owned(),
        days.iter().map(|d| (d.day, d.accepted)).collect(),
    )];
    let mut codes: Vec<&String> = days.iter().flat_map(|d| d.rejected.keys()).collect();
    codes.sort();
    codes.dedup();
    for code in codes {
        let points = days
            .iter()
            .map(|d| (d.day, d.rejected.get(code).copied().unwrap_or(0)))
            .collect();
        series.push((format!("rejected: {code}"), points));
    }
    let top = series
        .iter()
        .flat_map(|(_, points)| points.iter().map(|(_, n)| *n))
        .max()
        .unwrap_or(0)
        .max(1);
    let last_day = days.len().saturating_sub(1).max(1) as u32;
    let root = SVGBackend::new(path, (1000, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "CreateBackup per simulated day: {} instances, seed {}",
                report.settings.instances, report.settings.seed
            ),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(0u32..last_day, 0u64..top + top / 10 + 1)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    chart
        .configure_mesh()
        .x_desc("day")
        .y_desc("requests")
        .draw()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for (i, (name, points)) in series.into_iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    root.present().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}
