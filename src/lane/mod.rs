//! The lifecycle of one lane, as a library: its state, checks, policy adapter, merge journal.
//! Functions here return data and errors; they never print and never take a `Context` or a `Ui`.

pub mod checks;
pub mod journal;
pub mod markers;
pub mod policy;
pub mod state;
