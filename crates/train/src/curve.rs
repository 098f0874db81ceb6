//! The SVG training curve: loss per epoch and validation Recall@20 / NDCG@20.

use std::path::Path;

use plotters::prelude::*;

use crate::{EpochRecord, TrainError};

/// Draws `history` to an SVG file with two panels (training loss; validation metrics).
pub fn write_training_curve(history: &[EpochRecord], path: &Path) -> Result<(), TrainError> {
    draw(history, path)
        .map_err(|e| TrainError::Io { path: path.to_owned(), source: std::io::Error::other(e.to_string()) })
}

fn draw(history: &[EpochRecord], path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (900, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(300);
    let last_epoch = history.iter().map(|r| r.epoch).max().unwrap_or(1).max(1) as f64;

    let losses: Vec<(f64, f64)> = history.iter().map(|r| (r.epoch as f64, r.loss)).collect();
    let (lo, hi) = bounds(losses.iter().map(|p| p.1));
    let mut chart = ChartBuilder::on(&top)
        .caption("training loss (BPR)", ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..last_epoch, lo..hi)?;
    chart.configure_mesh().x_desc("epoch").draw()?;
    chart.draw_series(LineSeries::new(losses, &RED))?.label("loss");

    let metric = |key: &str| -> Vec<(f64, f64)> {
        history.iter().filter_map(|r| r.valid.as_ref()?.get(key).map(|v| (r.epoch as f64, *v))).collect()
    };
    let (recall, ndcg) = (metric("recall@20"), metric("ndcg@20"));
    let (lo, hi) = bounds(recall.iter().chain(&ndcg).map(|p| p.1));
    let mut chart = ChartBuilder::on(&bottom)
        .caption("validation", ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..last_epoch, lo..hi)?;
    chart.configure_mesh().x_desc("epoch").draw()?;
    chart
        .draw_series(LineSeries::new(recall, &BLUE))?
        .label("Recall@20")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    chart
        .draw_series(LineSeries::new(ndcg, &GREEN))?
        .label("NDCG@20")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], GREEN));
    chart.configure_series_labels().border_style(BLACK).background_style(WHITE).draw()?;
    root.present()?;
    Ok(())
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) =
        values.filter(|v| v.is_finite()).fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        (0.0, 1.0)
    } else if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn writes_an_svg_with_both_panels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("curve.svg");
        let history: Vec<EpochRecord> = (1..=4)
            .map(|epoch| EpochRecord {
                epoch,
                loss: 0.7 / epoch as f64,
                learning_rate: 1e-3,
                seconds: 1.0,
                valid: (epoch % 2 == 0).then(|| {
                    BTreeMap::from([
                        ("recall@20".into(), 0.1 * epoch as f64),
                        ("ndcg@20".into(), 0.05 * epoch as f64),
                    ])
                }),
                test: None,
                elapsed: epoch as f64,
            })
            .collect();
        write_training_curve(&history, &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("training loss") && svg.contains("NDCG@20"));
    }
}
