//! Task queue: model, YAML parsing with spans, surgical edits, validation.

mod fast;
pub mod model;
pub mod parse;
mod yaml;

pub use model::*;
pub use parse::{parse, source_line, QueueError, MAX_QUEUE_BYTES};
