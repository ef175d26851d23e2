//! Case references `YY NNN NNN`, unique across the decisions and the compliance outcomes.

use std::collections::BTreeSet;

use crate::calendar::{NEW_YEAR, PERIOD_DAYS};
use crate::decisions::NATIONAL_DECISIONS;
use crate::rng::Rng;

/// More decisions than this would crowd the six-digit case numbers of one year.
pub const MAX_DECISIONS: usize = 600_000;

/// Hands out unique references `YY NNN NNN` (year received, then a six-digit number).
pub struct References {
    used: BTreeSet<(u32, u32)>,
    /// Numbers issued per year, grown with the requested volume so the space never crowds.
    span: u32,
}

impl References {
    pub fn new(total_decisions: usize) -> References {
        let copies = total_decisions.div_ceil(NATIONAL_DECISIONS).max(1);
        let span = (18_000 * copies).min(999_999) as u32;
        References {
            used: BTreeSet::new(),
            span,
        }
    }

    /// A fresh reference for `year`, its number drawn below `fraction` of the year's span
    /// (early in a year only low numbers have been issued).
    pub fn issue(&mut self, rng: &mut Rng, year: u32, fraction: f64) -> String {
        let limit = ((f64::from(self.span) * fraction.clamp(0.0, 1.0)) as u32).clamp(500, 999_999);
        // Linear probing from a random start terminates: MAX_DECISIONS leaves every year
        // with free numbers.
        let mut number = 1 + rng.below(u64::from(limit)) as u32;
        while !self.used.insert((year, number)) {
            number = if number >= 999_999 { 1 } else { number + 1 };
        }
        format!("{year:02} {:03} {:03}", number / 1000, number % 1000)
    }

    /// Reference for a case decided on `day`: most were received in 2019-20 or 2020-21,
    /// later decisions increasingly the newer year, a few older ones, and some quick
    /// closures in the final quarter were received in 2021.
    pub fn for_decision(&mut self, rng: &mut Rng, day: u32) -> String {
        let progress = f64::from(day) / f64::from(PERIOD_DAYS);
        let ticket = rng.unit();
        let p18 = 0.03;
        let p19 = 0.80 - 0.65 * progress;
        let p21 = if day >= NEW_YEAR { 0.04 } else { 0.0 };
        if ticket < p18 {
            self.issue(rng, 18, 1.0)
        } else if ticket < p18 + p19 {
            self.issue(rng, 19, 1.0)
        } else if ticket < p18 + p19 + p21 {
            let into = f64::from(day - NEW_YEAR + 10) / f64::from(PERIOD_DAYS);
            self.issue(rng, 21, into)
        } else {
            // Received no later than the decision; a 45-day head start on average.
            self.issue(rng, 20, (f64::from(day) + 45.0) / f64::from(PERIOD_DAYS))
        }
    }
}
