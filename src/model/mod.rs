//! From the bytes of a file to a validated [`Document`], or the reasons why not.
//!
//! `raw` declares the format, `structure` checks the file's shape against it,
//! serde fills the raw types, `validate` applies the rules and builds the
//! [`Document`]. Each stage reports all it finds; a later stage runs only when
//! the earlier ones found no error, so one mistake is never reported twice.

pub mod document;
pub mod field;
pub mod labels;
pub mod raw;
pub mod rollover;
pub mod structure;
pub mod validate;

use std::sync::OnceLock;

pub use document::Document;

use std::path::Path;

use crate::diagnostic::{Diagnostic, Severity};

/// A loaded file: its text (for printing diagnostics) and what was found.
#[derive(Debug, Clone, Default)]
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

/// Loads one file from disk; an unreadable file becomes a diagnostic.
/// With `strict`, warnings count as errors.
pub fn load_file(path: &Path, strict: bool) -> Loaded {
    let mut loaded = match std::fs::read(path) {
        Ok(bytes) => load(&bytes),
        Err(e) => Loaded {
            source: String::new(),
            document: None,
            diagnostics: vec![
                Diagnostic::error(format!("无法读取文件：{}", crate::files::describe_io(&e)))
                    .field("文件"),
            ],
        },
    };
    if strict {
        for d in &mut loaded.diagnostics {
            d.severity = Severity::Error;
        }
        if loaded.errors() > 0 {
            loaded.document = None;
        }
    }
    loaded
}

/// Loads one form from its bytes. Never panics, whatever the bytes.
pub fn load(bytes: &[u8]) -> Loaded {
    let (source, raw) = match parse(bytes) {
        Ok(parsed) => parsed,
        Err(failed) => return *failed,
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

/// A file's text and its raw form, when its encoding, syntax and shape are
/// right (the rules not yet applied); else what [`load`] reports.
pub fn parse(bytes: &[u8]) -> Result<(String, raw::RawForm), Box<Loaded>> {
    let source = decode(bytes)?;
    if source
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        let d = Diagnostic::error("文件是空的，没有任何内容")
            .field("文件")
            .note("可以用 jixiao new 生成一份带说明的空白表，再填写");
        return Err(Box::new(Loaded::failed(source, vec![d])));
    }

    let (root, syntax) = toml::de::DeTable::parse_recoverable(&source);
    if !syntax.is_empty() {
        let diags = syntax.iter().map(toml_error).collect();
        return Err(Box::new(Loaded::failed(source, diags)));
    }
    let diags = structure::check(&root, schema());
    if diags.iter().any(Diagnostic::is_error) {
        return Err(Box::new(Loaded::failed(source, diags)));
    }
    match toml::from_str(&source) {
        Ok(raw) => Ok((source, raw)),
        Err(e) => Err(Box::new(Loaded::failed(source, vec![toml_error(&e)]))),
    }
}

const RESAVE: &str =
    "请用编辑器“另存为”UTF-8 编码后再检查：记事本选“编码：UTF-8”；WPS 文字/VS Code 选 UTF-8";

/// The file's text. UTF-8 (with or without a byte order mark, as Notepad
/// writes it) is read; so is UTF-16 with a byte order mark, which is what
/// `jixiao new > x.toml` writes in Windows PowerShell 5.1 and is
/// unambiguous. Anything else is refused, not guessed at: a wrong guess
/// would put wrong characters on an official form. A file that is valid
/// GBK/GB18030 (Notepad's "ANSI" on Chinese Windows) is shown decoded, so
/// the message quotes the clerk's own line, with how to re-save.
fn decode(bytes: &[u8]) -> Result<String, Box<Loaded>> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest);
    }
    for (bom, enc) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return match enc.decode_without_bom_handling_and_without_replacement(rest) {
                Some(text) => Ok(text.into_owned()),
                None => {
                    let (lossy, _) = enc.decode_without_bom_handling(rest);
                    let pos = lossy.find('\u{FFFD}').unwrap_or(0);
                    Err(refuse(
                        lossy.into_owned(),
                        "文件是 UTF-16 编码，但其中有损坏的字符".into(),
                        pos,
                    ))
                }
            };
        }
    }
    utf8(bytes)
}

fn utf8(bytes: &[u8]) -> Result<String, Box<Loaded>> {
    let e = match std::str::from_utf8(bytes) {
        Ok(s) => return Ok(s.to_string()),
        Err(e) => e,
    };
    let at = e.valid_up_to();
    if let Some(text) =
        encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
    {
        // The first character that is not ASCII is where UTF-8 and GB18030
        // part ways.
        let pos = text.find(|c: char| !c.is_ascii()).unwrap_or(0);
        return Err(refuse(
            text.into_owned(),
            format!(
                "文件是 GBK/GB18030 编码（中文 Windows 的“ANSI”），不是 UTF-8（第 {} 个字节起）",
                at + 1
            ),
            pos,
        ));
    }
    let lossy = String::from_utf8_lossy(bytes).into_owned();
    let pos = lossy.find('\u{FFFD}').unwrap_or(0);
    Err(refuse(
        lossy,
        format!("文件不是 UTF-8 编码（第 {} 个字节起无法识别）", at + 1),
        pos,
    ))
}

fn refuse(text: String, what: String, pos: usize) -> Box<Loaded> {
    let len = text[pos..].chars().next().map_or(0, char::len_utf8);
    let d = Diagnostic::error(what)
        .at(pos..pos + len)
        .field("文件编码")
        .label("从这里起无法按 UTF-8 读取")
        .note(RESAVE);
    Box::new(Loaded::failed(text, vec![d]))
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
