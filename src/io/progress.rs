//! A one-line progress indicator on standard error, for long imports.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Redraws "label … 42 %" in place on standard error. It draws nothing when standard
/// error is not a terminal (scripts, logs, tests), nor during the first half second, so
/// small files never show it; and it redraws at most ten times a second.
pub struct ProgressLine {
    label: String,
    enabled: bool,
    started: Instant,
    last: Option<Instant>,
}

const QUIET_START: Duration = Duration::from_millis(500);
const EVERY: Duration = Duration::from_millis(100);

impl ProgressLine {
    pub fn stderr(label: impl Into<String>) -> Self {
        ProgressLine {
            label: label.into(),
            enabled: std::io::stderr().is_terminal(),
            started: Instant::now(),
            last: None,
        }
    }

    /// Changes the label, for the next step of the same work.
    pub fn relabel(&mut self, label: impl Into<String>) {
        self.label = label.into();
    }

    /// `done` of `total` (bytes or rows).
    pub fn update(&mut self, done: u64, total: u64) {
        let now = Instant::now();
        if !self.enabled
            || now.duration_since(self.started) < QUIET_START
            || self.last.is_some_and(|l| now.duration_since(l) < EVERY)
        {
            return;
        }
        self.last = Some(now);
        let percent = (done.saturating_mul(100))
            .checked_div(total)
            .unwrap_or(100)
            .min(100);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{} … {percent} %", self.label);
        let _ = err.flush();
    }

    /// Clears the line, if anything was drawn.
    pub fn finish(&mut self) {
        if self.last.take().is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.finish();
    }
}
