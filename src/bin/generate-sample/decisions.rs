//! The decisions: how many each authority gets, how many of them are investigated, upheld,
//! remedied and reported (Kent's pinned, the County Council averages met), and their rows.

use crate::authorities::{Authority, SCILLY_CODE, authority_field};
use crate::calendar::Calendar;
use crate::counts::{Counties, Counts, pick_in_pool, tune_mean};
use crate::references::References;
use crate::register::{Behaviour, Group};
use crate::rng::Rng;
use crate::sample::SampleError;

/// Decisions per copy of the register (the real national figure is about 11,800).
pub const NATIONAL_DECISIONS: usize = 11_800;

const KENT_INVESTIGATIONS: usize = 54;
const KENT_UPHELD: usize = 40;
const KENT_REMEDIED: usize = 5;
const KENT_REPORTS: usize = 1;
/// Kent also gets closures and referrals beside its pinned investigations.
const KENT_MIN_DECISIONS: usize = KENT_INVESTIGATIONS + 16;

/// County Council averages (mean of rates) the letters must show, in percent.
const COUNTY_UPHELD_TARGET: f64 = 71.0;
const COUNTY_REMEDY_TARGET: f64 = 8.0;

/// Share of decisions that are detailed investigations (about 3,000 of 11,800).
const INVESTIGATION_RATE: f64 = 0.254;
/// Public reports per copy of the register, besides Kent's.
const NATIONAL_REPORTS: f64 = 14.0;

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

/// Outcomes other than a detailed investigation, with their weights among such decisions.
const OTHER_OUTCOMES: [(&str, u32); 4] = [
    ("Closed after initial enquiries", 48),
    ("Referred back for local resolution", 36),
    ("Incomplete/Invalid", 8),
    ("Advice given", 8),
];

// ---------------------------------------------------------------------------------------------
// How many.

/// Shares `total` out in proportion to `weights` (largest remainder, ties to the earlier
/// authority), so the national figure is exact.
fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
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

/// Each authority's number of decisions: `total` shared by population and tier, with local
/// variation; none for the Isles of Scilly.
pub fn volumes(
    seed: u64,
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
    // Kent takes its plain population share, but never fewer than its pinned cases need.
    let all: f64 = weights.iter().sum::<f64>() + weight(&authorities[kent]);
    let share = if all > 0.0 {
        (weight(&authorities[kent]) / all * total as f64).round() as usize
    } else {
        0
    };
    let kent_decisions = share.max(KENT_MIN_DECISIONS);
    if total < kent_decisions {
        return Err(SampleError::TooFewDecisions {
            requested: total,
            minimum: KENT_MIN_DECISIONS,
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
    authorities: &[Authority],
    counties: &Counties,
    total_decisions: usize,
    counts: &mut [Counts],
) {
    // Investigations and upheld cases.
    for (a, c) in authorities.iter().zip(counts.iter_mut()) {
        let mut rng = Rng::stream(seed, "investigations", a.index as u64, 0);
        if a.is_kent() {
            c.investigations = KENT_INVESTIGATIONS;
            c.upheld = KENT_UPHELD;
            continue;
        }
        let rate = INVESTIGATION_RATE * rng.between(0.8, 1.2);
        c.investigations = rng.round(c.decisions as f64 * rate).min(c.decisions);
        let upheld = (a.group.upheld_base() + rng.between(-0.1, 0.1)).clamp(0.3, 0.95);
        c.upheld = rng
            .round(c.investigations as f64 * upheld)
            .min(c.investigations);
    }

    // The three smallest original districts get no detailed investigation, so the letters
    // always meet councils with decisions but nothing investigated.
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
    for &i in small.iter().take(3) {
        counts[i].investigations = 0;
        counts[i].upheld = 0;
    }

    tune_mean(
        counts,
        &counties.members,
        &counties.tunable,
        COUNTY_UPHELD_TARGET,
        |c| &mut c.upheld,
        |c| c.investigations,
    );

    // Remedies, once upheld counts are final.
    for (a, c) in authorities.iter().zip(counts.iter_mut()) {
        let mut rng = Rng::stream(seed, "remedied", a.index as u64, 0);
        c.remedied = if a.is_kent() {
            KENT_REMEDIED
        } else {
            let rate = (a.group.remedy_base() + rng.between(-0.04, 0.04)).max(0.0);
            rng.round(c.upheld as f64 * rate).min(c.upheld)
        };
    }
    tune_mean(
        counts,
        &counties.members,
        &counties.tunable,
        COUNTY_REMEDY_TARGET,
        |c| &mut c.remedied,
        |c| c.upheld,
    );

    // Public reports: Kent's one plus a national handful on random upheld cases.
    let pool: Vec<(usize, usize)> = authorities
        .iter()
        .zip(counts.iter())
        .filter(|(a, _)| !a.is_kent())
        .map(|(a, c)| (a.index, c.upheld))
        .collect();
    let wanted = (NATIONAL_REPORTS * total_decisions as f64 / NATIONAL_DECISIONS as f64).round();
    let mut rng = Rng::stream(seed, "reports", 0, 0);
    for i in pick_in_pool(&mut rng, &pool, wanted as usize) {
        counts[i].reports += 1;
    }
    if let Some(kent) = authorities.iter().position(Authority::is_kent) {
        counts[kent].reports = KENT_REPORTS;
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
    calendar: &Calendar,
    references: &mut References,
    a: &Authority,
    c: &Counts,
    rows: &mut Vec<DecisionRow>,
) -> Vec<(String, u32)> {
    let other_weights = OTHER_OUTCOMES.map(|(_, w)| w);
    let categories = a.group.category_weights();
    let mut upheld_cases = Vec::new();
    for k in 0..c.decisions {
        let day = calendar.day(rng);
        let case_ref = references.for_decision(rng, day);
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
            (OTHER_OUTCOMES[rng.weighted(&other_weights)].0, "", "")
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
