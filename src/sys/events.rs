//! What long-running work tells the person watching while it goes: a step begins, a status line,
//! a warning, a success. The domain layers (`lane/`, `queue/`) speak only through this trait;
//! `ui::Ui` implements it, so they never print and never hold a `Ui`.

use crate::sys::process::Capture;

pub trait Events {
    /// A numbered step of a longer sequence begins (`3/8 fetch and rebase`).
    fn step(&self, what: &str);
    /// Progress for people.
    fn status(&self, what: &str);
    /// Something the person should know; the work goes on.
    fn warn(&self, what: &str);
    /// A part of the work is done.
    fn success(&self, what: &str);
    /// A part of the work failed; the work may go on (a failed check among several).
    fn failure(&self, what: &str);
    /// A counter for work over several lanes (a bar on a terminal, nothing elsewhere).
    fn progress(&self, len: usize, what: &str) -> Box<dyn Ticker>;
    /// Where the output of check commands goes (streamed to stderr, or dropped under `--quiet`).
    fn child_output(&self) -> Capture;
}

/// Progress of one piece of work, shared by the threads doing it.
pub trait Ticker: Sync {
    /// What is being worked on now.
    fn message(&self, what: &str);
    /// One more item done.
    fn inc(&self);
    /// All done: the counter goes away.
    fn finish(&self);
}

impl Ticker for () {
    fn message(&self, _: &str) {}
    fn inc(&self) {}
    fn finish(&self) {}
}

/// Events nobody watches (tests, and work whose messages would only repeat another's).
pub struct Silent;

impl Events for Silent {
    fn step(&self, _: &str) {}
    fn status(&self, _: &str) {}
    fn warn(&self, _: &str) {}
    fn success(&self, _: &str) {}
    fn failure(&self, _: &str) {}
    fn progress(&self, _: usize, _: &str) -> Box<dyn Ticker> {
        Box::new(())
    }
    fn child_output(&self) -> Capture {
        Capture::Discard
    }
}
