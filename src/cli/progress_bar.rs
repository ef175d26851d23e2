//! The build's progress as a bar on standard error, hidden when that is not a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::progress::Progress;

pub(crate) struct ProgressBarReport {
    bar: ProgressBar,
}

impl ProgressBarReport {
    pub(crate) fn new() -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} letters  {wide_msg}")
                .expect("a valid progress template"),
        );
        ProgressBarReport { bar }
    }
}

impl Progress for ProgressBarReport {
    fn start(&self, total: usize) {
        self.bar.set_length(total as u64);
    }

    fn letter_done(&self, name: &str) {
        self.bar.set_message(name.to_string());
        self.bar.inc(1);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
