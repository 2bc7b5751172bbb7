//! Pictures of the pages (`--format png`, `svg`) as a user gets them: one
//! file per page of the PDF, images that open, the same bytes every time,
//! no picture of a page the form no longer has; and the picture in
//! README, kept current (`UPDATE=1 cargo test picture` rewrites it).

use std::path::{Path, PathBuf};

use crate::support::*;

/// A4 in points (the SVG's size), and in pixels at `ppi` (the PNG's).
const A4_PT: (f64, f64) = (210.0 / 25.4 * 72.0, 297.0 / 25.4 * 72.0);

fn a4_px(ppi: u32) -> (u32, u32) {
    let px = |pt: f64| (pt * f64::from(ppi) / 72.0).round() as u32;
    (px(A4_PT.0), px(A4_PT.1))
}

/// A folder with the seed as `data/2024/党建工作办公室.toml`.
fn seed_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data/2024");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("党建工作办公室.toml"), seed_source()).unwrap();
    dir
}

/// `jixiao render` of the seed in `dir` with `args`; its stdout.
fn render(dir: &Path, args: &[&str]) -> String {
    let out = jixiao_in(dir)
        .args(["render", "data/2024/党建工作办公室.toml"])
        .args(args)
        .assert()
        .code(0)
        .get_output()
        .clone();
    String::from_utf8(out.stdout).unwrap()
}

/// The names of the files in `dir` ending in `.ext`, sorted.
fn named(dir: &Path, ext: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(&format!(".{ext}")))
        .collect();
    names.sort();
    names
}

fn pdf_pages(pdf: &Path) -> usize {
    let out = std::process::Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo is needed (bash .ci/setup installs poppler-utils)");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a page count")
}

/// The pages' file names a clerk expects: `党建工作办公室-第1页.png` ….
fn page_names(pages: usize, ext: &str) -> Vec<String> {
    let width = pages.to_string().len();
    let mut names: Vec<String> = (1..=pages)
        .map(|n| format!("党建工作办公室-第{n:0width$}页.{ext}"))
        .collect();
    names.sort();
    names
}

/// Decodes a PNG as a viewer would: its size, and the share of dark
/// pixels (text and rules) in it.
fn decode_png(path: &Path) -> ((u32, u32), f64) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    assert_eq!(&bytes[12..16], b"IHDR");
    let ihdr = (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    );
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    assert_eq!((frame.width, frame.height), ihdr);
    let channels = frame.color_type.samples();
    let pixels = &buf[..frame.buffer_size()];
    let dark = pixels
        .chunks(channels)
        .filter(|p| p.iter().take(3).all(|&v| v < 128))
        .count();
    (ihdr, dark as f64 / (pixels.len() / channels) as f64)
}

/// An SVG parsed as XML: its width and height in points.
fn svg_size(path: &Path) -> (f64, f64) {
    let text = std::fs::read_to_string(path).unwrap();
    let doc =
        roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let pt = |attr: &str| -> f64 {
        root.attribute(attr)
            .and_then(|v| v.strip_suffix("pt"))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{attr} in pt: {:?}", root.attribute(attr)))
    };
    // Text is drawn, not left to fonts the viewer may lack.
    assert!(root.descendants().any(|n| n.has_tag_name("path")));
    (pt("width"), pt("height"))
}

#[test]
fn every_pdf_page_becomes_a_png_and_an_svg_that_open() {
    let t = seed_dir();
    let stdout = render(t.path(), &["--format", "pdf,png,svg", "-o", "out"]);
    let out = t.path().join("out");
    let pages = pdf_pages(&out.join("党建工作办公室.pdf"));
    assert!(pages >= 2, "{pages} pages");
    assert_eq!(named(&out, "png"), page_names(pages, "png"));
    assert_eq!(named(&out, "svg"), page_names(pages, "svg"));
    for name in page_names(pages, "png") {
        let (size, dark) = decode_png(&out.join(&name));
        assert_eq!(size, a4_px(144), "{name} at the default 144 ppi");
        assert!((0.005..0.5).contains(&dark), "{name}: {dark} dark");
    }
    for name in page_names(pages, "svg") {
        let (w, h) = svg_size(&out.join(&name));
        assert!(
            (w - A4_PT.0).abs() < 0.01 && (h - A4_PT.1).abs() < 0.01,
            "{name}: {w}×{h}"
        );
    }
    // One line for the department, the pictures as first and last page.
    assert!(
        stdout.contains(&format!("第{pages}页.png（{pages} 张）")),
        "{stdout}"
    );
}

#[test]
fn the_default_and_all_write_no_pictures() {
    let t = seed_dir();
    render(t.path(), &["-o", "default"]);
    render(t.path(), &["--format", "all", "-o", "all"]);
    for dir in ["default", "all"] {
        let mut all = std::fs::read_dir(t.path().join(dir))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect::<Vec<_>>();
        all.sort();
        assert_eq!(all, ["党建工作办公室.pdf", "党建工作办公室.xlsx"], "{dir}");
    }
}

/// `--pages` without a picture format makes no picture: the clerk is told
/// how to ask for one, and the PDF and workbook are made as usual.
#[test]
fn pages_without_a_picture_format_says_how_to_get_pictures() {
    let t = seed_dir();
    let out = jixiao_in(t.path())
        .args([
            "render",
            "data/2024/党建工作办公室.toml",
            "--pages",
            "1",
            "-o",
            "out",
        ])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("--format png"), "{stderr}");
    assert_eq!(named(&t.path().join("out"), "pdf"), ["党建工作办公室.pdf"]);
    assert!(named(&t.path().join("out"), "png").is_empty());
    // With a picture format, no such hint.
    let out = jixiao_in(t.path())
        .args([
            "render",
            "data/2024/党建工作办公室.toml",
            "--format",
            "png",
            "--pages",
            "1",
            "-o",
            "pics",
        ])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("提示"), "{stderr}");
}

#[test]
fn ppi_sets_the_size_and_pages_picks_the_pages() {
    let t = seed_dir();
    render(
        t.path(),
        &[
            "--format", "png", "--ppi", "50", "--pages", "2", "-o", "out",
        ],
    );
    let out = t.path().join("out");
    assert_eq!(named(&out, "png"), ["党建工作办公室-第2页.png"]);
    assert_eq!(
        decode_png(&out.join("党建工作办公室-第2页.png")).0,
        a4_px(50)
    );
    // The PNG says its resolution, so it prints at the page's size.
    let mut reader = png::Decoder::new(std::io::Cursor::new(
        std::fs::read(out.join("党建工作办公室-第2页.png")).unwrap(),
    ))
    .read_info()
    .unwrap();
    let dims = reader.info().pixel_dims.expect("pHYs");
    assert_eq!(dims.unit, png::Unit::Meter);
    assert_eq!(dims.xppu, (50.0f64 / 0.0254).round() as u32);
    let _ = reader.next_frame(&mut vec![0; reader.output_buffer_size().unwrap()]);

    // A page the form does not have: a warning, the others still drawn.
    let err = jixiao_in(t.path())
        .args(["render", "data/2024/党建工作办公室.toml", "--format", "svg"])
        .args(["--pages", "1,99", "-o", "out"])
        .assert()
        .code(0)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("第 99 页不存在"), "{err}");
    assert_eq!(named(&out, "svg"), ["党建工作办公室-第1页.svg"]);
}

#[test]
fn a_wrong_resolution_or_page_list_is_a_usage_error() {
    let t = seed_dir();
    for (flag, value, says) in [
        ("--ppi", "0", "10 到 600"),
        ("--ppi", "2400", "10 到 600"),
        ("--ppi", "高", "10 到 600"),
        ("--pages", "0", "页码从 1 起"),
        ("--pages", "3-1", "1,3-5"),
        ("--format", "jpg", "png"),
    ] {
        let out = jixiao_in(t.path())
            .args(["render", "data/2024/党建工作办公室.toml", flag, value])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(says), "{flag} {value}: {err}");
        assert!(!t.path().join("out").exists());
    }
}

#[test]
fn pictures_are_byte_identical_run_to_run() {
    let t = seed_dir();
    render(t.path(), &["--format", "png,svg", "-o", "a"]);
    render(t.path(), &["--format", "svg,png", "-o", "b"]);
    let a = t.path().join("a");
    let names: Vec<String> = [named(&a, "png"), named(&a, "svg")].concat();
    assert!(names.len() >= 4, "{names:?}");
    for name in names {
        let first = std::fs::read(a.join(&name)).unwrap();
        let second =
            std::fs::read(t.path().join("b").join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(first == second, "{name} differs between two runs");
    }
}

/// The seed with `extra` more goals: a longer form of the same department.
fn seed_with_goals(extra: usize) -> String {
    let goals: String = (0..extra)
        .map(|i| format!("  \"补充的第{i}项目标：按时完成各项工作任务。\",\n"))
        .collect();
    seed_with("goals = [\n", &format!("goals = [\n{goals}"))
}

#[test]
fn pictures_of_pages_the_form_no_longer_has_are_removed() {
    let t = seed_dir();
    let data = t.path().join("data/2024/党建工作办公室.toml");
    let out = t.path().join("out");
    // Last month's form ran to ten pages or more: `第01页` … `第NN页`.
    std::fs::write(&data, seed_with_goals(300)).unwrap();
    render(t.path(), &["--format", "pdf,png", "-o", "out"]);
    let long = pdf_pages(&out.join("党建工作办公室.pdf"));
    assert!(long >= 10, "{long} pages");
    assert_eq!(named(&out, "png"), page_names(long, "png"));
    // Files that are not this form's page pictures are no business of ours.
    let kept = [
        "党建工作办公室-封面.png",
        "党建工作办公室-第1页.svg",
        "其他部门-第9页.png",
    ];
    for name in kept {
        std::fs::write(out.join(name), b"mine").unwrap();
    }

    std::fs::write(&data, seed_source()).unwrap();
    let stdout = render(t.path(), &["--format", "pdf,png", "-o", "out"]);
    let pages = pdf_pages(&out.join("党建工作办公室.pdf"));
    assert!(pages < 10, "{pages} pages");
    let mut expected: Vec<String> = page_names(pages, "png");
    expected.extend(["党建工作办公室-封面.png", "其他部门-第9页.png"].map(String::from));
    expected.sort();
    assert_eq!(named(&out, "png"), expected);
    for name in kept {
        assert_eq!(std::fs::read(out.join(name)).unwrap(), b"mine", "{name}");
    }
    assert!(stdout.contains("删除了"), "{stdout}");
    assert!(stdout.contains(&format!("第{long}页.png")), "{stdout}");

    // Pictures of only some pages leave the form's other pages alone.
    render(t.path(), &["--format", "png", "--pages", "1", "-o", "out"]);
    assert_eq!(named(&out, "png"), expected);
}

#[test]
fn batch_draws_every_department_and_no_town_outputs() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for name in ["甲", "乙"] {
        std::fs::write(data.join(format!("{name}.toml")), department(name)).unwrap();
    }
    jixiao_in(t.path())
        .args(["batch", "--format", "png", "--ppi", "20", "--quiet"])
        .assert()
        .code(0);
    let out = t.path().join("out");
    let all: Vec<String> = files_under(&out)
        .iter()
        .map(|p| p.strip_prefix(&out).unwrap().display().to_string())
        .collect();
    for name in ["甲", "乙"] {
        assert!(all.contains(&format!("{name}-第1页.png")), "{all:?}");
    }
    // Besides the batch's own state (hidden files), only pictures.
    assert!(
        all.iter()
            .all(|n| n.ends_with(".png") || n.starts_with('.')),
        "{all:?}"
    );
}

/// The command that makes README's picture, as README shows it.
const README_PICTURE: &str =
    "jixiao render data/2024/党建工作办公室.toml --format png --ppi 96 --pages 1 -o docs";

#[test]
fn the_readme_picture_is_the_seeds_first_page_as_rendered_now() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains(README_PICTURE),
        "README shows how its picture is made"
    );
    let file = "docs/党建工作办公室-第1页.png";
    assert!(
        readme.contains(&format!("]({file})")),
        "README shows {file}"
    );

    let t = seed_dir();
    let args: Vec<&str> = README_PICTURE.split(' ').skip(3).collect();
    render(t.path(), &args);
    let made: PathBuf = t.path().join(file);
    let fresh = std::fs::read(&made).unwrap();
    let committed = root().join(file);
    if std::env::var_os("UPDATE").is_some_and(|v| v == "1") {
        std::fs::write(&committed, &fresh).unwrap();
    }
    let old = std::fs::read(&committed).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (UPDATE=1 cargo test picture writes it)",
            committed.display()
        )
    });
    assert!(
        old == fresh,
        "{file} is not what `{README_PICTURE}` makes now (UPDATE=1 cargo test picture rewrites it after a deliberate change)"
    );
    assert!(fresh.len() <= 400 * 1024, "{} bytes", fresh.len());
    assert_eq!(decode_png(&committed).0, a4_px(96));
}
