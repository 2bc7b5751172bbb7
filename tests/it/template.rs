//! Templates stay in their box: a user's `--template` reads only its own
//! folder and the data jixiao serves; packages are refused without network.

use assert_cmd::Command;

use crate::support::*;

/// A template that imports a helper from its own folder and prints the department.
const GREETING: &str =
    "#import \"helper.typ\": greet\n#let d = json(\"/data.json\")\n#greet(d.department)";
const HELPER: (&str, &str) = ("helper.typ", "#let greet(x) = [部门：#x]");

/// A temp folder with `tpl/mine.typ` holding `template`, and `extra` files beside it.
fn with_template(template: &str, extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let tdir = dir.path().join("tpl");
    std::fs::create_dir_all(&tdir).unwrap();
    std::fs::write(tdir.join("mine.typ"), template).unwrap();
    for (name, text) in extra {
        std::fs::write(tdir.join(name), text).unwrap();
    }
    dir
}

fn render_with(template: &str, extra: &[(&str, &str)]) -> (i32, String, tempfile::TempDir) {
    let dir = with_template(template, extra);
    std::fs::write(dir.path().join("secret.txt"), "top secret").unwrap();
    std::fs::copy(seed_path(), dir.path().join("form.toml")).unwrap();
    let out = Command::cargo_bin("jixiao")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "render",
            "--format",
            "pdf",
            "--template",
            "tpl/mine.typ",
            "form.toml",
            "-o",
            "out",
        ])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text, dir)
}

#[test]
fn a_user_template_reads_the_data_and_its_own_folder() {
    let (code, text, dir) = render_with(GREETING, &[HELPER]);
    assert_eq!(code, 0, "{text}");
    assert!(dir.path().join("out/form.pdf").is_file());
}

#[test]
fn reading_outside_the_template_folder_fails_clearly() {
    for path in ["/etc/passwd", "../secret.txt", "/../secret.txt"] {
        let (code, text, dir) = render_with(&format!("#read(\"{path}\")"), &[]);
        assert_eq!(code, 1, "{path}: {text}");
        assert!(text.contains("模板出错"), "{path}: {text}");
        assert!(
            !text.contains("top secret") && !text.contains("root:"),
            "{text}"
        );
        assert!(!dir.path().join("out/form.pdf").exists());
    }
}

#[test]
fn packages_are_refused_without_network() {
    let (code, text, _dir) = render_with("#import \"@preview/cetz:0.3.0\": canvas\nhi", &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("不支持下载或使用包"), "{text}");
}

#[test]
fn template_errors_point_at_the_template_line() {
    let (code, text, _dir) = render_with("第一行\n#let x = (1 +\n", &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("tpl/mine.typ:2:"), "{text}");
}

#[test]
fn template_warnings_are_surfaced() {
    let (code, text, dir) = render_with("#set text(font: \"没有这个字体\")\n测试", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("模板警告：unknown font family: 没有这个字体"),
        "{text}"
    );
    assert!(dir.path().join("out/form.pdf").is_file());
}

#[test]
fn a_user_templates_library_serves_every_department_of_a_batch_with_its_own_data() {
    // The helper is parsed once per run; the data must still be each form's.
    let dir = with_template(GREETING, &[HELPER]);
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let names = ["甲办公室", "乙办公室", "丙办公室"];
    for name in names {
        std::fs::write(data.join(format!("{name}.toml")), department(name)).unwrap();
    }
    let out = Command::cargo_bin("jixiao")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "batch",
            "data",
            "-o",
            "out",
            "--format",
            "pdf",
            "--jobs",
            "2",
            "--quiet",
            "--no-town-pdf",
            "--template",
            "tpl/mine.typ",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in names {
        let text = pdf_text(&dir.path().join(format!("out/{name}.pdf")), false);
        assert_eq!(text, format!("部门：东莞市大朗镇{name}"));
    }
}
