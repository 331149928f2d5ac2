//! Progress for multi-lane work. Hidden unless stderr is a terminal (and never with --quiet or
//! --json); drawn from the start, since a lane checkout rarely takes less than a moment.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(len: usize, what: &str, visible: bool) -> Progress {
        if !visible {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} {prefix} [{pos}/{len}] {wide_msg}")
            .expect("static template")
            .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ ");
        bar.set_style(style);
        bar.set_prefix(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar: Some(bar) }
    }

    pub fn message(&self, msg: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(msg.to_string());
        }
    }

    pub fn inc(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Print a line above the bar so that the bar does not tear it.
    pub fn println(&self, line: &str) -> bool {
        match &self.bar {
            Some(bar) => {
                bar.println(line);
                true
            }
            None => false,
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

impl crate::sys::events::Ticker for Progress {
    fn message(&self, what: &str) {
        Progress::message(self, what)
    }
    fn inc(&self) {
        Progress::inc(self)
    }
    fn finish(&self) {
        Progress::finish(self)
    }
}
