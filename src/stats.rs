//! The figures of the letters: counts per authority, the three rates, their rounding, the
//! average in similar authorities and where each authority sits among them.
//!
//! Pure functions of a validated [`Publication`]; no I/O. Rates stay exact fractions until the
//! moment they are printed, so rounding happens once, exactly, with halves away from zero.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;

use crate::input::{AuthorityType, AverageMethod, ComplianceOutcome, DecisionOutcome, Publication};

/// A fraction `numerator / denominator`; the denominator may be zero (no data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub(crate) struct Rate {
    pub(crate) numerator: u64,
    pub(crate) denominator: u64,
}

impl Rate {
    pub(crate) fn new(numerator: u64, denominator: u64) -> Self {
        Rate {
            numerator,
            denominator,
        }
    }

    /// The whole percentage, halves away from zero; `None` when there is no denominator.
    pub(crate) fn percent(self) -> Option<u64> {
        if self.denominator == 0 {
            return None;
        }
        // round(100·n/d) = floor((200·n + d) / 2d) for non-negative n and d.
        let (n, d) = (u128::from(self.numerator), u128::from(self.denominator));
        Some(((200 * n + d) / (2 * d)) as u64)
    }

    /// Compares two rates exactly (both must have a denominator).
    pub(crate) fn cmp_value(self, other: Rate) -> Ordering {
        let left = u128::from(self.numerator) * u128::from(other.denominator);
        let right = u128::from(other.numerator) * u128::from(self.denominator);
        left.cmp(&right)
    }

    fn exact(self) -> BigRational {
        BigRational::new(BigInt::from(self.numerator), BigInt::from(self.denominator))
    }
}

/// Rounds an exact percentage to a whole one, halves away from zero.
fn round_percent(fraction: BigRational) -> u64 {
    let percent = (fraction * BigInt::from(100)).round();
    u64::try_from(percent.to_integer()).unwrap_or(u64::MAX)
}

/// The three statistics of a letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Statistic {
    /// Upheld ÷ detailed investigations.
    UpheldRate,
    /// (Complied + complied late) ÷ all compliance outcomes.
    Compliance,
    /// Upheld and remedied by the authority ÷ upheld.
    SatisfactoryRemedy,
}

impl Statistic {
    pub(crate) const ALL: [Statistic; 3] = [
        Statistic::UpheldRate,
        Statistic::Compliance,
        Statistic::SatisfactoryRemedy,
    ];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    pub(crate) fn rate(self, counts: &Counts) -> Rate {
        match self {
            Statistic::UpheldRate => Rate::new(counts.upheld(), counts.detailed_investigations()),
            Statistic::Compliance => Rate::new(
                counts.complied + counts.complied_late,
                counts.compliance_outcomes(),
            ),
            Statistic::SatisfactoryRemedy => {
                Rate::new(counts.remedied_by_authority, counts.upheld())
            }
        }
    }

    /// How the statistic reads in words, e.g. in `status` reasons.
    pub(crate) fn description(self) -> &'static str {
        match self {
            Statistic::UpheldRate => "upheld rate",
            Statistic::Compliance => "compliance rate",
            Statistic::SatisfactoryRemedy => "satisfactory remedy rate",
        }
    }
}

/// Decisions of one service area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct CategoryCounts {
    pub(crate) decisions: u64,
    pub(crate) detailed_investigations: u64,
    pub(crate) upheld: u64,
}

/// Everything counted for one authority.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Counts {
    /// Decisions by outcome, indexed like [`DecisionOutcome::ALL`].
    pub(crate) by_outcome: [u64; 6],
    pub(crate) remedied_by_authority: u64,
    pub(crate) public_reports: u64,
    pub(crate) complied: u64,
    pub(crate) complied_late: u64,
    pub(crate) not_complied: u64,
    /// Indexed like the extract's categories.
    pub(crate) by_category: Vec<CategoryCounts>,
}

impl Counts {
    pub(crate) fn decisions(&self) -> u64 {
        self.by_outcome.iter().sum()
    }

    pub(crate) fn outcome(&self, outcome: DecisionOutcome) -> u64 {
        self.by_outcome[outcome as usize]
    }

    pub(crate) fn upheld(&self) -> u64 {
        self.outcome(DecisionOutcome::Upheld)
    }

    pub(crate) fn detailed_investigations(&self) -> u64 {
        self.upheld() + self.outcome(DecisionOutcome::NotUpheld)
    }

    pub(crate) fn compliance_outcomes(&self) -> u64 {
        self.complied + self.complied_late + self.not_complied
    }
}

/// The spread of one statistic's rates among authorities of one type: the five-number summary,
/// each a real authority's rate (nearest rank), so every figure printed from it is a rate that
/// some authority has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Distribution {
    /// Authorities of the type with a rate.
    pub(crate) with_data: usize,
    pub(crate) lowest: Rate,
    pub(crate) lower_quartile: Rate,
    pub(crate) median: Rate,
    pub(crate) upper_quartile: Rate,
    pub(crate) highest: Rate,
}

impl Distribution {
    /// The summary of ascending `sorted` rates; `None` when there are none.
    fn of(sorted: &[Rate]) -> Option<Distribution> {
        let n = sorted.len();
        // Nearest rank: the smallest rate with at least the fraction `p` of rates at or below it.
        let rank = |p_num: usize, p_den: usize| sorted[(n * p_num).div_ceil(p_den).max(1) - 1];
        (n > 0).then(|| Distribution {
            with_data: n,
            lowest: sorted[0],
            lower_quartile: rank(1, 4),
            median: rank(1, 2),
            upper_quartile: rank(3, 4),
            highest: sorted[n - 1],
        })
    }

    /// Which quarter of the spread `rate` falls in, 1 (lowest) to 4 (highest); `None` when fewer
    /// than four authorities have a rate. A rate equal to the highest is in the highest quarter
    /// and one equal to the lowest in the lowest, however many share it (most councils comply
    /// with every recommendation, and 100 % must not read as "the lowest quarter"); between them,
    /// ties count half below and half above.
    pub(crate) fn quarter(&self, sorted: &[Rate], rate: Rate) -> Option<u8> {
        if self.with_data < 4 || rate.denominator == 0 {
            return None;
        }
        if rate.cmp_value(self.highest) != Ordering::Less {
            return Some(4);
        }
        if rate.cmp_value(self.lowest) != Ordering::Greater {
            return Some(1);
        }
        let lower = sorted.partition_point(|p| p.cmp_value(rate) == Ordering::Less);
        let not_higher = sorted.partition_point(|p| p.cmp_value(rate) != Ordering::Greater);
        // Twice the number of other rates below this one, ties split evenly, over twice the
        // number of other rates.
        let below_twice = 2 * lower + (not_higher - lower).saturating_sub(1);
        let others_twice = 2 * (self.with_data - 1);
        Some((1 + 4 * below_twice / others_twice).min(4) as u8)
    }
}

/// The figures of a whole publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statistics {
    /// Counts by authority index.
    pub(crate) counts: Vec<Counts>,
    /// Averages by type, then statistic; `None` when no authority of the type has a denominator.
    averages: Vec<[Option<u64>; 3]>,
    /// The rates of each type and statistic with a denominator, sorted ascending.
    peers: Vec<[Vec<Rate>; 3]>,
    pub(crate) method: AverageMethod,
}

impl Statistics {
    /// The rounded average of `statistic` in authorities of type `kind`.
    pub(crate) fn average(&self, kind: AuthorityType, statistic: Statistic) -> Option<u64> {
        self.averages[kind as usize][statistic.index()]
    }

    /// The sorted rates (with a denominator) of `statistic` among authorities of type `kind`.
    pub(crate) fn peers(&self, kind: AuthorityType, statistic: Statistic) -> &[Rate] {
        &self.peers[kind as usize][statistic.index()]
    }

    /// The spread of `statistic` among authorities of type `kind`.
    pub(crate) fn distribution(
        &self,
        kind: AuthorityType,
        statistic: Statistic,
    ) -> Option<Distribution> {
        Distribution::of(self.peers(kind, statistic))
    }

    /// The quarter of its type's spread that `rate` falls in (see [`Distribution::quarter`]).
    pub(crate) fn quarter(
        &self,
        kind: AuthorityType,
        statistic: Statistic,
        rate: Rate,
    ) -> Option<u8> {
        self.distribution(kind, statistic)?
            .quarter(self.peers(kind, statistic), rate)
    }
}

/// Counts every decision and compliance outcome of `publication` by authority.
pub(crate) fn count(publication: &Publication) -> Vec<Counts> {
    let categories = publication.extract.categories.len();
    let mut counts = vec![
        Counts {
            by_category: vec![CategoryCounts::default(); categories],
            ..Counts::default()
        };
        publication.authorities.len()
    ];
    for decision in &publication.extract.decisions {
        let counts = &mut counts[decision.authority];
        counts.by_outcome[decision.outcome as usize] += 1;
        let category = &mut counts.by_category[decision.category];
        category.decisions += 1;
        match decision.outcome {
            DecisionOutcome::Upheld => {
                category.detailed_investigations += 1;
                category.upheld += 1;
            }
            DecisionOutcome::NotUpheld => category.detailed_investigations += 1,
            _ => {}
        }
        counts.remedied_by_authority += u64::from(decision.remedied_by_authority);
        counts.public_reports += u64::from(decision.public_report);
    }
    for record in &publication.extract.compliance {
        let counts = &mut counts[record.authority];
        match record.outcome {
            ComplianceOutcome::Complied => counts.complied += 1,
            ComplianceOutcome::CompliedLate => counts.complied_late += 1,
            ComplianceOutcome::NotComplied => counts.not_complied += 1,
        }
    }
    counts
}

/// Computes every figure of every letter of `publication`.
pub(crate) fn compute(publication: &Publication) -> Statistics {
    let counts = count(publication);
    let method = publication.config.average;
    let mut averages = Vec::new();
    let mut peers = Vec::new();
    for kind in AuthorityType::ALL {
        let of_kind: Vec<&Counts> = publication
            .authorities
            .iter()
            .zip(&counts)
            .filter(|(authority, _)| authority.kind == kind)
            .map(|(_, counts)| counts)
            .collect();
        let rates_of = |statistic: Statistic| -> Vec<Rate> {
            of_kind.iter().map(|c| statistic.rate(c)).collect()
        };
        averages.push(Statistic::ALL.map(|s| average(&rates_of(s), method)));
        peers.push(Statistic::ALL.map(|s| {
            let mut rates: Vec<Rate> = rates_of(s)
                .into_iter()
                .filter(|r| r.denominator != 0)
                .collect();
            rates.sort_by(|a, b| a.cmp_value(*b));
            rates
        }));
    }
    Statistics {
        counts,
        averages,
        peers,
        method,
    }
}

/// The rounded average of `rates` by `method`, ignoring rates without a denominator; `None` when
/// none has one.
pub(crate) fn average(rates: &[Rate], method: AverageMethod) -> Option<u64> {
    let with_data: Vec<Rate> = rates
        .iter()
        .copied()
        .filter(|r| r.denominator != 0)
        .collect();
    if with_data.is_empty() {
        return None;
    }
    match method {
        AverageMethod::MeanOfRates => {
            let sum = with_data
                .iter()
                .fold(BigRational::zero(), |sum, r| sum + r.exact());
            Some(round_percent(sum / BigInt::from(with_data.len())))
        }
        AverageMethod::Pooled => {
            let numerator = with_data.iter().map(|r| r.numerator).sum();
            let denominator = with_data.iter().map(|r| r.denominator).sum();
            Rate::new(numerator, denominator).percent()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_halves_away_from_zero() {
        assert_eq!(Rate::new(1, 8).percent(), Some(13)); // 12.5
        assert_eq!(Rate::new(3, 8).percent(), Some(38)); // 37.5
        assert_eq!(Rate::new(5, 40).percent(), Some(13));
        assert_eq!(Rate::new(40, 54).percent(), Some(74)); // 74.07
        assert_eq!(Rate::new(1, 3).percent(), Some(33));
        assert_eq!(Rate::new(2, 3).percent(), Some(67));
        assert_eq!(Rate::new(0, 7).percent(), Some(0));
        assert_eq!(Rate::new(33, 33).percent(), Some(100));
        assert_eq!(Rate::new(199, 200).percent(), Some(100)); // 99.5
        assert_eq!(Rate::new(397, 400).percent(), Some(99)); // 99.25
    }

    #[test]
    fn a_zero_denominator_has_no_percentage() {
        assert_eq!(Rate::new(0, 0).percent(), None);
    }

    #[test]
    fn mean_of_rates_averages_unrounded_rates_and_skips_empty_ones() {
        // 1/8 = 12.5 % and 0/1 = 0 %: the mean is 6.25 %, not (13 + 0) / 2 = 6.5 → 7.
        let rates = [Rate::new(1, 8), Rate::new(0, 1), Rate::new(0, 0)];
        assert_eq!(average(&rates, AverageMethod::MeanOfRates), Some(6));
        // The mean lands exactly on a half: (25 % + 0 %) / 2 = 12.5 % → 13 %.
        let halves = [Rate::new(1, 4), Rate::new(0, 3)];
        assert_eq!(average(&halves, AverageMethod::MeanOfRates), Some(13));
        // 3/8 and 3/8 → 37.5 % → 38 %.
        assert_eq!(
            average(
                &[Rate::new(3, 8), Rate::new(6, 16)],
                AverageMethod::MeanOfRates
            ),
            Some(38)
        );
    }

    #[test]
    fn pooled_divides_summed_numerators_by_summed_denominators() {
        // (1 + 0) / (8 + 1) = 11.1 %, whereas the mean of rates is 6.25 %.
        let rates = [Rate::new(1, 8), Rate::new(0, 1), Rate::new(0, 0)];
        assert_eq!(average(&rates, AverageMethod::Pooled), Some(11));
        assert_eq!(
            average(&[Rate::new(1, 4), Rate::new(2, 4)], AverageMethod::Pooled),
            Some(38)
        );
    }

    #[test]
    fn an_average_without_any_denominator_is_none() {
        assert_eq!(
            average(&[Rate::new(0, 0)], AverageMethod::MeanOfRates),
            None
        );
        assert_eq!(average(&[], AverageMethod::Pooled), None);
    }

    #[test]
    fn the_mean_of_many_rates_is_exact() {
        // Thirds whose mean is exactly 12.5 %: exact arithmetic rounds it up, never down.
        let mut rates = vec![Rate::new(1, 3); 3];
        rates.extend([Rate::new(0, 7); 5]);
        // (3 × 1/3) / 8 = 12.5 % → 13 %.
        assert_eq!(average(&rates, AverageMethod::MeanOfRates), Some(13));
    }

    #[test]
    fn the_spread_uses_nearest_ranks_and_quarters_count_lower_rates() {
        let sorted: Vec<Rate> = (1..=8).map(|n| Rate::new(n, 10)).collect();
        let spread = Distribution::of(&sorted).unwrap();
        assert_eq!(spread.with_data, 8);
        assert_eq!(spread.lowest, Rate::new(1, 10));
        assert_eq!(spread.lower_quartile, Rate::new(2, 10));
        assert_eq!(spread.median, Rate::new(4, 10));
        assert_eq!(spread.upper_quartile, Rate::new(6, 10));
        assert_eq!(spread.highest, Rate::new(8, 10));
        assert_eq!(spread.quarter(&sorted, Rate::new(1, 10)), Some(1));
        assert_eq!(spread.quarter(&sorted, Rate::new(3, 10)), Some(2));
        assert_eq!(spread.quarter(&sorted, Rate::new(6, 10)), Some(3));
        assert_eq!(spread.quarter(&sorted, Rate::new(7, 10)), Some(4));
        assert_eq!(spread.quarter(&sorted, Rate::new(8, 10)), Some(4));
        assert_eq!(spread.quarter(&sorted, Rate::new(0, 0)), None);
        assert_eq!(Distribution::of(&[]), None);
        // Most at 100 %: a council at 100 % is in the highest quarter, not the lowest.
        let compliance = [
            Rate::new(97, 100),
            Rate::new(1, 1),
            Rate::new(2, 2),
            Rate::new(3, 3),
            Rate::new(4, 4),
        ];
        let spread = Distribution::of(&compliance).unwrap();
        assert_eq!(spread.quarter(&compliance, Rate::new(5, 5)), Some(4));
        assert_eq!(spread.quarter(&compliance, Rate::new(97, 100)), Some(1));
        let few = [Rate::new(1, 2), Rate::new(2, 3)];
        assert_eq!(Distribution::of(&few).unwrap().quarter(&few, few[0]), None);
    }
}
