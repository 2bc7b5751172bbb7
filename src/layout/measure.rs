//! Measures the PDF and the workbook share: font sizes, page margins, and
//! the PDF's column widths. The template receives them with the data.

use serde::Serialize;

use super::grid::Part;

/// Font size of the table, in points: 五号, as official forms use.
pub const BODY_PT: f64 = 10.5;
/// Font size of the title, in points.
pub const TITLE_PT: f64 = 20.0;
/// Font size of the year line under the title, in points.
pub const SUBTITLE_PT: f64 = 14.0;

/// Page margins of A4 portrait, in centimetres.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Margins {
    pub x: f64,
    pub top: f64,
    pub bottom: f64,
}

pub const MARGINS: Margins = Margins {
    x: 1.6,
    top: 1.8,
    bottom: 2.0,
};

/// A PDF column's width: fixed, or a share of what the fixed ones leave.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Width {
    Cm(f64),
    Fr(f64),
}

/// The PDF's column widths of each part of the form. The label columns
/// are fixed, so a label's place on the page is known before layout.
pub fn columns(part: Part) -> &'static [Width] {
    use Width::{Cm, Fr};
    match part {
        Part::Title => &[Fr(1.0)],
        Part::Budget => &[Cm(2.6), Cm(3.2), Fr(1.0), Cm(2.9), Fr(1.4)],
        Part::Indicators => &[Cm(1.1), Cm(1.8), Cm(2.2), Cm(3.6), Fr(1.0), Fr(1.0)],
    }
}

/// Everything the template needs to size the page and the tables.
#[derive(Debug, Clone, Serialize)]
pub struct Measures {
    pub body_pt: f64,
    pub title_pt: f64,
    pub subtitle_pt: f64,
    pub margins: Margins,
}

pub const MEASURES: Measures = Measures {
    body_pt: BODY_PT,
    title_pt: TITLE_PT,
    subtitle_pt: SUBTITLE_PT,
    margins: MARGINS,
};

/// Centimetres in inches, to the hundredth, as page setups take them.
pub fn inches(cm: f64) -> f64 {
    (cm / 2.54 * 100.0).round() / 100.0
}
