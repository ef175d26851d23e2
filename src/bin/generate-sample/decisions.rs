//! The decisions: how many each authority gets, how many of them are investigated, upheld,
//! remedied and reported (Kent's pinned, the County Council averages and the year's national
//! totals met), and their rows.

use crate::authorities::{Authority, SCILLY_CODE, authority_field};
use crate::calendar::Calendar;
use crate::counts::{Counties, Counts, apportion, meet_total, pick_in_pool, tune_mean};
use crate::references::References;
use crate::register::{Behaviour, Group};
use crate::rng::Rng;
use crate::sample::SampleError;
use crate::year::Spec;

pub const CATEGORIES: [&str; 8] = [
    "Adult care services",
    "Benefits and tax",
    "Corporate and other services",
    "Education and children's services",
    "Environmental services, public protection and regulation",
    "Highways and transport",
    "Housing",
    "Planning and development",
];

/// Outcomes other than an investigation; the year gives their weights among such decisions.
/// The first is "assessed and closed" in the 2024-25 complaint overview, the others "not for
/// us".
pub const OTHER_OUTCOMES: [&str; 4] = [
    "Closed after initial enquiries",
    "Referred back for local resolution",
    "Incomplete/Invalid",
    "Advice given",
];

// ---------------------------------------------------------------------------------------------
// How many.

/// Each authority's number of decisions: `total` shared by population and tier, with local
/// variation; none for the Isles of Scilly.
pub fn volumes(
    seed: u64,
    spec: &Spec,
    authorities: &[Authority],
    total: usize,
) -> Result<Vec<usize>, SampleError> {
    let weight = |a: &Authority| a.population * a.group.volume_weight();
    // Local variation: some councils simply attract more complaints per head.
    let weights: Vec<f64> = authorities
        .iter()
        .map(|a| {
            if a.base_code == SCILLY_CODE || a.is_kent() {
                0.0
            } else {
                let mut rng = Rng::stream(seed, "volume", a.index as u64, 0);
                weight(a) * rng.between(0.75, 1.3)
            }
        })
        .collect();

    let Some(kent) = authorities.iter().position(Authority::is_kent) else {
        return Ok(apportion(total, &weights));
    };
    // Kent takes its pinned number, or its plain population share but never fewer than its
    // pinned cases need.
    let all: f64 = weights.iter().sum::<f64>() + weight(&authorities[kent]);
    let share = if all > 0.0 {
        (weight(&authorities[kent]) / all * total as f64).round() as usize
    } else {
        0
    };
    let kent_decisions = spec
        .kent
        .decisions
        .unwrap_or(share.max(spec.kent.min_decisions));
    if total < kent_decisions {
        return Err(SampleError::TooFewDecisions {
            requested: total,
            minimum: kent_decisions,
        });
    }
    let mut volumes = apportion(total - kent_decisions, &weights);
    volumes[kent] = kent_decisions;
    Ok(volumes)
}

/// Fills in the investigations, upheld, remedied and reported counts of every authority, whose
/// `decisions` are set.
pub fn count(
    seed: u64,
    spec: &Spec,
    authorities: &[Authority],
    counties: &Counties,
    total_decisions: usize,
    counts: &mut [Counts],
) {
    let kent = &spec.kent;
    // Investigations first; each authority's stream then draws its upheld cases.
    let mut streams: Vec<Rng> = Vec::with_capacity(authorities.len());
    for (a, c) in authorities.iter().zip(counts.iter_mut()) {
        let mut rng = Rng::stream(seed, "investigations", a.index as u64, 0);
        if a.is_kent() {
            c.investigations = kent.investigations;
            c.upheld = kent.upheld;
            c.others = kent.others;
        } else {
            let rate = spec.investigation_rate * rng.between(0.8, 1.2);
            c.investigations = rng.round(c.decisions as f64 * rate).min(c.decisions);
        }
        streams.push(rng);
    }

    // The three smallest original districts get no investigation, so the letters always meet
    // councils with decisions but nothing investigated.
    let mut small: Vec<usize> = authorities
        .iter()
        .filter(|a| a.copy == 1 && a.group == Group::District)
        .map(|a| a.index)
        .collect();
    small.sort_by(|&x, &y| {
        authorities[x]
            .population
            .total_cmp(&authorities[y].population)
            .then(x.cmp(&y))
    });
    let small = &small[..small.len().min(3)];
    for &i in small {
        counts[i].investigations = 0;
    }

    // The year's national total of investigations, met on random decisions of the others.
    let per_copy = total_decisions as f64 / spec.decisions as f64;
    let scaled = |figure: usize| (figure as f64 * per_copy).round() as usize;
    let movable = |a: &Authority| !a.is_kent() && !small.contains(&a.index);
    if let Some(national) = &spec.national {
        let owners: Vec<usize> = authorities
            .iter()
            .filter(|a| movable(a))
            .map(|a| a.index)
            .collect();
        meet_total(
            &mut Rng::stream(seed, "national investigations", 0, 0),
            counts,
            &owners,
            scaled(national.investigations),
            |c| &mut c.investigations,
            |c| c.decisions,
        );
    }

    for ((a, c), rng) in authorities.iter().zip(counts.iter_mut()).zip(&mut streams) {
        if a.is_kent() {
            continue;
        }
        let upheld =
            (spec.upheld_base(a.group) + rng.between(-0.1, 0.1)).clamp(0.3, spec.upheld_max);
        c.upheld = rng
            .round(c.investigations as f64 * upheld)
            .min(c.investigations);
    }

    tune_mean(
        counts,
        &counties.members,
        &counties.tunable,
        spec.county_upheld,
        |c| &mut c.upheld,
        |c| c.investigations,
    );

    // The year's national total of upheld decisions, met outside the County Councils, whose
    // average is pinned.
    if let Some(national) = &spec.national {
        let owners: Vec<usize> = authorities
            .iter()
            .filter(|a| movable(a) && a.group != Group::County)
            .map(|a| a.index)
            .collect();
        meet_total(
            &mut Rng::stream(seed, "national upheld", 0, 0),
            counts,
            &owners,
            scaled(national.upheld),
            |c| &mut c.upheld,
            |c| c.investigations,
        );
    }

    // Remedies, once upheld counts are final.
    for (a, c) in authorities.iter().zip(counts.iter_mut()) {
        let mut rng = Rng::stream(seed, "remedied", a.index as u64, 0);
        c.remedied = match kent.remedied {
            Some(remedied) if a.is_kent() => remedied,
            _ => {
                let rate = (spec.remedy_base(a.group) + rng.between(-0.04, 0.04)).max(0.0);
                rng.round(c.upheld as f64 * rate).min(c.upheld)
            }
        };
    }
    if let Some(target) = spec.county_remedy {
        tune_mean(
            counts,
            &counties.members,
            &counties.tunable,
            target,
            |c| &mut c.remedied,
            |c| c.upheld,
        );
    }

    // Public reports: a national handful on random upheld cases, and Kent's own when pinned.
    let kent_pinned = |a: &Authority| a.is_kent() && kent.reports.is_some();
    let pool: Vec<(usize, usize)> = authorities
        .iter()
        .zip(counts.iter())
        .filter(|(a, _)| !kent_pinned(a))
        .map(|(a, c)| (a.index, c.upheld))
        .collect();
    let wanted = (spec.reports * per_copy).round();
    let mut rng = Rng::stream(seed, "reports", 0, 0);
    for i in pick_in_pool(&mut rng, &pool, wanted as usize) {
        counts[i].reports += 1;
    }
    if let (Some(reports), Some(i)) = (
        kent.reports,
        authorities.iter().position(Authority::is_kent),
    ) {
        counts[i].reports = reports;
    }
}

// ---------------------------------------------------------------------------------------------
// Rows.

pub struct DecisionRow {
    pub case_ref: String,
    pub authority: String,
    pub day: u32,
    pub category: &'static str,
    pub decision: &'static str,
    pub remedied: &'static str,
    pub public_report: &'static str,
}

/// Appends the decisions of authority `a` (with counts `c`) to `rows`, drawing from `rng`, and
/// returns its upheld cases as (reference, day), for its compliance outcomes.
pub fn rows(
    rng: &mut Rng,
    spec: &Spec,
    calendar: &Calendar,
    references: &mut References,
    a: &Authority,
    c: &Counts,
    rows: &mut Vec<DecisionRow>,
) -> Vec<(String, u32)> {
    let categories = a.group.category_weights();
    let mut upheld_cases = Vec::new();
    for k in 0..c.decisions {
        let day = calendar.day(rng);
        let case_ref = references.for_decision(rng, calendar, day);
        let category = CATEGORIES[rng.weighted(&categories)];
        let (decision, remedied, public_report) = if k < c.upheld {
            let remedied = if k < c.remedied { "yes" } else { "no" };
            // Reports go on the last upheld cases, remedies on the first: a public
            // report usually means the council had not put things right itself.
            let report = if k >= c.upheld - c.reports {
                "yes"
            } else {
                "no"
            };
            upheld_cases.push((case_ref.clone(), day));
            ("Upheld", remedied, report)
        } else if k < c.investigations {
            ("Not upheld", "", "no")
        } else {
            let outcome = match &c.others {
                // The pinned numbers of each, in order.
                Some(split) => {
                    let mut rest = k - c.investigations;
                    let mut j = 0;
                    while j + 1 < split.len() && rest >= split[j] {
                        rest -= split[j];
                        j += 1;
                    }
                    j
                }
                None => rng.weighted(&spec.other_weights),
            };
            (OTHER_OUTCOMES[outcome], "", "")
        };
        rows.push(DecisionRow {
            case_ref,
            authority: authority_field(rng, a),
            day,
            category,
            decision,
            remedied,
            public_report,
        });
    }
    upheld_cases
}
