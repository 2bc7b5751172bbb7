//! From the bytes of a file to a validated [`Document`], or the reasons why not.
//!
//! `raw` declares the format, `structure` checks the file's shape against it,
//! serde fills the raw types, `validate` applies the rules and builds the
//! [`Document`]. Each stage reports all it finds; a later stage runs only when
//! the earlier ones found no error, so one mistake is never reported twice.

pub mod document;
pub mod raw;
pub mod structure;
pub mod validate;

use std::sync::OnceLock;

pub use document::Document;

use crate::diagnostic::Diagnostic;

/// A loaded file: its text (for printing diagnostics) and what was found.
#[derive(Debug)]
pub struct Loaded {
    /// The file's text (lossily decoded if it was not UTF-8).
    pub source: String,
    /// The form, when the file has no error (warnings allowed).
    pub document: Option<Document>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    fn failed(source: String, diagnostics: Vec<Diagnostic>) -> Self {
        Loaded {
            source,
            document: None,
            diagnostics,
        }
    }
}

/// The JSON Schema of the format, built once.
pub fn schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut v = schemars::schema_for!(raw::RawForm).to_value();
        split_titles(&mut v);
        v
    })
}

/// Doc comments give `form name\n\nhelp`: the form's name becomes the
/// schema `title` (what messages and editors call the field), the rest its
/// `description`.
fn split_titles(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(d)) = map.get("description").cloned() {
                let (title, rest) = d.split_once("\n\n").unwrap_or((&d, ""));
                map.insert("title".into(), title.trim().into());
                if rest.trim().is_empty() {
                    map.remove("description");
                } else {
                    map.insert("description".into(), rest.trim().into());
                }
            }
            map.values_mut().for_each(split_titles);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(split_titles),
        _ => {}
    }
}

/// Loads one form from its bytes. Never panics, whatever the bytes.
pub fn load(bytes: &[u8]) -> Loaded {
    // A UTF-8 byte order mark (Notepad writes one) is fine; CRLF line ends
    // are fine too (TOML accepts them, text folding drops the CR).
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let source = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(e) => return not_utf8(bytes, e.valid_up_to()),
    };
    if source
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        let d = Diagnostic::error("文件是空的，没有任何内容")
            .field("文件")
            .note("可以用 jixiao new 生成一份带说明的空白表，再填写");
        return Loaded::failed(source, vec![d]);
    }

    let (root, syntax) = toml::de::DeTable::parse_recoverable(&source);
    if !syntax.is_empty() {
        let diags = syntax.iter().map(toml_error).collect();
        return Loaded::failed(source, diags);
    }
    let diags = structure::check(&root, schema());
    if diags.iter().any(Diagnostic::is_error) {
        return Loaded::failed(source, diags);
    }
    let raw: raw::RawForm = match toml::from_str(&source) {
        Ok(raw) => raw,
        Err(e) => return Loaded::failed(source, vec![toml_error(&e)]),
    };
    let (document, mut rules) = validate::validate(&raw, &source);
    rules.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
    let document = (!rules.iter().any(Diagnostic::is_error)).then_some(document);
    Loaded {
        source,
        document,
        diagnostics: rules,
    }
}

/// Files from Chinese Windows editors are often GBK/GB18030 ("ANSI") or
/// UTF-16 ("Unicode"). They are refused, not guessed at: a wrong guess would
/// put wrong characters on an official form. The message says how to re-save.
fn not_utf8(bytes: &[u8], valid_up_to: usize) -> Loaded {
    const RESAVE: &str =
        "请用编辑器“另存为”UTF-8 编码后再检查：记事本选“编码：UTF-8”；WPS 文字/VS Code 选 UTF-8";
    let lossy = String::from_utf8_lossy(bytes).into_owned();
    let (what, at) = if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        (
            "文件是 UTF-16 编码（记事本的“Unicode”），不是 UTF-8".to_string(),
            0..0,
        )
    } else {
        let pos = lossy.find('\u{FFFD}').unwrap_or(0);
        let kind = if looks_like_gb18030(bytes) {
            "文件看起来是 GBK/GB18030 编码（中文 Windows 的“ANSI”），不是 UTF-8"
        } else {
            "文件不是 UTF-8 编码"
        };
        (
            format!("{kind}（第 {} 个字节起无法识别）", valid_up_to + 1),
            pos..pos + '\u{FFFD}'.len_utf8(),
        )
    };
    let d = Diagnostic::error(what)
        .at(at)
        .field("文件编码")
        .label("无法识别的字节")
        .note(RESAVE);
    Loaded::failed(lossy, vec![d])
}

/// Whether every non-ASCII byte sequence is a well-formed GB18030 code
/// (two bytes `81–FE 40–FE` but not `7F`, or four bytes `81–FE 30–39 81–FE
/// 30–39`), with at least one of them.
pub fn looks_like_gb18030(bytes: &[u8]) -> bool {
    let mut i = 0;
    let mut seen = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        let lead = (0x81..=0xFE).contains(&b);
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        if lead && (0x40..=0xFE).contains(&next) && next != 0x7F {
            i += 2;
        } else if lead
            && (0x30..=0x39).contains(&next)
            && bytes.get(i + 2).is_some_and(|c| (0x81..=0xFE).contains(c))
            && bytes.get(i + 3).is_some_and(|c| (0x30..=0x39).contains(c))
        {
            i += 4;
        } else {
            return false;
        }
        seen = true;
    }
    seen
}

fn toml_error(e: &toml::de::Error) -> Diagnostic {
    let msg = e.message().trim().replace('\n', "；");
    let mut d = Diagnostic::error(format!("TOML 格式错误：{msg}"))
        .field("TOML 语法")
        .label("这里写法不对")
        .note("常见原因：文字没有用英文双引号 \"…\" 括起来、引号或括号不配对、用了中文标点（＝ “ ” ，）作为格式符号");
    if let Some(span) = e.span() {
        d = d.at(span);
    }
    d
}
