//! The figures of the letters: counts per authority, the measures the template declares
//! ([`crate::input::Declaration`]), their exact values, their rounding, the average in similar
//! authorities and where each authority sits among them.
//!
//! Pure functions of a validated [`Publication`]; no I/O. A measure's value stays an exact
//! fraction until the moment it is printed, so rounding happens once, exactly, with halves away
//! from zero: a rate as a whole percentage, a count per residents to one decimal.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;

use crate::input::{
    AuthorityType, AverageMethod, Counter, DecisionOutcome, Measure, MeasureKind, Publication,
    Quantity,
};

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

    /// The rate times `scale`, rounded to a whole number, halves away from zero; `None` when
    /// there is no denominator. With `scale` 100, the whole percentage.
    pub(crate) fn rounded(self, scale: u64) -> Option<u64> {
        if self.denominator == 0 {
            return None;
        }
        // round(s·n/d) = floor((2·s·n + d) / 2d) for non-negative s, n and d.
        let (n, d) = (u128::from(self.numerator), u128::from(self.denominator));
        let s = u128::from(scale);
        u64::try_from((2 * s * n + d) / (2 * d)).ok()
    }

    /// The whole percentage, halves away from zero; `None` when there is no denominator.
    #[cfg(test)]
    fn percent(self) -> Option<u64> {
        self.rounded(100)
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

/// Rounds an exact fraction times `scale` to a whole number, halves away from zero.
fn round_scaled(fraction: BigRational, scale: u64) -> u64 {
    let scaled = (fraction * BigInt::from(scale)).round();
    u64::try_from(scaled.to_integer()).unwrap_or(u64::MAX)
}

/// How a measure's values are printed: times what, rounded to a whole number of what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// A whole percentage: the rate times 100.
    Percent,
    /// Tenths: the count per residents times 10, printed with one decimal (3.9).
    Tenths,
}

impl Unit {
    pub(crate) fn of(measure: &Measure) -> Unit {
        match measure.kind {
            MeasureKind::Rate { .. } => Unit::Percent,
            MeasureKind::PerResidents { .. } => Unit::Tenths,
        }
    }

    fn scale(self) -> u64 {
        match self {
            Unit::Percent => 100,
            Unit::Tenths => 10,
        }
    }

    /// `value` as this unit prints it: `74` (a percentage, without its sign) or `3.9`.
    pub(crate) fn text(self, value: u64) -> String {
        match self {
            Unit::Percent => value.to_string(),
            Unit::Tenths => format!("{}.{}", value / 10, value % 10),
        }
    }
}

/// Decisions of one service area, by outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct CategoryCounts {
    /// Indexed like [`DecisionOutcome::ALL`].
    pub(crate) by_outcome: [u64; 6],
}

impl CategoryCounts {
    pub(crate) fn decisions(&self) -> u64 {
        self.by_outcome.iter().sum()
    }

    /// A quantity of decision outcomes (its other counters count nothing here).
    pub(crate) fn quantity(&self, quantity: Quantity) -> u64 {
        quantity
            .counters()
            .map(|counter| match counter {
                Counter::Outcome(outcome) => self.by_outcome[outcome as usize],
                _ => 0,
            })
            .sum()
    }
}

/// Everything counted for one authority: every decision outcome, remedies and public reports,
/// every compliance outcome, and decisions by service area.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Counts {
    /// Decisions by outcome, indexed like [`DecisionOutcome::ALL`].
    pub(crate) by_outcome: [u64; 6],
    pub(crate) remedied_by_authority: u64,
    pub(crate) public_reports: u64,
    /// Compliance outcomes, indexed like [`ComplianceOutcome::ALL`].
    pub(crate) by_compliance: [u64; 3],
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

    pub(crate) fn counter(&self, counter: Counter) -> u64 {
        match counter {
            Counter::Outcome(outcome) => self.outcome(outcome),
            Counter::RemediedByAuthority => self.remedied_by_authority,
            Counter::PublicReports => self.public_reports,
            Counter::Compliance(outcome) => self.by_compliance[outcome as usize],
        }
    }

    /// The sum of the quantity's counters.
    pub(crate) fn quantity(&self, quantity: Quantity) -> u64 {
        quantity
            .counters()
            .map(|counter| self.counter(counter))
            .sum()
    }
}

/// The spread of one measure's values among authorities of one type: the five-number summary,
/// each a real authority's value (nearest rank), so every figure printed from it is a value that
/// some authority has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Distribution {
    /// Authorities of the type with a value.
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

/// One declared measure's figures for the whole publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MeasureStatistics {
    pub(crate) measure: Measure,
    /// Each authority's value, by authority index.
    values: Vec<Rate>,
    /// Averages by type; `None` when no authority of the type has a value.
    averages: Vec<Option<u64>>,
    /// The values of each type with a denominator, sorted ascending.
    peers: Vec<Vec<Rate>>,
}

impl MeasureStatistics {
    pub(crate) fn unit(&self) -> Unit {
        Unit::of(&self.measure)
    }

    /// Authority `index`'s value.
    pub(crate) fn value(&self, index: usize) -> Rate {
        self.values[index]
    }

    /// The rounded average in authorities of type `kind`.
    pub(crate) fn average(&self, kind: AuthorityType) -> Option<u64> {
        self.averages[kind as usize]
    }

    /// The sorted values (with a denominator) among authorities of type `kind`.
    fn peers(&self, kind: AuthorityType) -> &[Rate] {
        &self.peers[kind as usize]
    }

    /// The spread among authorities of type `kind`.
    pub(crate) fn distribution(&self, kind: AuthorityType) -> Option<Distribution> {
        Distribution::of(self.peers(kind))
    }

    /// The quarter of its type's spread that `value` falls in (see [`Distribution::quarter`]).
    pub(crate) fn quarter(&self, kind: AuthorityType, value: Rate) -> Option<u8> {
        self.distribution(kind)?.quarter(self.peers(kind), value)
    }

    /// `value` rounded in this measure's unit.
    pub(crate) fn rounded(&self, value: Rate) -> Option<u64> {
        value.rounded(self.unit().scale())
    }
}

/// The figures of a whole publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statistics {
    /// Counts by authority index.
    pub(crate) counts: Vec<Counts>,
    /// The declared measures, in the declaration's order.
    pub(crate) measures: Vec<MeasureStatistics>,
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
        counts.by_category[decision.category].by_outcome[decision.outcome as usize] += 1;
        counts.remedied_by_authority += u64::from(decision.remedied_by_authority);
        counts.public_reports += u64::from(decision.public_report);
    }
    for record in &publication.extract.compliance {
        counts[record.authority].by_compliance[record.outcome as usize] += 1;
    }
    counts
}

/// Computes every declared figure of every letter of `publication`.
pub(crate) fn compute(publication: &Publication) -> Statistics {
    let counts = count(publication);
    let measures = publication
        .declaration
        .measures
        .iter()
        .map(|measure| {
            let values: Vec<Rate> = publication
                .authorities
                .iter()
                .zip(&counts)
                .map(|(authority, counts)| {
                    let numerator = counts.quantity(measure.numerator);
                    match measure.kind {
                        MeasureKind::Rate { denominator } => {
                            Rate::new(numerator, counts.quantity(denominator))
                        }
                        MeasureKind::PerResidents { per } => Rate::new(
                            numerator.saturating_mul(per),
                            authority.population.unwrap_or(0),
                        ),
                    }
                })
                .collect();
            let scale = Unit::of(measure).scale();
            let mut averages = Vec::new();
            let mut peers = Vec::new();
            for kind in AuthorityType::ALL {
                let of_kind: Vec<Rate> = publication
                    .authorities
                    .iter()
                    .zip(&values)
                    .filter(|(authority, _)| authority.kind == kind)
                    .map(|(_, value)| *value)
                    .collect();
                averages.push(average(&of_kind, measure.average, scale));
                let mut with_data: Vec<Rate> =
                    of_kind.into_iter().filter(|r| r.denominator != 0).collect();
                with_data.sort_by(|a, b| a.cmp_value(*b));
                peers.push(with_data);
            }
            MeasureStatistics {
                measure: measure.clone(),
                values,
                averages,
                peers,
            }
        })
        .collect();
    Statistics { counts, measures }
}

/// The average of `rates` by `method`, times `scale` and rounded, ignoring rates without a
/// denominator; `None` when none has one.
pub(crate) fn average(rates: &[Rate], method: AverageMethod, scale: u64) -> Option<u64> {
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
            Some(round_scaled(sum / BigInt::from(with_data.len()), scale))
        }
        AverageMethod::Pooled => {
            let numerator: u128 = with_data.iter().map(|r| u128::from(r.numerator)).sum();
            let denominator: u128 = with_data.iter().map(|r| u128::from(r.denominator)).sum();
            Some(round_scaled(
                BigRational::new(BigInt::from(numerator), BigInt::from(denominator)),
                scale,
            ))
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
    fn counts_per_residents_round_to_tenths_halves_away_from_zero() {
        // Kent 2024-25: 63 upheld among 1,610,000 residents, per 100,000: 3.913… → 3.9.
        let kent = Rate::new(63 * 100_000, 1_610_000);
        assert_eq!(kent.rounded(10), Some(39));
        assert_eq!(Unit::Tenths.text(39), "3.9");
        assert_eq!(Unit::Tenths.text(40), "4.0");
        assert_eq!(Unit::Tenths.text(5), "0.5");
        // 0.25 per 100,000 → 2.5 tenths → 3 → 0.3.
        assert_eq!(Rate::new(100_000, 400_000).rounded(10), Some(3));
        // A pooled average of counts per residents: (3 + 1) × 100,000 / 1,600,000 = 0.25 → 0.3.
        let councils = [Rate::new(300_000, 800_000), Rate::new(100_000, 800_000)];
        assert_eq!(average(&councils, AverageMethod::Pooled, 10), Some(3));
        // The mean of the values: (0.375 + 0.125) / 2 = 0.25 → 0.3 as well; 0.375 alone → 0.4.
        assert_eq!(average(&councils, AverageMethod::MeanOfRates, 10), Some(3));
        assert_eq!(
            average(&councils[..1], AverageMethod::MeanOfRates, 10),
            Some(4)
        );
    }

    #[test]
    fn a_zero_denominator_has_no_percentage() {
        assert_eq!(Rate::new(0, 0).percent(), None);
    }

    #[test]
    fn mean_of_rates_averages_unrounded_rates_and_skips_empty_ones() {
        // 1/8 = 12.5 % and 0/1 = 0 %: the mean is 6.25 %, not (13 + 0) / 2 = 6.5 → 7.
        let rates = [Rate::new(1, 8), Rate::new(0, 1), Rate::new(0, 0)];
        assert_eq!(average(&rates, AverageMethod::MeanOfRates, 100), Some(6));
        // The mean lands exactly on a half: (25 % + 0 %) / 2 = 12.5 % → 13 %.
        let halves = [Rate::new(1, 4), Rate::new(0, 3)];
        assert_eq!(average(&halves, AverageMethod::MeanOfRates, 100), Some(13));
        // 3/8 and 3/8 → 37.5 % → 38 %.
        assert_eq!(
            average(
                &[Rate::new(3, 8), Rate::new(6, 16)],
                AverageMethod::MeanOfRates,
                100
            ),
            Some(38)
        );
    }

    #[test]
    fn pooled_divides_summed_numerators_by_summed_denominators() {
        // (1 + 0) / (8 + 1) = 11.1 %, whereas the mean of rates is 6.25 %.
        let rates = [Rate::new(1, 8), Rate::new(0, 1), Rate::new(0, 0)];
        assert_eq!(average(&rates, AverageMethod::Pooled, 100), Some(11));
        assert_eq!(
            average(
                &[Rate::new(1, 4), Rate::new(2, 4)],
                AverageMethod::Pooled,
                100
            ),
            Some(38)
        );
    }

    #[test]
    fn an_average_without_any_denominator_is_none() {
        assert_eq!(
            average(&[Rate::new(0, 0)], AverageMethod::MeanOfRates, 100),
            None
        );
        assert_eq!(average(&[], AverageMethod::Pooled, 100), None);
    }

    #[test]
    fn the_mean_of_many_rates_is_exact() {
        // Thirds whose mean is exactly 12.5 %: exact arithmetic rounds it up, never down.
        let mut rates = vec![Rate::new(1, 3); 3];
        rates.extend([Rate::new(0, 7); 5]);
        // (3 × 1/3) / 8 = 12.5 % → 13 %.
        assert_eq!(average(&rates, AverageMethod::MeanOfRates, 100), Some(13));
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
