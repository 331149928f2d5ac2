//! All terminal output of `wt`. Data (tables, paths, JSON) goes to stdout; messages for people
//! (status, warnings, hints, errors) go to stderr and vanish under `--quiet`. Nothing outside this
//! module prints. A closed stdout (`wt status | head -1`) ends the process quietly with exit 0.

pub mod graph;
pub mod handoff;
pub mod packet;
mod progress;
mod prompt;
mod screen;
mod style;
pub mod table;

pub use crate::lane::findings::{Check, CheckStatus};
pub use progress::Progress;
pub use screen::Screen;
pub use style::{ColorChoice, Style};

use crate::error::Error;
use serde::Serialize;
use std::io::{self, IsTerminal, Write};

/// What a command hands `ui` when it is done: the same data as JSON (with `--json`) or as text.
/// `Ui::report` chooses; no command decides JSON versus text by itself.
pub trait Report: Serialize {
    /// Lines for people on stderr, in text and JSON mode alike (`--quiet` drops them).
    fn tell(&self, _ui: &Ui) {}
    /// The text form of the data, on stdout.
    fn show(&self, ui: &Ui);
}

/// A report that is also a file people keep (`wt handoff --out`): JSON or its text form.
pub trait Document: Serialize {
    fn text(&self) -> String;
}

pub struct Ui {
    quiet: bool,
    json: bool,
    style: Style,
    stdin_tty: bool,
    stderr_tty: bool,
    stdout_tty: bool,
}

impl Ui {
    pub fn new(quiet: bool, json: bool, color: ColorChoice) -> Ui {
        let stderr_tty = io::stderr().is_terminal();
        Ui {
            quiet,
            json,
            style: Style::new(color, stderr_tty),
            stdin_tty: io::stdin().is_terminal(),
            stderr_tty,
            stdout_tty: io::stdout().is_terminal(),
        }
    }

    pub fn json_mode(&self) -> bool {
        self.json
    }

    /// `--quiet`: only errors on stderr.
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    pub fn style(&self) -> &Style {
        &self.style
    }

    /// One line of data on stdout.
    pub fn data(&self, line: &str) {
        write_stdout(format_args!("{line}\n"));
    }

    /// A block of text on stdout, as it is (a graph, a brief).
    pub fn text(&self, text: &str) {
        write_stdout(format_args!("{text}"));
    }

    /// Exactly one JSON document on stdout.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) {
        let text = serde_json::to_string_pretty(value).expect("wt's JSON values always serialize");
        write_stdout(format_args!("{text}\n"));
    }

    /// A command's report: its messages for people, then its data as JSON or as text.
    pub fn report<R: Report + ?Sized>(&self, report: &R) {
        report.tell(self);
        if self.json {
            self.json(report);
        } else {
            report.show(self);
        }
    }

    /// A document's contents as the output mode asks: pretty JSON, or its text form.
    pub fn document<D: Document + ?Sized>(&self, doc: &D) -> String {
        if self.json {
            serde_json::to_string_pretty(doc).expect("wt's JSON values always serialize") + "\n"
        } else {
            doc.text()
        }
    }

    /// A progress or status message for people.
    pub fn status(&self, message: &str) {
        if !self.quiet {
            write_stderr(format_args!("{message}\n"));
        }
    }

    /// A step heading, e.g. in `wt demo` or `wt merge`.
    pub fn step(&self, message: &str) {
        if !self.quiet {
            write_stderr(format_args!("{}\n", self.style.bold(message)));
        }
    }

    pub fn success(&self, message: &str) {
        if !self.quiet {
            write_stderr(format_args!("{} {message}\n", self.style.green("✓")));
        }
    }

    pub fn warn(&self, message: &str) {
        if !self.quiet {
            write_stderr(format_args!(
                "{} {message}\n",
                self.style.yellow("warning:")
            ));
        }
    }

    pub fn hint(&self, message: &str) {
        if !self.quiet {
            write_stderr(format_args!("{} {message}\n", self.style.dim("hint:")));
        }
    }

    /// Errors are shown even under `--quiet`: a script needs to know why it failed.
    /// Values from files (a role name, a queue id) may hold control characters: they are shown
    /// escaped, never sent to the terminal as escape sequences.
    pub fn error(&self, err: &Error) {
        write_stderr(format_args!(
            "{} {}\n",
            self.style.red("error:"),
            printable(&err.message)
        ));
        for line in &err.details {
            write_stderr(format_args!("    {}\n", printable(line)));
        }
        // why: most causes are already quoted in the message; show only what it does not say.
        for cause in err
            .causes()
            .iter()
            .filter(|c| !err.message.contains(c.as_str()))
        {
            write_stderr(format_args!("    caused by: {}\n", printable(cause)));
        }
        for hint in &err.hints {
            write_stderr(format_args!(
                "{} {}\n",
                self.style.dim("hint:"),
                printable(hint)
            ));
        }
    }

    /// The end of a failed command: the error, rendered once, and the exit code it carries.
    pub fn fail(&self, err: &Error) -> u8 {
        self.error(err);
        err.exit_code()
    }

    /// A progress bar for multi-lane work: only on a terminal, never with --quiet or --json.
    pub fn progress(&self, len: usize, what: &str) -> Progress {
        let visible = self.stderr_tty && !self.quiet && !self.json;
        Progress::new(len, what, visible)
    }

    /// Ask a yes/no question. `assume_yes` (from `--yes`) answers yes; without a terminal to ask
    /// on nothing can answer, so that is an error telling the user to pass --yes.
    pub fn confirm(&self, question: &str, assume_yes: bool) -> Result<bool, Error> {
        if assume_yes {
            return Ok(true);
        }
        if !self.can_prompt() {
            return Err(
                Error::usage(format!("{question}: cannot ask without a terminal"))
                    .hint("pass --yes to confirm"),
            );
        }
        prompt::confirm(question)
    }

    /// Ask for a line of text, with a default. Callers check `can_prompt` first and offer a flag
    /// instead; this refuses too, so that no code path can wait on a pipe for an answer.
    pub fn ask(&self, question: &str, default: &str) -> Result<String, Error> {
        if !self.can_prompt() {
            return Err(Error::usage(format!(
                "{question}: cannot ask without a terminal"
            )));
        }
        prompt::input(question, default)
    }

    /// A list of checks as a report on stdout: `ok   name  detail`, fixes under failures.
    pub fn checks(&self, title: &str, checks: &[Check]) {
        self.status(&self.style.bold(title));
        let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
        for c in checks {
            let mark = match c.status {
                CheckStatus::Ok => "ok  ",
                CheckStatus::Warn => "warn",
                CheckStatus::Fail => "FAIL",
            };
            self.data(&format!("{mark} {:<width$}  {}", c.name, c.detail));
            if c.status != CheckStatus::Ok && !c.fix.is_empty() {
                self.data(&format!("     {:<width$}  fix: {}", "", c.fix));
            }
        }
    }

    /// Whether stdin is a terminal: when it is not, `--yes` is implied (SPEC section 3).
    pub fn interactive(&self) -> bool {
        self.stdin_tty
    }

    /// Whether a question can be asked at all: someone can type on stdin and the question (drawn
    /// on stderr, as dialoguer does) can be seen.
    pub fn can_prompt(&self) -> bool {
        self.stdin_tty && self.stderr_tty
    }
}

/// The domain layers' messages, shown as `Ui` shows its own.
impl crate::sys::events::Events for Ui {
    fn step(&self, what: &str) {
        Ui::step(self, what)
    }
    fn status(&self, what: &str) {
        Ui::status(self, what)
    }
    fn warn(&self, what: &str) {
        Ui::warn(self, what)
    }
    fn success(&self, what: &str) {
        Ui::success(self, what)
    }
    fn progress(&self, len: usize, what: &str) -> Box<dyn crate::sys::events::Ticker> {
        Box::new(Ui::progress(self, len, what))
    }
    fn failure(&self, what: &str) {
        Ui::status(self, &format!("{} {what}", self.style.red("✗")))
    }
    /// why: `--quiet` leaves only errors on stderr, and a check's own output is not an error
    /// (its failure is reported by wt with its exit code).
    fn child_output(&self) -> crate::sys::process::Capture {
        if self.quiet {
            crate::sys::process::Capture::Discard
        } else {
            crate::sys::process::Capture::Stream
        }
    }
}

pub use crate::sys::files::lossy_path;

/// The name wt runs under when it is not `wt` (`git-lanes`), set once at start.
static PROGRAM: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// Tell `ui` the name the program was installed as, so that the commands its messages suggest
/// (`` `wt merge A` ``) read as that name would type them (`` `git lanes merge A` ``).
pub fn set_program(name: &'static str) {
    let _ = PROGRAM.set(name);
}

/// Messages for people: a closed stderr (`2>&- `, a reader gone) is not worth a panic.
fn write_stderr(args: std::fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    if PROGRAM.get() == Some(&"git-lanes") {
        // why: every suggested command is written `wt ...` between backticks; data on stdout
        // (tables, JSON argv) keeps `wt`, which scripts match on.
        let text = args.to_string().replace("`wt ", "`git lanes ");
        let _ = err.write_all(text.as_bytes());
    } else {
        let _ = err.write_fmt(args);
    }
}

/// `text` with control characters other than tab escaped (`\u{1b}`).
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| match c {
            '\t' => "\t".to_string(),
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect::<String>()
        .into()
}

fn write_stdout(args: std::fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    let result = out.write_fmt(args).and_then(|_| out.flush());
    if let Err(e) = result {
        if e.kind() == io::ErrorKind::BrokenPipe {
            // why: the reader is gone (`| head`); that is not a failure of wt.
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(3);
    }
}

pub use crate::sys::quote::{quote_path, quote_word};

/// `wt setup --json` (and `wt teardown --recreate --json`): one row per lane. People were told
/// each lane's line as it was set up.
impl Report for Vec<crate::lane::setup::Done> {
    fn show(&self, _ui: &Ui) {}
}
