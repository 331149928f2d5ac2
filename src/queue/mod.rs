//! Task queue: model, YAML parsing with spans, surgical edits, validation.

mod fast;
pub mod model;
mod yaml;

pub use model::*;
