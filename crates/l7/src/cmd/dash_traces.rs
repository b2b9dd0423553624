//! `l7 dash traces`: writes the shipped bandwidth traces (l7-dash's seeded
//! generator) into a directory, one `<shape>.trace` per shape. The files in
//! worlds/textbook/traces/ are this command's output with `--seed 1`.

use anyhow::Context;
use l7_dash::trace::{Shape, generate};

use crate::cli::{DashTracesArgs, Global};

/// `l7 dash traces`.
pub fn run(a: DashTracesArgs, g: &Global) -> anyhow::Result<i32> {
    std::fs::create_dir_all(&a.out).with_context(|| {
        format!(
            "cannot create {} — check the path and its permissions",
            a.out.display()
        )
    })?;
    let secs = a.duration.as_secs_f64();
    let mut written = Vec::new();
    for shape in Shape::ALL {
        let trace = generate(shape, secs, a.seed);
        let header = format!(
            "{}\nmade by: l7 dash traces -o DIR --seed {} --duration {}s\nformat: time_s kbit_s (the rate from time_s on)",
            shape.describe(),
            a.seed,
            trace.period_s()
        );
        let path = a.out.join(format!("{}.trace", shape.name()));
        std::fs::write(&path, trace.emit(&header))
            .with_context(|| format!("cannot write {}", path.display()))?;
        if g.json {
            written.push(serde_json::json!({
                "shape": shape.name(),
                "path": path.display().to_string(),
                "steps": trace.steps().len(),
                "mean_kbps": (trace.mean_bps() / 1e3).round(),
            }));
        } else {
            println!(
                "{:<40} {:>6} steps, mean {:>6.0} kbit/s  ({})",
                path.display(),
                trace.steps().len(),
                trace.mean_bps() / 1e3,
                shape.describe()
            );
        }
    }
    if g.json {
        println!("{}", serde_json::to_string_pretty(&written)?);
    }
    Ok(0)
}
