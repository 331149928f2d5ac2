//! Questions on a terminal (dialoguer). Callers check that stdin is a terminal first.

use crate::error::Error;
use dialoguer::{Confirm, Input};

pub fn confirm(question: &str) -> Result<bool, Error> {
    Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .map_err(|e| Error::usage(format!("cannot read the answer: {e}")))
}

pub fn input(question: &str, default: &str) -> Result<String, Error> {
    Input::<String>::new()
        .with_prompt(question)
        .default(default.to_string())
        .allow_empty(true)
        .interact_text()
        .map_err(|e| Error::usage(format!("cannot read the answer: {e}")))
}
