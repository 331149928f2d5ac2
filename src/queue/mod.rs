//! Task queue: model, YAML parsing with spans, surgical edits, validation.

pub mod edit;
mod fast;
pub mod model;
pub mod parse;
mod yaml;

pub use edit::set_fields;
pub use model::*;
pub use parse::{parse, source_line, QueueError, MAX_QUEUE_BYTES};
