//! Reconnect delays: exponential with full jitter (AWS's "full jitter"), so that fifty
//! terminals that lost the server together do not all knock again in the same instant.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    attempt: u32,
}

impl Default for Backoff {
    /// From a quarter second up to 30 seconds.
    fn default() -> Self {
        Backoff::new(Duration::from_millis(250), Duration::from_secs(30))
    }
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Self {
        Backoff {
            base,
            cap: cap.max(base),
            attempt: 0,
        }
    }

    /// The delay before the next attempt: uniform in [0, min(cap, base · 2^attempt)],
    /// never below a tenth of `base` so a lost link is not hammered.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let floor = self.base / 10;
        let span = ceiling.saturating_sub(floor).as_millis() as u64;
        floor + Duration::from_millis(fastrand::u64(0..=span))
    }

    /// The upper bound of the next delay.
    pub fn ceiling(&self) -> Duration {
        let factor = 1u32.checked_shl(self.attempt.min(20)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// After a success: the next failure starts from the shortest delay again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// The shortest delay.
    pub fn base(&self) -> Duration {
        self.base
    }

    /// The longest delay.
    pub fn cap(&self) -> Duration {
        self.cap
    }

    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}
