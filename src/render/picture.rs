//! Pictures of the form's pages: PNG and SVG, for a quick look, a chat
//! message or a web page.
//!
//! A picture is drawn from the same laid-out pages as the PDF
//! ([`Typeset::pages`](super::pdf::Typeset::pages)), so it shows exactly
//! what the PDF prints: one compilation serves both. Like every renderer,
//! this one returns bytes; the pages' file names are made in
//! [`crate::names`].

use std::ops::RangeInclusive;

use typst::utils::Scalar;
use typst_layout::Page;

/// Pixels per inch when none is asked for: sharp on a phone or a laptop's
/// screen, a few hundred kilobytes a page.
pub const DEFAULT_PPI: u32 = 144;

/// The resolutions accepted: below 10 the text is a smear; above 600 an A4
/// page is some 35 million pixels, 140 MB to draw.
pub const PPI: RangeInclusive<u32> = 10..=600;

/// A kind of picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Png,
    Svg,
}

impl Kind {
    /// The file name extension.
    pub fn ext(self) -> &'static str {
        match self {
            Kind::Png => "png",
            Kind::Svg => "svg",
        }
    }
}

/// Settings of the pictures, the same for every document of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureSettings {
    /// Resolution of a PNG, in pixels per inch (within [`PPI`]).
    pub ppi: u32,
    /// Which pages to draw; `None` draws them all.
    pub pages: Option<PageSet>,
}

impl Default for PictureSettings {
    fn default() -> Self {
        PictureSettings {
            ppi: DEFAULT_PPI,
            pages: None,
        }
    }
}

impl PictureSettings {
    /// Whether page `n` (from 1) is to be drawn.
    pub fn wants(&self, n: usize) -> bool {
        self.pages.as_ref().is_none_or(|p| p.contains(n))
    }
}

/// Pages picked by number, as typed: `1`, `2-4`, `1,3-5`, `3-` (from page 3
/// on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageSet(Vec<RangeInclusive<usize>>);

impl PageSet {
    pub fn contains(&self, n: usize) -> bool {
        self.0.iter().any(|r| r.contains(&n))
    }

    /// The highest page number picked, unless the set runs to the end.
    pub fn last(&self) -> Option<usize> {
        self.0
            .iter()
            .map(|r| *r.end())
            .max()
            .filter(|&n| n != usize::MAX)
    }
}

impl std::str::FromStr for PageSet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("“{s}”不是有效的页码，应写成 1、2-4 或 1,3-5 这样（页码从 1 起）");
        let number = |t: &str| t.trim().parse::<usize>().ok().filter(|&n| n >= 1);
        let mut ranges = Vec::new();
        for part in s.split([',', '，']) {
            let range = match part.split_once('-') {
                None => number(part).map(|n| n..=n),
                Some((a, b)) if b.trim().is_empty() => number(a).map(|a| a..=usize::MAX),
                Some((a, b)) => match (number(a), number(b)) {
                    (Some(a), Some(b)) if a <= b => Some(a..=b),
                    _ => None,
                },
            };
            ranges.push(range.ok_or_else(bad)?);
        }
        Ok(PageSet(ranges))
    }
}

/// One page as a picture of `kind`.
pub fn draw(kind: Kind, page: &Page, settings: &PictureSettings) -> anyhow::Result<Vec<u8>> {
    match kind {
        Kind::Png => png(page, settings.ppi),
        Kind::Svg => Ok(svg(page)),
    }
}

/// One page as an SVG: text as outlines, so it shows the same without the
/// fonts; its size is the page's, in points.
pub fn svg(page: &Page) -> Vec<u8> {
    typst_svg::svg(page, &typst_svg::SvgOptions::default()).into_bytes()
}

/// One page as a PNG at `ppi` pixels per inch, the resolution recorded in
/// the file so that it prints at the page's size. A page that is all black
/// and white and greys (the built-in form is) is stored as greyscale: a
/// quarter of the bytes to compress.
pub fn png(page: &Page, ppi: u32) -> anyhow::Result<Vec<u8>> {
    let ppi = ppi.clamp(*PPI.start(), *PPI.end());
    let options = typst_render::RenderOptions {
        pixel_per_pt: Scalar::new(f64::from(ppi) / 72.0),
        render_bleed: false,
    };
    let pixmap = typst_render::render(page, &options);
    let rgba = pixmap.data();
    let (color, data) = if let Some(grey) = greyscale(rgba) {
        (png::ColorType::Grayscale, grey)
    } else {
        (png::ColorType::Rgba, pixmap.clone().take_demultiplied())
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_color(color);
    encoder.set_depth(png::BitDepth::Eight);
    let per_metre = (f64::from(ppi) / 0.0254).round() as u32;
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: per_metre,
        yppu: per_metre,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&data)?;
    writer.finish()?;
    Ok(out)
}

/// The grey levels of premultiplied RGBA pixels, when every pixel is
/// opaque and grey; else `None`. A loop over indices: it runs over every
/// pixel of the page.
fn greyscale(rgba: &[u8]) -> Option<Vec<u8>> {
    let mut grey = vec![0; rgba.len() / 4];
    let out: &mut [u8] = &mut grey;
    let mut i = 0;
    while i < out.len() {
        let (r, g, b, a) = (
            rgba[4 * i],
            rgba[4 * i + 1],
            rgba[4 * i + 2],
            rgba[4 * i + 3],
        );
        if a != u8::MAX || r != g || g != b {
            return None;
        }
        out[i] = r;
        i += 1;
    }
    Some(grey)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_opaque_grey_pixels_are_stored_as_grey() {
        assert_eq!(
            greyscale(&[0, 0, 0, 255, 200, 200, 200, 255]),
            Some(vec![0, 200])
        );
        assert_eq!(greyscale(&[0, 0, 0, 255, 200, 0, 0, 255]), None);
        assert_eq!(greyscale(&[0, 0, 0, 128]), None);
    }

    #[test]
    fn page_sets_parse_as_typed() {
        let set: PageSet = "1,3-5".parse().unwrap();
        let picked: Vec<usize> = (1..=7).filter(|&n| set.contains(n)).collect();
        assert_eq!(picked, [1, 3, 4, 5]);
        assert_eq!(set.last(), Some(5));
        let open: PageSet = "3-".parse().unwrap();
        assert!(open.contains(3) && open.contains(99) && !open.contains(2));
        assert_eq!(open.last(), None);
        assert!("2，4".parse::<PageSet>().unwrap().contains(4));
        for bad in ["", "0", "5-3", "a", "1,,2", "-3"] {
            let e = bad.parse::<PageSet>().unwrap_err();
            assert!(e.contains("页码"), "{bad}: {e}");
        }
    }
}
