//! Hostile and unlucky input: encodings, invisible and unrenderable
//! characters, sizes, and a file system that says no. Each case ends in a
//! clear message and harms no output.

use std::path::Path;

use assert_cmd::Command;

use crate::support::*;

fn jixiao(dir: &Path) -> Command {
    jixiao_in(dir)
}

fn message_of(bytes: &[u8]) -> String {
    let l = jixiao::model::load(bytes);
    assert!(l.document.is_none());
    jixiao::diagnostic::render("f.toml", &l.source, &l.diagnostics)
}

#[test]
fn gbk_is_recognised_and_refused_showing_the_clerks_own_line() {
    let gbk = std::fs::read(root().join("tests/fixtures/invalid/non_utf8.toml")).unwrap();
    let text = message_of(&gbk);
    assert!(text.contains("GBK/GB18030"), "{text}");
    assert!(text.contains("另存为”UTF-8"), "{text}");
    // The line is shown decoded, not as replacement characters.
    assert!(text.contains("部门整体预算绩效目标表"), "{text}");
    assert!(!text.contains('\u{FFFD}'), "{text}");
}

/// Issue 13: `jixiao new > x.toml` in Windows PowerShell 5.1 writes UTF-16
/// with a byte order mark. Such a file is unambiguous, so it is read.
#[test]
fn utf16_with_a_byte_order_mark_is_read_and_other_bytes_are_refused() {
    let seed = seed_source();
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(seed.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(seed.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    for bytes in [le, be] {
        let l = jixiao::model::load(&bytes);
        assert_eq!(l.document, Some(seed_doc()), "{:#?}", l.diagnostics);
    }
    // A broken UTF-16 file (a lone surrogate) is refused with its own words.
    let broken: Vec<u8> = [0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00].to_vec();
    assert!(message_of(&broken).contains("UTF-16"));
    let latin1 = b"town = \"caf\xe9\"\n";
    let text = message_of(latin1);
    assert!(
        text.contains("不是 UTF-8") && !text.contains("GBK"),
        "{text}"
    );
}

#[test]
fn control_and_direction_characters_are_errors_with_their_line() {
    for (escape, code) in [
        ("\\u0007", "U+0007"),
        ("\\u202E", "U+202E"),
        ("\\u001B", "U+001B"),
    ] {
        let src = seed_with(
            "name = \"补贴数量\"",
            &format!("name = \"补贴{escape}数量\""),
        );
        let l = load_str(&src);
        assert_eq!(l.errors(), 1, "{:#?}", l.diagnostics);
        let d = &l.diagnostics[0];
        assert!(d.message.contains(code), "{}", d.message);
        assert_eq!(d.line_col(&l.source).unwrap().0, 119, "{}", d.message);
    }
}

#[test]
fn zero_width_characters_warn_but_render() {
    let src = seed_with("name = \"补贴数量\"", "name = \"补贴\u{200B}数量\"");
    let l = load_str(&src);
    assert_eq!((l.errors(), l.warnings()), (0, 1), "{:#?}", l.diagnostics);
    assert!(l.diagnostics[0].message.contains("零宽字符"));
}

#[test]
fn emoji_and_extension_b_are_reported_with_field_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let src = seed_with("name = \"补贴数量\"", "name = \"补贴数量😀\"").replacen(
        "name = \"聘请人数\"",
        "name = \"聘请𠀀人数\"",
        1,
    );
    std::fs::write(dir.path().join("f.toml"), src).unwrap();
    let out = jixiao(dir.path())
        .args(["render", "f.toml", "-o", "out"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("“😀”（U+1F600）") && stderr.contains("f.toml:119:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("“𠀀”（U+20000）") && stderr.contains("f.toml:135:"),
        "{stderr}"
    );
    assert!(stderr.contains("三级指标"), "{stderr}");
    assert!(
        !dir.path().join("out/f.pdf").exists(),
        "no PDF with empty boxes"
    );
}

/// Issue 13: `check` passing means `render` passes: it runs the glyph
/// check too, and points at the value, not at a comment that happens to
/// hold the same character first.
#[test]
fn check_finds_what_render_would_refuse_at_the_value_not_a_comment() {
    let dir = tempfile::tempdir().unwrap();
    let src = seed_with(
        "# 部门整体预算绩效目标表 —— ",
        "# 😀 部门整体预算绩效目标表 —— ",
    )
    .replacen("name = \"补贴数量\"", "name = \"补贴数量😀\"", 1);
    std::fs::write(dir.path().join("f.toml"), src).unwrap();
    for cmd in ["check", "render"] {
        let out = jixiao(dir.path())
            .args([cmd, "f.toml"])
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("“😀”（U+1F600）") && stderr.contains("f.toml:119:13"),
            "{cmd}: {stderr}"
        );
        assert!(
            stderr.contains("绩效指标 › 第1节 › 三级指标 › 第2项 › 名称"),
            "{cmd}: {stderr}"
        );
    }
}

#[test]
fn output_folder_that_is_a_file_or_a_full_disk_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(seed_path(), dir.path().join("f.toml")).unwrap();
    std::fs::write(dir.path().join("occupied"), "x").unwrap();
    let out = jixiao(dir.path())
        .args(["render", "f.toml", "-o", "occupied"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("无法创建文件夹“occupied”"), "{stderr}");
    // Both formats failed to write: both are said, not only the last.
    assert_eq!(
        stderr.matches("无法创建文件夹“occupied”").count(),
        2,
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("occupied")).unwrap(),
        "x"
    );

    // /dev/full: every write fails with "no space left".
    if Path::new("/dev/full").exists() {
        let err = jixiao::files::write_atomic(Path::new("/dev/full/x.pdf"), b"data").unwrap_err();
        assert!(format!("{err:#}").contains("无法"), "{err:#}");
        // A full disk is reported in words a clerk knows.
        use std::io::Write;
        let mut full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let err = full
            .write_all(&[0; 1 << 16])
            .and_then(|()| full.sync_all())
            .unwrap_err();
        assert!(
            jixiao::files::describe_io(&err).contains("磁盘已满"),
            "{err}"
        );
    }
}

#[test]
fn a_data_folder_with_loops_hidden_and_foreign_files_is_walked_safely() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("有 空格 的 文件夹")).unwrap();
    std::fs::create_dir_all(data.join(".hidden")).unwrap();
    std::fs::copy(seed_path(), data.join("有 空格 的 文件夹/党建 办.toml")).unwrap();
    std::fs::copy(seed_path(), data.join(".hidden/x.toml")).unwrap();
    std::fs::copy(seed_path(), data.join(".隐藏.toml")).unwrap();
    std::fs::write(data.join("说明.docx"), "not a form").unwrap();
    std::fs::write(data.join("~$锁.toml.bak"), "x").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&data, data.join("loop")).unwrap();
    let out = jixiao(dir.path())
        .args(["batch", "--quiet"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("共 1 个部门"), "{stdout}");
    assert!(
        dir.path()
            .join("out/有 空格 的 文件夹/党建 办.pdf")
            .is_file()
    );
}

#[test]
fn two_batches_writing_one_folder_leave_only_whole_files() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..6 {
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        std::fs::write(
            dir.path().join(format!("data/{i}.toml")),
            department(&format!("第{i}办公室")),
        )
        .unwrap();
    }
    let spawn = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("jixiao"))
            .current_dir(dir.path())
            .args(["batch", "--quiet", "--jobs", "1"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn(), spawn());
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    assert!(temp_files(&dir.path().join("out")).is_empty());
    for i in 0..6 {
        let pdf = std::fs::read(dir.path().join(format!("out/{i}.pdf"))).unwrap();
        assert!(pdf.starts_with(b"%PDF-") && pdf.trim_ascii_end().ends_with(b"%%EOF"));
    }
}

/// Runs a batch of 40 departments, sends `signals` once it has written
/// something, and checks the stop: exit 130, no temp file left, every
/// output whole.
#[cfg(unix)]
fn interrupt_batch(signals: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    for i in 0..40 {
        std::fs::write(
            dir.path().join(format!("data/{i:02}.toml")),
            department(&format!("第{i}办公室")),
        )
        .unwrap();
    }
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("jixiao"))
        .current_dir(dir.path())
        .args(["batch", "--quiet", "--jobs", "2"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it has written something, then signal it.
    let first = dir.path().join("out/00.pdf");
    for _ in 0..600 {
        if first.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for sig in signals {
        std::process::Command::new("kill")
            .args([&format!("-{sig}"), &child.id().to_string()])
            .status()
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{signals:?}: {stderr}");
    assert!(
        temp_files(&dir.path().join("out")).is_empty(),
        "{signals:?}: temp files left"
    );
    let written = files_under(&dir.path().join("out"));
    let pdfs = written
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"));
    assert!(
        !written.is_empty() && written.len() < 80,
        "{signals:?}: {}",
        written.len()
    );
    for p in pdfs {
        let pdf = std::fs::read(p).unwrap();
        assert!(
            pdf.trim_ascii_end().ends_with(b"%%EOF"),
            "{signals:?}: {} is truncated",
            p.display()
        );
    }
    for p in written
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
    {
        let bytes = std::fs::read(p).unwrap();
        assert!(
            zip::ZipArchive::new(std::io::Cursor::new(bytes)).is_ok(),
            "{signals:?}: {} is not a whole workbook",
            p.display()
        );
    }
    if signals.len() == 1 {
        assert!(stderr.contains("已中断"), "{signals:?}: {stderr}");
    }
}

/// Ctrl-C, SIGTERM (Kubernetes stopping a Job's pod) and SIGHUP (the
/// terminal closed) all stop after the departments in hand.
#[cfg(unix)]
#[test]
fn each_stop_signal_stops_cleanly_without_temp_files() {
    for sig in ["INT", "TERM", "HUP"] {
        interrupt_batch(&[sig]);
    }
}

/// A second Ctrl-C exits at once, but removes the temp files of the writes
/// in flight first.
#[cfg(unix)]
#[test]
fn a_second_ctrl_c_leaves_no_temp_file() {
    interrupt_batch(&["INT", "INT"]);
}

/// The seed with its other task's target replaced by `n` characters.
fn with_long_text(n: usize) -> String {
    let long: String = "长文本".chars().cycle().take(n).collect();
    seed_with(
        "target = \"保障基本支出, 维持部门正常运转。\"",
        &format!("target = \"{long}\""),
    )
}

#[test]
fn a_50000_character_text_breaks_across_pages_and_the_workbook_says_why_not() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("long.toml"), with_long_text(50_000)).unwrap();
    let out = jixiao(dir.path())
        .args(["render", "long.toml", "-o", "out"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("32767"), "{stderr}");
    // The cause is said once, after what failed.
    assert_eq!(
        stderr.matches("生成 Excel 工作簿失败").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("生成 Excel 工作簿失败：“"), "{stderr}");
    let pdf = std::fs::read(dir.path().join("out/long.pdf")).expect("the PDF is still made");
    let text = pdf_text(&dir.path().join("out/long.pdf"), false);
    let before = seed_source().matches('长').count()
        - "保障基本支出, 维持部门正常运转。".matches('长').count();
    assert_eq!(
        text.matches('长').count(),
        before + 50_000usize.div_ceil(3),
        "every character is on some page"
    );
    assert!(pdf.len() > 10_000);
    assert!(!dir.path().join("out/long.xlsx").exists());
}

#[test]
fn a_thousand_indicators_and_two_hundred_tasks_render() {
    let seed = seed_source();
    let at = seed.find("[satisfaction]").unwrap();
    let items: String = (0..969)
        .map(|i| {
            format!(
                "[[indicators.items]]\nname = \"指标{i}\"\nperiod = \"≥90%\"\nannual = \"≥90%\"\n\n"
            )
        })
        .collect();
    let many_indicators = format!("{}{items}{}", &seed[..at], &seed[at..]);
    let start = seed.find("\n[[tasks]]").unwrap() + 1;
    let end = seed.find("# 其他需完成的任务").unwrap();
    let tasks: String = (0..200)
        .map(|i| format!("[[tasks]]\nname = \"任务名称{i}\"\ncontent = \"内容\"\namount = 50450.00\ntarget = \"目标\"\n\n"))
        .collect();
    let many_tasks = format!("{}{tasks}{}", &seed[..start], &seed[end..]);
    for (name, src, needle) in [
        ("ind", many_indicators, "指标968"),
        ("tasks", many_tasks, "任务200:任务名称199"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f.toml"), src).unwrap();
        jixiao(dir.path())
            .args(["render", "f.toml", "-o", "out"])
            .assert()
            .code(0);
        let text = pdf_text(&dir.path().join("out/f.pdf"), true);
        assert!(text.contains(needle), "{name}: {needle} missing");
        assert!(dir.path().join("out/f.xlsx").is_file());
    }
}

/// Unix only: read-only folders are made with Unix modes and `setpriv`.
#[cfg(unix)]
#[test]
fn a_read_only_output_folder_is_a_clear_error_and_nothing_is_lost() {
    // Root writes anywhere, so the read-only case runs as an unprivileged
    // user (`setpriv`, util-linux) where the tests run as root, as in CI.
    let as_nobody = is_root();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path();
    std::fs::create_dir_all(base.join("ro")).unwrap();
    std::fs::copy(seed_path(), base.join("f.toml")).unwrap();
    std::fs::write(base.join("ro/f.pdf"), "old output").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        for (p, mode) in [
            (base.to_path_buf(), 0o755),
            (base.join("ro"), 0o555),
            (base.join("f.toml"), 0o644),
        ] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }
    // A copy inside the temp folder: the build folder may not be reachable
    // by an unprivileged user.
    let bin = base.join("jixiao");
    std::fs::copy(assert_cmd::cargo::cargo_bin("jixiao"), &bin).unwrap();
    let mut cmd = if as_nobody {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = cmd
        .current_dir(base)
        .args(["render", "--format", "pdf", "f.toml", "-o", "ro"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("无法写入") && stderr.contains("没有权限"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(base.join("ro/f.pdf")).unwrap(),
        "old output"
    );
    assert!(temp_files(base).is_empty());
}

/// Whether this process runs as root (uid 0), read from /proc.
#[cfg(unix)]
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// Issue 13: a `town` such as `/../../../tmp/pwned` chose where the town's
/// volume and workbook were written. Every name below must leave every
/// output inside the output folder, each town's two files present.
#[test]
fn no_town_name_can_write_outside_the_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let towns = [
        "/../../../../逃出",
        "..\\..\\..\\逃出2",
        "..",
        "CON",
        "nul.txt",
        "a:b|c?d*e<f>g\"h",
        "尾点.",
        "COM1",
        "a/b",
        "a_b",
        &"很长的镇名".repeat(40),
    ];
    let data = dir.path().join("work/data");
    std::fs::create_dir_all(&data).unwrap();
    for (i, town) in towns.iter().enumerate() {
        let quoted = serde_json::to_string(town).unwrap();
        let src = seed_with("town = \"大朗镇\"", &format!("town = {quoted}"));
        std::fs::write(data.join(format!("部门{i}.toml")), src).unwrap();
    }
    let before = files_under(dir.path());
    let out = jixiao(&dir.path().join("work"))
        .args(["batch", "--quiet", "-o", "a/b/out"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let outdir = dir.path().join("work/a/b/out");
    let written: Vec<_> = files_under(dir.path())
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    for p in &written {
        assert!(
            p.starts_with(&outdir),
            "written outside out/: {}",
            p.display()
        );
    }
    let volumes = written
        .iter()
        .filter(|p| p.to_string_lossy().ends_with("合订本.pdf"))
        .count();
    let books = written
        .iter()
        .filter(|p| p.to_string_lossy().ends_with("汇总.xlsx"))
        .count();
    assert_eq!((volumes, books), (towns.len(), towns.len()), "{stdout}");
    for p in written.iter().filter(|p| {
        let n = p.to_string_lossy();
        n.ends_with("合订本.pdf") || n.ends_with("汇总.xlsx")
    }) {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("2024年"), "{name}");
        assert!(
            !name.contains(['/', '\\', ':', '|', '?', '*', '<', '>', '"', '\t']),
            "{name}"
        );
    }
    assert!(temp_files(&outdir).is_empty());

    // check names the town that had to change, at its line.
    let out = jixiao(&dir.path().join("work"))
        .args(["check", "data/部门0.toml"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("“镇（街道）名称”不能原样用作合订本和汇总表的文件名")
            && stderr.contains("部门0.toml:5:"),
        "{stderr}"
    );
}
