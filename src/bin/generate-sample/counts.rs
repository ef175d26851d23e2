//! Every authority's figures, fixed before any row is written: how many decisions, how many
//! of them investigated, upheld, remedied and reported, and its compliance outcomes. The pinned
//! figures (Kent's own, the County Council averages, the national totals) are met here.

use std::collections::BTreeSet;

use crate::authorities::Authority;
use crate::register::Group;
use crate::rng::Rng;
use crate::year::Spec;
use crate::{compliance, decisions};

/// Stay this close to a target, so the mean sits at least 0.35 from a .5 rounding edge.
const TARGET_TOLERANCE: f64 = 0.15;

/// Per-authority figures, fixed before any row is written.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub decisions: usize,
    pub investigations: usize,
    pub upheld: usize,
    pub remedied: usize,
    pub reports: usize,
    pub compliance: usize,
    pub complied_late: usize,
    pub not_complied: usize,
    /// Decisions neither upheld nor not upheld by outcome, in the order of
    /// [`OTHER_OUTCOMES`](decisions::OTHER_OUTCOMES), when pinned; otherwise each is drawn.
    pub others: Option<[usize; 4]>,
}

/// The councils whose averages are pinned: County Council averages are published over the
/// original register's counties (`members`); all but Kent may be moved to meet them
/// (`tunable`).
pub struct Counties {
    pub members: Vec<usize>,
    pub tunable: Vec<usize>,
}

impl Counties {
    fn of(authorities: &[Authority]) -> Counties {
        let members: Vec<usize> = authorities
            .iter()
            .filter(|a| a.copy == 1 && a.group == Group::County)
            .map(|a| a.index)
            .collect();
        let tunable = members
            .iter()
            .copied()
            .filter(|&i| !authorities[i].is_kent())
            .collect();
        Counties { members, tunable }
    }
}

/// Every authority's figures, from its number of decisions (`volumes`).
pub fn plan(
    seed: u64,
    spec: &Spec,
    authorities: &[Authority],
    volumes: &[usize],
    total_decisions: usize,
) -> Vec<Counts> {
    let mut counts: Vec<Counts> = volumes
        .iter()
        .map(|&decisions| Counts {
            decisions,
            ..Counts::default()
        })
        .collect();
    let counties = Counties::of(authorities);
    decisions::count(
        seed,
        spec,
        authorities,
        &counties,
        total_decisions,
        &mut counts,
    );
    compliance::count(seed, spec, authorities, &counties, &mut counts);
    counts
}

/// Mean of per-council rates (percent) over councils with a non-zero denominator: the
/// method the letters use for comparison-group averages.
pub fn mean_rate(pairs: impl Iterator<Item = (usize, usize)>) -> Option<f64> {
    let rates: Vec<f64> = pairs
        .filter(|&(_, d)| d > 0)
        .map(|(n, d)| n as f64 / d as f64 * 100.0)
        .collect();
    (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64)
}

/// Nudges numerators of the tunable councils one at a time until the mean of rates is within
/// [`TARGET_TOLERANCE`] of `target`. A step that lands inside the tolerance is taken at once;
/// otherwise the council furthest from the target in the wrong direction moves, so no single
/// council is pushed to an odd rate.
pub fn tune_mean(
    counts: &mut [Counts],
    members: &[usize],
    tunable: &[usize],
    target: f64,
    numerator: fn(&mut Counts) -> &mut usize,
    denominator: fn(&Counts) -> usize,
) {
    let mean = |counts: &mut [Counts]| {
        let pairs: Vec<(usize, usize)> = members
            .iter()
            .map(|&i| (*numerator(&mut counts[i]), denominator(&counts[i])))
            .collect();
        mean_rate(pairs.into_iter())
    };
    for _ in 0..10_000 {
        let Some(current) = mean(counts) else { return };
        let gap = target - current;
        if gap.abs() <= TARGET_TOLERANCE {
            return;
        }
        let up = gap > 0.0;
        let movable: Vec<usize> = tunable
            .iter()
            .copied()
            .filter(|&i| {
                let d = denominator(&counts[i]);
                let n = *numerator(&mut counts[i]);
                d > 0 && if up { n < d } else { n > 0 }
            })
            .collect();
        if movable.is_empty() {
            return;
        }
        let members_len = members
            .iter()
            .filter(|&&i| denominator(&counts[i]) > 0)
            .count() as f64;
        let step =
            |counts: &mut [Counts], i: usize| 100.0 / denominator(&counts[i]) as f64 / members_len;
        let landing = movable
            .iter()
            .copied()
            .map(|i| (i, (gap.abs() - step(counts, i)).abs()))
            .filter(|&(_, left)| left <= TARGET_TOLERANCE)
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let chosen = landing.map(|(i, _)| i).unwrap_or_else(|| {
            let rate = |counts: &mut [Counts], i: usize| {
                *numerator(&mut counts[i]) as f64 / denominator(&counts[i]) as f64
            };
            let mut best = movable[0];
            for &i in &movable[1..] {
                let (ri, rb) = (rate(counts, i), rate(counts, best));
                if (up && ri < rb) || (!up && ri > rb) {
                    best = i;
                }
            }
            best
        });
        let n = numerator(&mut counts[chosen]);
        if up {
            *n += 1;
        } else {
            *n -= 1;
        }
    }
}

/// Moves the national sum of one count (`count`) to `target`, one unit at a time on random
/// units of the `owners`: up into the room each has below its `ceiling`, or down out of what
/// it has.
pub fn meet_total(
    rng: &mut Rng,
    counts: &mut [Counts],
    owners: &[usize],
    target: usize,
    count: fn(&mut Counts) -> &mut usize,
    ceiling: fn(&Counts) -> usize,
) {
    let current: usize = counts.iter_mut().map(|c| *count(c)).sum();
    let up = target > current;
    let pool: Vec<(usize, usize)> = owners
        .iter()
        .map(|&i| {
            let n = *count(&mut counts[i]);
            (i, if up { ceiling(&counts[i]) - n } else { n })
        })
        .collect();
    for i in pick_in_pool(rng, &pool, target.abs_diff(current)) {
        let n = count(&mut counts[i]);
        if up {
            *n += 1;
        } else {
            *n -= 1;
        }
    }
}

/// Shares `total` out in proportion to `weights` (largest remainder, ties to the earlier
/// item), so the shares add up to `total` exactly.
pub fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * total as f64).collect();
    let mut shares: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let given: usize = shares.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().take(total.saturating_sub(given)) {
        shares[i] += 1;
    }
    shares
}

/// Picks `k` distinct items from a pool given as (owner, items owned), returning the owner
/// of each pick (Floyd's algorithm over the flattened pool).
pub fn pick_in_pool(rng: &mut Rng, pool: &[(usize, usize)], k: usize) -> Vec<usize> {
    let size: usize = pool.iter().map(|&(_, n)| n).sum();
    let k = k.min(size);
    let mut chosen = BTreeSet::new();
    for j in size - k..size {
        let t = rng.below(j as u64 + 1) as usize;
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    let mut owners = Vec::with_capacity(k);
    let mut start = 0;
    let mut picks = chosen.into_iter().peekable();
    for &(owner, n) in pool {
        while picks.peek().is_some_and(|&p| p < start + n) {
            picks.next();
            owners.push(owner);
        }
        start += n;
    }
    owners
}
