//! `jixiao check`, `new` and `schema` as a user runs them.

use assert_cmd::Command;

use crate::support::*;

fn jixiao() -> Command {
    jixiao_in(&root())
}

#[test]
fn check_without_arguments_checks_the_bundled_data() {
    let out = jixiao().arg("check").assert().code(0).get_output().clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("✓ data/2024/党建工作办公室.toml"),
        "{stdout}"
    );
    assert!(stdout.contains("1 个通过，0 个有错误"), "{stdout}");
}

#[test]
fn a_folder_with_one_bad_file_exits_1_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(seed_path(), dir.path().join("好.toml")).unwrap();
    std::fs::write(
        dir.path().join("坏.toml"),
        seed_with("fiscal_funds = 1046.80", "fiscal_funds = 1047.80"),
    )
    .unwrap();
    std::fs::write(dir.path().join("说明.txt"), "not a form").unwrap();
    let out = jixiao()
        .arg("check")
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stdout.contains("✗") && stdout.contains("坏.toml：1 个错误"),
        "{stdout}"
    );
    assert!(
        stdout.contains("共检查 2 个表：1 个通过，1 个有错误"),
        "{stdout}"
    );
    assert!(stderr.contains("坏.toml:17:16"), "{stderr}");
    assert!(
        stderr.contains("支出合计 1,046.80 万元 ≠ 收入合计 1,047.80 万元（相差 1.00 万元）"),
        "{stderr}"
    );
}

#[test]
fn garbage_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [&[u8]; 5] = [
        b"",
        b"\xff\xfe\x00garbage\x80",
        b"[[[[",
        b"a = 1\n[a]\n",
        b"\x00\x00\x00",
    ];
    for (i, bytes) in cases.iter().enumerate() {
        let p = dir.path().join(format!("{i}.toml"));
        std::fs::write(&p, bytes).unwrap();
        let out = jixiao()
            .arg("check")
            .arg(&p)
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("错误："), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn strict_turns_warnings_into_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.toml");
    std::fs::write(
        &p,
        seed_with("level2 = \"质量指标\"", "level2 = \"质量指摽\""),
    )
    .unwrap();
    jixiao().arg("check").arg(&p).assert().code(0);
    jixiao()
        .args(["check", "--strict"])
        .arg(&p)
        .assert()
        .code(1);
}

#[test]
fn missing_paths_and_bad_usage_have_their_exit_codes() {
    jixiao()
        .args(["check", "没有这个文件.toml"])
        .assert()
        .code(1);
    jixiao().args(["check", "--no-such-flag"]).assert().code(2);
}

#[test]
fn new_writes_a_scaffold_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("新部门.toml");
    jixiao().arg("new").arg(&p).assert().code(0);
    let written = std::fs::read_to_string(&p).unwrap();
    assert_eq!(written, jixiao::cmd::new::SCAFFOLD);
    std::fs::write(&p, "mine").unwrap();
    jixiao().arg("new").arg(&p).assert().code(1);
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        "mine",
        "an existing file is kept"
    );
    // Unfilled, it fails check with one message per blank.
    jixiao().arg("check").arg(&p).assert().code(1);
}

#[test]
fn schema_prints_json_with_chinese_help() {
    let out = jixiao().arg("schema").assert().code(0).get_output().clone();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["properties"]["department"]["title"], "部门名称");
}

/// Issue 13: clap's own words (headings, help flags, parse errors) are in
/// Chinese too, and a usage error still exits 2.
#[test]
fn help_and_usage_errors_speak_chinese() {
    for args in [&["--help"][..], &["render", "--help"], &["check", "-h"]] {
        let out = jixiao().args(args).assert().code(0).get_output().clone();
        let help = String::from_utf8(out.stdout).unwrap();
        for english in [
            "Usage:",
            "Options:",
            "Commands:",
            "Arguments:",
            "Print help",
            "[default:",
            "Possible values",
        ] {
            assert!(!help.contains(english), "{args:?}: {english} in\n{help}");
        }
        assert!(help.contains("用法：") && help.contains("选项："), "{help}");
        assert!(help.contains("显示帮助"), "{help}");
    }
    let top = jixiao().arg("--help").assert().code(0).get_output().clone();
    assert!(
        String::from_utf8(top.stdout)
            .unwrap()
            .contains("把部门的 TOML 数据文件")
    );
    for (args, says) in [
        (
            &["check", "--no-such-flag"][..],
            "不认识的参数“--no-such-flag”",
        ),
        (&["rendr"], "是不是要写“render”？"),
        (
            &["render", "--format", "docx", "x.toml"],
            "可以写：all, pdf, xlsx",
        ),
        (&["batch", "--shard", "5/3"], "不是有效的分片"),
        (&[], "缺少要执行的命令"),
    ] {
        let out = jixiao().args(args).assert().code(2).get_output().clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(stderr.starts_with("错误："), "{args:?}: {stderr}");
        assert!(!stderr.contains("error:"), "{args:?}: {stderr}");
    }
}

/// Issue 13: JIXIAO_FONT_PATH sets the font folder once for every command.
#[test]
fn the_font_folder_can_be_set_once_in_the_environment() {
    let out = jixiao()
        .env("JIXIAO_FONT_PATH", "没有这个字体文件夹")
        .args(["check", "data/2024/党建工作办公室.toml"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("无法读取字体文件夹“没有这个字体文件夹”"),
        "{stderr}"
    );
    jixiao()
        .env_remove("JIXIAO_FONT_PATH")
        .args(["check", "data/2024/党建工作办公室.toml"])
        .assert()
        .code(0);
}
