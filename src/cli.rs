//! The command line: what a clerk types, and the help it prints.
//!
//! Each `///` comment is the help text clap shows, so it is written for a
//! finance clerk, in Chinese.

use std::path::PathBuf;

use clap::error::{ContextKind, ErrorKind};
use clap::{Arg, ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand};

/// jixiao（绩效）：把部门的 TOML 数据文件生成“部门整体预算绩效目标表”（PDF 和 Excel）。
#[derive(Debug, Parser)]
#[command(name = "jixiao", version, long_about = None)]
#[command(
    after_help = "常用：\n  jixiao check                 检查 data/ 下所有部门的数据\n  jixiao new 新部门.toml        生成一份空白表，照着填写\n  jixiao schema                输出格式说明（JSON Schema），供编辑器自动提示"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 检查数据文件：格式、必填项、金额和各项合计是否平衡。
    #[command(
        after_help = "例：\n  jixiao check                          检查 data/ 下的全部文件\n  jixiao check data/2024/党建工作办公室.toml\n  jixiao check --strict data/2024       警告也算作错误\n  jixiao check --format json | jq .totals   给其他系统读取的 JSON\n\n退出码：0 全部无误；1 有错误；2 命令写错。"
    )]
    Check(CheckArgs),
    /// 生成一份带说明的空白数据文件，填好后即可通过检查；加 --from 则以上一年度的表为底稿，生成下一年度的表。
    #[command(
        after_help = "例：\n  jixiao new data/2025/新部门.toml\n  jixiao new data/2025/党建工作办公室.toml --from data/2024/党建工作办公室.toml\n  jixiao new data/2025 --from data/2024             文件夹中每个表都生成下一年度的一份\n\n不写文件名时输出到屏幕。已有的文件不会被覆盖。\n--from 只把预算年度加一，文字、金额和注释都原样保留；\n仍写着上一年度的文字（如“2024年12月31日”）逐处列出，请核对。\n\n退出码：0 全部生成；1 有文件未能生成或带着错误；2 命令写错。"
    )]
    New(NewArgs),
    /// 一次生成一个文件夹中所有部门的表（PDF、Excel），以及全镇的汇总工作簿和合订本。
    #[command(
        after_help = "例：\n  jixiao batch                          生成 data/ 下全部部门，写到 out/\n  jixiao batch data/2024 -o 交财政分局\n  jixiao batch --jobs 4 --quiet\n  jixiao batch --shard 2/8               只处理 8 份中的第 2 份（多台机器分担）\n  jixiao batch --force                  全部重新生成\n\n只重新生成有变化的部门：生成状态记在输出文件夹的 .jixiao.state.json 中。\n\n退出码：0 全部生成；1 有部门未能生成；2 命令写错；130 被中断。"
    )]
    Batch(BatchArgs),
    /// 生成 PDF 和 Excel：先检查，无误后为每个文件写出 <文件名>.pdf 和 <文件名>.xlsx。
    #[command(
        after_help = "例：\n  jixiao render data/2024/党建工作办公室.toml           写到 out/2024/党建工作办公室.pdf\n  jixiao render data/2024/*.toml -o 交财政分局\n  jixiao render --pdf-standard a-2b 文件.toml          存档用 PDF/A-2b\n  jixiao render 文件.toml --format png                 每页一张图片：文件-第1页.png……\n  jixiao render --format json 文件.toml                写出 JSON（格式见 jixiao schema --of render）\n\n退出码：0 全部生成；1 有文件未能生成；2 命令写错。"
    )]
    Render(RenderArgs),
    /// 边改边看：监视数据文件（和 --template 的文件夹），每次保存后自动检查并重新生成。
    #[command(
        after_help = "例：\n  jixiao watch                          监视 data/ 下全部部门，写到 out/\n  jixiao watch data/2024/党建工作办公室.toml --format pdf\n  jixiao watch data/2024 -o 交财政分局 --template 我的模板/form.typ\n\n启动时先生成一次全部文件，之后只重新生成保存过的文件；改了模板时全部重新生成。\n有错误的文件不写输出，上一次生成的 PDF 和 Excel 保持不变。按 Ctrl-C 停止。\n\n退出码：0 按 Ctrl-C 正常停止；1 无法开始监视；2 命令写错；130 生成中再按一次 Ctrl-C 立即退出。"
    )]
    Watch(WatchArgs),
    /// 把已有的表（Excel/WPS 工作簿，或预算系统导出的文本）转成数据文件，不必重新录入。
    #[command(
        after_help = "例：\n  jixiao import 党建工作办公室.xlsx                  输出到屏幕\n  jixiao import 收到的/*.xlsx -o data/2025           每个表写成 <文件名>.toml\n  jixiao import 2024年大朗镇汇总.xlsx -o data/2024    每个部门的工作表写成 <文件名>/<工作表名>.toml\n  jixiao import 预算系统导出.txt -o data/2024 --partial\n\n按“部门名称”“财政供养人员数”“一级指标”等标签找格子，不要求固定的行列位置。\n读不出的格子和没有用上的内容都会列出（写到标准错误）。\n\n退出码：0 全部导入；1 有文件未能导入或未通过检查；2 命令写错。"
    )]
    Import(ImportArgs),
    /// 输出命令行自动补全脚本（bash、zsh、fish、powershell）。
    #[command(after_help = "例：\n  jixiao completions bash > /etc/bash_completion.d/jixiao")]
    Completions {
        /// 终端类型：bash、zsh、fish、powershell、elvish
        #[arg(value_name = "终端")]
        shell: clap_complete::Shell,
    },
    /// 输出数据格式的 JSON Schema（带中文说明），供编辑器自动补全和提示；也可输出 JSON 结果的格式。
    #[command(
        after_help = "例：\n  jixiao schema -o data/jixiao.schema.json\n  jixiao schema --of render               render --format json 写出的 JSON 的格式\n\n在数据文件第一行写 `#:schema ../jixiao.schema.json`，\n支持 TOML 的编辑器（如装了 Even Better TOML 的 VS Code）就会提示每一项的含义。"
    )]
    Schema(SchemaArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// 要检查的文件或文件夹（文件夹会检查其中所有 .toml 文件）。默认：data/
    #[arg(value_name = "路径", value_hint = clap::ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,
    /// 把警告也当作错误（有警告时退出码为 1）。
    #[arg(long)]
    pub strict: bool,
    /// 结果的写法：human（给人看，默认）或 json（给其他系统读取：标准输出上只有一个 JSON 文档）。
    #[arg(value_name = "写法", long, value_enum, default_value_t)]
    pub format: CheckFormatArg,
    #[command(flatten)]
    pub fonts: FontArgs,
}

/// How `check` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CheckFormatArg {
    /// 给人看：每处问题带出错的行，最后一行是合计
    #[default]
    Human,
    /// 一个 JSON 文档：每处问题的文件、行、列（按字符计）、格子、栏目和说明，以及合计
    Json,
}

/// The fonts, shared by `check`, `render` and `batch`: a character none of
/// them has is an error in all three.
#[derive(Debug, clap::Args)]
pub struct FontArgs {
    /// 另外加载这个文件夹中的字体（如正式的方正小标宋简体、仿宋_GB2312；Windows 上可写 C:\Windows\Fonts），可写多次；也可用环境变量 JIXIAO_FONT_PATH 设一次。
    #[arg(value_name = "文件夹", long, env = "JIXIAO_FONT_PATH", value_hint = clap::ValueHint::DirPath)]
    pub font_path: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// 新文件的路径；不写则输出到屏幕。已有的文件不会被覆盖。和 --from 文件夹一起用时，写新文件夹的路径。
    #[arg(value_name = "文件", value_hint = clap::ValueHint::AnyPath)]
    pub file: Option<PathBuf>,
    /// 以上一年度的表为底稿：数据文件（也可以是工作簿或预算系统导出的文本），或一个文件夹（其中每个数据文件都生成一份，路径相同）。预算年度加一，其余原样保留。
    #[arg(long, value_name = "上年的表", value_hint = clap::ValueHint::AnyPath)]
    pub from: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// 要导入的文件：工作簿（.xlsx、.xls、.ods）或预算系统导出的文本（.txt）。
    #[arg(value_name = "文件", required = true, value_hint = clap::ValueHint::FilePath)]
    pub files: Vec<PathBuf>,
    /// 输出文件夹；不写则把唯一的一个表输出到屏幕。
    #[arg(value_name = "文件夹", short, long, value_hint = clap::ValueHint::DirPath)]
    pub output: Option<PathBuf>,
    /// 覆盖已有的文件（默认不覆盖）。
    #[arg(long)]
    pub force: bool,
    /// 有格子读不出时，仍写出已读到的内容，留待手工补全。
    #[arg(long)]
    pub partial: bool,
}

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// 写入这个文件；不写则输出到屏幕。
    #[arg(value_name = "文件", short, long, value_hint = clap::ValueHint::FilePath)]
    pub output: Option<PathBuf>,
    /// 哪一种格式的 Schema：data（数据文件，默认）、render（render --format json 写出的 JSON）、check（check --format json 输出的 JSON）。
    #[arg(value_name = "格式", long, value_enum, default_value_t)]
    pub of: SchemaOf,
}

/// Which format's schema `jixiao schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SchemaOf {
    /// 数据文件（TOML）的格式，供编辑器提示
    #[default]
    Data,
    /// render --format json 写出的表
    Render,
    /// check --format json 输出的检查结果
    Check,
}

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// 要生成的数据文件（.toml）。
    #[arg(value_name = "文件", required = true, value_hint = clap::ValueHint::FilePath)]
    pub files: Vec<PathBuf>,
    /// 输出文件夹。默认：out/（data/ 下的文件按原来的子文件夹放）
    #[arg(value_name = "文件夹", short, long, value_hint = clap::ValueHint::DirPath)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub make: MakeArgs,
}

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// 要监视的数据文件或文件夹（文件夹中所有 .toml 文件，包括子文件夹）。默认：data/
    #[arg(value_name = "路径", value_hint = clap::ValueHint::AnyPath)]
    pub path: Option<PathBuf>,
    /// 输出文件夹，按数据文件夹的子文件夹结构存放。默认：out/
    #[arg(value_name = "文件夹", short, long, value_hint = clap::ValueHint::DirPath)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub make: MakeArgs,
}

#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// 数据文件夹（其中所有 .toml 文件，包括子文件夹）。默认：data/
    #[arg(value_name = "文件夹", value_hint = clap::ValueHint::DirPath)]
    pub dir: Option<PathBuf>,
    /// 输出文件夹，按数据文件夹的子文件夹结构存放。默认：out/
    #[arg(value_name = "文件夹", short, long, value_hint = clap::ValueHint::DirPath)]
    pub output: Option<PathBuf>,
    /// 同时处理几个部门（部门够多时各用一个工作进程）。默认：CPU 核数
    #[arg(value_name = "个数", short, long)]
    pub jobs: Option<usize>,
    /// 只处理一部分：K/N 把文件按路径分成 N 份，处理第 K 份（用于多台机器分担；分片时不生成汇总）。
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::batch::Shard>,
    /// 不生成全镇合订本 PDF。
    #[arg(long)]
    pub no_town_pdf: bool,
    /// 不生成全镇汇总工作簿。
    #[arg(long)]
    pub no_town_xlsx: bool,
    /// 不显示进度，只输出最后的汇总。
    #[arg(short, long)]
    pub quiet: bool,
    /// 全部重新生成（默认只生成数据、模板、字体或选项有变化的部门，以及缺少或被改动的输出）。
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub make: MakeArgs,
}

/// What to make of each form, shared by `render`, `batch` and `watch`.
#[derive(Debug, clap::Args)]
pub struct MakeArgs {
    /// 生成哪些文件：all（PDF 和 Excel，默认）、pdf、xlsx、png（每页一张图片）、svg（每页一张矢量图）、json（<文件名>.json，供其他系统读取；batch 时不生成全镇汇总）；可用逗号写几种，如 pdf,png。
    #[arg(
        value_name = "格式",
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "all"
    )]
    pub format: Vec<FormatArg>,
    /// 把警告也当作错误（有警告的部门不生成）。
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub pdf: PdfArgs,
    #[command(flatten)]
    pub pictures: PictureArgs,
}

/// Settings of the PDF.
#[derive(Debug, clap::Args)]
pub struct PdfArgs {
    /// 改用自己的 Typst 模板文件（模板只能读取它所在文件夹中的文件）。
    #[arg(value_name = "文件", long, value_hint = clap::ValueHint::FilePath)]
    pub template: Option<PathBuf>,
    #[command(flatten)]
    pub fonts: FontArgs,
    /// PDF 标准：pdf（默认，带无障碍标签）或 a-2b（PDF/A-2b，存档用）。
    #[arg(value_name = "标准", long, value_enum, default_value_t)]
    pub pdf_standard: StandardArg,
    /// PDF 和 Excel 工作簿中记录的日期（1970 年起的秒数，也可用环境变量 SOURCE_DATE_EPOCH 设）；不设时用预算年度的 1 月 1 日，保证每次输出完全相同。
    #[arg(
        value_name = "秒数",
        long,
        env = "SOURCE_DATE_EPOCH",
        hide_env_values = true
    )]
    pub source_date_epoch: Option<i64>,
}

/// Settings of the pages' pictures.
#[derive(Debug, clap::Args)]
pub struct PictureArgs {
    /// PNG 图片的分辨率（每英寸像素数，10 到 600）。默认：144；印刷用可写 300。
    #[arg(value_name = "像素", long, default_value_t = crate::render::picture::DEFAULT_PPI, value_parser = ppi)]
    pub ppi: u32,
    /// 只生成这些页的图片，如 1、2-4、1,3-5。默认：每一页。
    #[arg(value_name = "页码", long)]
    pub pages: Option<crate::render::picture::PageSet>,
}

impl From<&PictureArgs> for crate::render::picture::PictureSettings {
    fn from(a: &PictureArgs) -> Self {
        Self {
            ppi: a.ppi,
            pages: a.pages.clone(),
        }
    }
}

fn ppi(s: &str) -> Result<u32, String> {
    let range = crate::render::picture::PPI;
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            format!(
                "分辨率应是 {} 到 {} 之间的整数（每英寸像素数）",
                range.start(),
                range.end()
            )
        })
}

/// Which outputs to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FormatArg {
    /// PDF 和 Excel 工作簿
    #[default]
    All,
    /// 只生成 PDF
    Pdf,
    /// 只生成 Excel 工作簿
    Xlsx,
    /// 只生成 JSON（检查无误的数据，供其他系统读取）
    Json,
    /// 每页一张 PNG 图片
    Png,
    /// 每页一张 SVG 矢量图
    Svg,
}

impl FormatArg {
    /// The outputs of every format in `list`, as `--format pdf,png` asks.
    pub fn combine(list: &[FormatArg]) -> crate::batch::Format {
        use crate::batch::Format;
        list.iter()
            .map(|f| match f {
                FormatArg::All => Format::ALL,
                FormatArg::Pdf => Format::PDF,
                FormatArg::Xlsx => Format::XLSX,
                FormatArg::Json => Format::JSON,
                FormatArg::Png => Format::PNG,
                FormatArg::Svg => Format::SVG,
            })
            .reduce(Format::and)
            .unwrap_or_default()
    }
}

/// PDF flavours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum StandardArg {
    /// 普通 PDF 1.7，带无障碍标签
    #[default]
    #[value(name = "pdf")]
    Plain,
    /// PDF/A-2b，存档用
    #[value(name = "a-2b")]
    A2b,
}

impl From<StandardArg> for crate::render::pdf::Standard {
    fn from(s: StandardArg) -> Self {
        match s {
            StandardArg::Plain => Self::Plain,
            StandardArg::A2b => Self::A2b,
        }
    }
}

/// The command line as a clerk reads it: headings, `-h`/`--help` and
/// `-V`/`--version` in Chinese, on every command. clap's own words are
/// English; the derive above gives the rest.
pub fn command() -> clap::Command {
    localize(Cli::command(), "jixiao")
}

fn localize(cmd: clap::Command, path: &str) -> clap::Command {
    let top = !path.contains(' ');
    // The help texts say the values, defaults and variables in Chinese.
    let cmd = cmd.mut_args(|a| {
        if a.get_action().takes_values() {
            a.hide_possible_values(true)
                .hide_default_value(true)
                .hide_env(true)
        } else {
            a.hide_env(true)
        }
    });
    let has = |f: fn(&Arg) -> bool| cmd.get_arguments().any(f);
    let positionals = has(Arg::is_positional);
    let subcommands = cmd.has_subcommands();
    let mut template = String::from("{about-with-newline}\n用法：{usage}\n");
    if subcommands {
        template.push_str("\n命令：\n{subcommands}\n");
    }
    if positionals {
        template.push_str("\n参数：\n{positionals}\n");
    }
    template.push_str("\n选项：\n{options}{after-help}");
    let mut cmd = cmd
        .help_template(template)
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("显示帮助"),
        );
    if top {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本"),
        );
    }
    let usage = cmd
        .clone()
        .subcommand_value_name("命令")
        .bin_name(path)
        .render_usage()
        .to_string();
    let usage = usage
        .trim()
        .trim_start_matches("Usage:")
        .trim()
        .replace("[OPTIONS]", "[选项]");
    cmd.override_usage(usage)
        .subcommand_value_name("命令")
        .mut_subcommands(|sub| {
            let name = format!("{path} {}", sub.get_name());
            localize(sub, &name)
        })
}

/// Parses the command line. Help and version print and exit 0; a mistake
/// is explained in Chinese, with the usage, and exits 2.
pub fn parse() -> Cli {
    let result = command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    match result {
        Ok(cli) => cli,
        Err(e) => match e.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => e.exit(),
            _ => {
                use std::io::Write as _;
                let _ = write!(std::io::stderr(), "{}", explain(&e));
                std::process::exit(2);
            }
        },
    }
}

/// A clap error in the clerk's words.
pub fn explain(e: &clap::Error) -> String {
    let ctx = |k: ContextKind| e.get(k).map(|v| v.to_string()).unwrap_or_default();
    let arg = ctx(ContextKind::InvalidArg);
    let value = ctx(ContextKind::InvalidValue);
    let mut text = match e.kind() {
        ErrorKind::InvalidValue => {
            let valid = ctx(ContextKind::ValidValue);
            if value.is_empty() {
                format!("“{arg}”后面要写一个值")
            } else if valid.is_empty() {
                format!("“{arg}”的值“{value}”不对")
            } else {
                format!("“{arg}”的值“{value}”不对；可以写：{valid}")
            }
        }
        ErrorKind::UnknownArgument => format!("不认识的参数“{arg}”"),
        ErrorKind::InvalidSubcommand => format!(
            "不认识的命令“{}”；可用的命令：check、new、render、batch、watch、schema、completions",
            ctx(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(e)
                .map(|s| format!("：{s}"))
                .unwrap_or_default();
            format!("“{arg}”的值“{value}”不对{why}")
        }
        ErrorKind::MissingRequiredArgument => format!("缺少必须写的参数：{arg}"),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "缺少要执行的命令".to_string()
        }
        ErrorKind::ArgumentConflict => {
            format!("“{arg}”不能和“{}”一起使用", ctx(ContextKind::PriorArg))
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("“{arg}”的值的个数不对")
        }
        ErrorKind::InvalidUtf8 => "命令行中有无法识别的字符".to_string(),
        _ => format!("命令写得不对：{}", e.render()),
    };
    text.insert_str(0, "错误：");
    text.push('\n');
    for kind in [
        ContextKind::SuggestedArg,
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedValue,
    ] {
        let s = ctx(kind);
        if !s.is_empty() {
            text.push_str(&format!("  是不是要写“{s}”？\n"));
        }
    }
    let usage = ctx(ContextKind::Usage);
    if !usage.is_empty() {
        let usage = usage.trim().trim_start_matches("Usage:").trim();
        text.push_str(&format!("\n用法：{usage}\n"));
    }
    text.push_str("\n运行 jixiao --help 或 jixiao <命令> --help 查看说明和例子。\n");
    text
}
