//! Task queue: model, YAML parsing with spans, surgical edits, validation.
