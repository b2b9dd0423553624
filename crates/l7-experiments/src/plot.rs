//! Line charts of experiment results, written as SVG or PNG (chosen by the
//! file's extension) with plotters. Text is laid out with the DejaVu Sans
//! font from the system (Debian's fonts-dejavu-core), loaded once.

use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

/// Where the font is looked for.
const FONT_PATHS: [&str; 2] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
];

/// Series colours (matplotlib's tab10: distinct, readable on white).
const COLOURS: [RGBColor; 6] = [
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Chart size in pixels: small and readable.
const SIZE: (u32, u32) = (800, 500);

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A line through the points.
    Line,
    /// A dashed-looking line: points joined and marked with small crosses.
    LinePoints,
    /// Points only.
    Points,
}

/// One named series of (x, y) points.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// The points, in x order for lines.
    pub points: Vec<(f64, f64)>,
    /// How to draw it.
    pub mark: Mark,
}

impl Series {
    /// A series drawn as `mark`.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>, mark: Mark) -> Self {
        Series {
            label: label.into(),
            points,
            mark,
        }
    }
}

/// A chart: title, axis labels (with units) and series.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Title above the plot.
    pub title: String,
    /// X axis label, with its unit.
    pub x_label: String,
    /// Y axis label, with its unit.
    pub y_label: String,
    /// The data.
    pub series: Vec<Series>,
}

/// Why a plot could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The file name ends in neither .svg nor .png.
    #[error("plot file {0} must end in .svg or .png")]
    Extension(String),
    /// No font to draw text with.
    #[error(
        "no font for plot text: install DejaVu Sans (apt-get install fonts-dejavu-core) or leave out --plot"
    )]
    NoFont,
    /// Drawing or writing failed.
    #[error("cannot write plot {path}: {message}")]
    Draw {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

fn ensure_font() -> Result<(), PlotError> {
    static LOADED: OnceLock<bool> = OnceLock::new();
    let ok = *LOADED.get_or_init(|| {
        FONT_PATHS
            .iter()
            .find_map(|p| std::fs::read(p).ok())
            .is_some_and(|bytes| {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                register_font("sans-serif", FontStyle::Normal, bytes).is_ok()
            })
    });
    if ok { Ok(()) } else { Err(PlotError::NoFont) }
}

/// Writes `chart` to `path` (.svg or .png).
pub fn write(chart: &Chart, path: &Path) -> Result<(), PlotError> {
    let name = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    ensure_font()?;
    let draw_err = |e: String| PlotError::Draw {
        path: name.clone(),
        message: e,
    };
    match ext.as_deref() {
        Some("svg") => {
            let root = SVGBackend::new(path, SIZE).into_drawing_area();
            draw(chart, &root).map_err(draw_err)
        }
        Some("png") => {
            let root = BitMapBackend::new(path, SIZE).into_drawing_area();
            draw(chart, &root).map_err(draw_err)
        }
        _ => Err(PlotError::Extension(name.clone())),
    }
}

/// The data's bounds, with a little room and a zero floor on y.
fn ranges(chart: &Chart) -> (std::ops::Range<f64>, std::ops::Range<f64>) {
    let pts = chart.series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0.0f64);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        (x0, x1) = (0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let y1 = if y1 > 0.0 { y1 * 1.08 } else { 1.0 };
    (x0..x1, 0.0..y1)
}

fn draw<DB: DrawingBackend>(
    chart: &Chart,
    root: &DrawingArea<DB, plotters::coord::Shift>,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (xr, yr) = ranges(chart);
    let mut c = ChartBuilder::on(root)
        .caption(&chart.title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(xr, yr)
        .map_err(e)?;
    c.configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .label_style(("sans-serif", 14))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(e)?;
    for (i, s) in chart.series.iter().enumerate() {
        let color = COLOURS[i % COLOURS.len()];
        let style = ShapeStyle::from(color).stroke_width(2);
        let pts = s.points.clone();
        let drawn = match s.mark {
            Mark::Line => c.draw_series(LineSeries::new(pts, style)).map_err(e)?,
            Mark::LinePoints => c
                .draw_series(LineSeries::new(pts, style).point_size(4))
                .map_err(e)?,
            Mark::Points => c
                .draw_series(pts.into_iter().map(|p| Cross::new(p, 5, style)))
                .map_err(e)?,
        };
        drawn
            .label(s.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_svg_and_png_and_refuses_other_names() {
        let dir = std::env::temp_dir().join(format!("l7-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let chart = Chart {
            title: "t".into(),
            x_label: "x (s)".into(),
            y_label: "y (s)".into(),
            series: vec![Series::new("a", vec![(0.0, 1.0), (1.0, 2.0)], Mark::Line)],
        };
        for name in ["c.svg", "c.png"] {
            write(&chart, &dir.join(name)).unwrap();
            assert!(std::fs::metadata(dir.join(name)).unwrap().len() > 1000);
        }
        let svg = std::fs::read_to_string(dir.join("c.svg")).unwrap();
        assert!(svg.contains("x (s)"));
        assert!(matches!(
            write(&chart, &dir.join("c.txt")),
            Err(PlotError::Extension(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
