//! A board redrawn in place on the terminal (`wt status --watch`): each frame clears the screen
//! and starts at the top; the cursor is hidden while it runs and shown again when the board is
//! dropped, whatever ended it. Nothing else about the terminal is changed (no raw mode, no
//! alternate screen), so the last frame stays readable after Ctrl-C.

use super::{write_stdout, Ui};

pub struct Screen<'a> {
    ui: &'a Ui,
}

impl Ui {
    /// Whether stdout is a terminal (a board can only be drawn there).
    pub fn stdout_is_terminal(&self) -> bool {
        self.stdout_tty
    }

    /// Start a board: hide the cursor until the returned guard is dropped.
    pub fn screen(&self) -> Screen<'_> {
        write_stdout(format_args!("\x1b[?25l"));
        Screen { ui: self }
    }
}

impl Screen<'_> {
    /// Clear the screen and write the frame's first line.
    pub fn frame(&self, header: &str) {
        write_stdout(format_args!(
            "\x1b[H\x1b[2J{}\n\n",
            self.ui.style().bold(header)
        ));
    }
}

impl Drop for Screen<'_> {
    fn drop(&mut self) {
        write_stdout(format_args!("\x1b[?25h"));
    }
}
