//! The handoff report on stdout (Markdown) or in a file (`--out`, Markdown or JSON).

use crate::lane::handoff::{render, Handoff};

impl crate::ui::Report for Handoff {
    fn show(&self, ui: &crate::ui::Ui) {
        ui.data(render(self).trim_end());
    }
}

impl crate::ui::Document for Handoff {
    fn text(&self) -> String {
        render(self)
    }
}
