//! A token bucket: at most `rate` calls a second on average, with bursts of `burst`. It paces
//! the calls of services whose rates are low or shared: Organizations and STS in a scan, Security
//! Hub imports in `publish`. And the cool-downs before a read that failed for a reason that can
//! pass is tried again.

use std::time::{Duration, Instant};

/// The bucket's state: tokens now, and when they were counted.
#[derive(Debug)]
pub struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// A full bucket at `now`: `burst` calls may go at once, then `rate` a second.
    pub fn new(rate: f64, burst: u32, now: Instant) -> Bucket {
        let burst = f64::from(burst.max(1));
        Bucket {
            rate: rate.max(0.001),
            burst,
            tokens: burst,
            at: now,
        }
    }

    /// Take a token at `now`: `None` when one was free (and is taken), else how long to wait
    /// before asking again.
    pub fn take(&mut self, now: Instant) -> Option<Duration> {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
        }
    }
}

/// A bucket shared by the tasks calling one endpoint.
#[derive(Debug)]
pub struct Pace(tokio::sync::Mutex<Bucket>);

impl Pace {
    /// `rate` calls a second, bursts of `burst`.
    pub fn new(rate: f64, burst: u32) -> Pace {
        Pace(tokio::sync::Mutex::new(Bucket::new(
            rate,
            burst,
            Instant::now(),
        )))
    }

    /// Wait until a call may go. Waiters are served in turn (the lock is fair).
    pub async fn ready(&self) {
        let mut bucket = self.0.lock().await;
        while let Some(wait) = bucket.take(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }
}

/// Cool-downs at most before a transient failure is given up: the recovery pass's passes, and
/// the tries of a page of a listing that cannot start over.
pub const COOLDOWNS: u32 = 4;

/// The cool-down before pass `pass` (0-based): 1 s doubled per pass, at most 8 s, then a random
/// half to all of it, so that throttled callers do not come back together.
pub fn cooldown(pass: u32) -> Duration {
    jitter(Duration::from_secs(1u64 << pass.min(3)))
}

/// A random half to all of `full`, so that callers paused together do not come back together.
pub fn jitter(full: Duration) -> Duration {
    let mut b = [0u8; 2];
    let r = if getrandom::fill(&mut b).is_ok() {
        f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX)
    } else {
        0.5
    };
    full.mul_f64(0.5 + 0.5 * r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_goes_at_once_then_the_rate_holds() {
        let t0 = Instant::now();
        let mut b = Bucket::new(10.0, 30, t0);
        for _ in 0..30 {
            assert_eq!(b.take(t0), None);
        }
        let wait = b.take(t0).expect("the 31st call waits");
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-9, "{wait:?}");
        // Over 10 seconds, 100 more calls go, and no more.
        let mut n = 0;
        let mut t = t0;
        let end = t0 + Duration::from_secs(10);
        while t <= end {
            match b.take(t) {
                None => n += 1,
                Some(w) => t += w,
            }
        }
        // 100, give or take the rounding of the last wait.
        assert!((99..=100).contains(&n), "{n}");
    }

    #[test]
    fn a_cool_down_doubles_per_pass_up_to_8_s_with_jitter_of_half() {
        for (pass, full) in [(0, 1), (1, 2), (2, 4), (3, 8), (9, 8)] {
            let full = Duration::from_secs(full);
            for _ in 0..20 {
                let c = cooldown(pass);
                assert!(c >= full / 2 && c <= full, "pass {pass}: {c:?}");
            }
        }
    }

    #[test]
    fn an_idle_bucket_fills_to_its_burst_only() {
        let t0 = Instant::now();
        let mut b = Bucket::new(3.0, 6, t0);
        for _ in 0..6 {
            assert_eq!(b.take(t0), None);
        }
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..6 {
            assert_eq!(b.take(later), None);
        }
        assert!(b.take(later).is_some());
    }
}
