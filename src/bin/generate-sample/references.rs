//! Case references `YY NNN NNN`, unique across the decisions and the compliance outcomes.

use std::collections::BTreeSet;

use crate::calendar::{Calendar, NEW_YEAR};
use crate::rng::Rng;
use crate::year::Spec;

/// More decisions than this would crowd the six-digit case numbers of one year.
pub const MAX_DECISIONS: usize = 600_000;

/// Hands out unique references `YY NNN NNN` (year received, then a six-digit number).
pub struct References {
    used: BTreeSet<(u32, u32)>,
    /// Numbers issued per year, grown with the requested volume so the space never crowds.
    span: u32,
    /// The reporting year's first year, two digits (`20` for 2020-21).
    year: u32,
}

impl References {
    pub fn new(spec: &Spec, total_decisions: usize) -> References {
        let copies = total_decisions.div_ceil(spec.decisions).max(1);
        let span = (spec.reference_span as usize * copies).min(999_999) as u32;
        References {
            used: BTreeSet::new(),
            span,
            year: spec.first_year % 100,
        }
    }

    /// A reference received `back` years before the reporting year began (1 or 2), for a
    /// compliance outcome of a remedy agreed in an earlier year.
    pub fn earlier(&mut self, rng: &mut Rng, back: u32) -> String {
        self.issue(rng, self.year - back, 1.0)
    }

    /// A fresh reference for `year`, its number drawn below `fraction` of the year's span
    /// (early in a year only low numbers have been issued).
    fn issue(&mut self, rng: &mut Rng, year: u32, fraction: f64) -> String {
        let limit = ((f64::from(self.span) * fraction.clamp(0.0, 1.0)) as u32).clamp(500, 999_999);
        // Linear probing from a random start terminates: MAX_DECISIONS leaves every year
        // with free numbers.
        let mut number = 1 + rng.below(u64::from(limit)) as u32;
        while !self.used.insert((year, number)) {
            number = if number >= 999_999 { 1 } else { number + 1 };
        }
        format!("{year:02} {:03} {:03}", number / 1000, number % 1000)
    }

    /// Reference for a case decided on `day`: most were received in the year before the
    /// reporting year began or in its first calendar year (2019 or 2020 for 2020-21), later
    /// decisions increasingly the newer, a few older ones, and some quick closures in the final
    /// quarter were received in its second calendar year (2021).
    pub fn for_decision(&mut self, rng: &mut Rng, calendar: &Calendar, day: u32) -> String {
        let days = f64::from(calendar.days);
        let progress = f64::from(day) / days;
        let ticket = rng.unit();
        let older = 0.03;
        let before = 0.80 - 0.65 * progress;
        let next = if day >= NEW_YEAR { 0.04 } else { 0.0 };
        let year = self.year;
        if ticket < older {
            self.issue(rng, year - 2, 1.0)
        } else if ticket < older + before {
            self.issue(rng, year - 1, 1.0)
        } else if ticket < older + before + next {
            let into = f64::from(day - NEW_YEAR + 10) / days;
            self.issue(rng, year + 1, into)
        } else {
            // Received no later than the decision; a 45-day head start on average.
            self.issue(rng, year, (f64::from(day) + 45.0) / days)
        }
    }
}
