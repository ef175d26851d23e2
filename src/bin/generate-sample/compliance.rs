//! The compliance outcomes: how many each authority records, how many late or not complied
//! (Kent's pinned when the year pins them, the year's national rate of failures, the County
//! Council average kept clear of its rounding edge), and their rows.

use crate::authorities::{Authority, authority_field};
use crate::calendar::Calendar;
use crate::counts::{Counties, Counts, mean_rate, pick_in_pool};
use crate::references::References;
use crate::register::Group;
use crate::rng::Rng;
use crate::year::Spec;

/// Compliance can only be nudged downwards from 100 %, so a floor keeps it well clear of 99.5.
const COUNTY_COMPLIANCE_FLOOR: f64 = 99.75;

/// Compliance outcomes recorded per upheld case.
const COMPLIANCE_PER_UPHELD: f64 = 0.9;
const COMPLIED_LATE_RATE: f64 = 0.06;

/// Upheld cases eligible as the source of a compliance record: decided early enough for the
/// remedy to fall due within the year.
const LAST_LINKABLE_DAY: u32 = 300;

/// Fills in the compliance, complied late and not complied counts of every authority, whose
/// upheld counts are final.
pub fn count(
    seed: u64,
    spec: &Spec,
    authorities: &[Authority],
    counties: &Counties,
    counts: &mut [Counts],
) {
    // Kent's, all complied with, when the year pins them.
    let kent_pinned = |a: &Authority| a.is_kent() && spec.kent.compliance.is_some();
    // Compliance outcomes: roughly one per upheld case, some late.
    for (a, c) in authorities.iter().zip(counts.iter_mut()) {
        let mut rng = Rng::stream(seed, "compliance", a.index as u64, 0);
        if let Some(compliance) = spec.kent.compliance
            && a.is_kent()
        {
            c.compliance = compliance;
            continue;
        }
        let expected = c.upheld as f64 * COMPLIANCE_PER_UPHELD * rng.between(0.9, 1.1);
        c.compliance = rng.round(expected);
        c.complied_late = (0..c.compliance)
            .filter(|_| rng.chance(COMPLIED_LATE_RATE))
            .count();
    }

    // A handful of failures nationally, placed on random outcomes (never Kent's pinned ones).
    let pool: Vec<(usize, usize)> = authorities
        .iter()
        .zip(counts.iter())
        .filter(|(a, _)| !kent_pinned(a))
        .map(|(a, c)| (a.index, c.compliance - c.complied_late))
        .collect();
    let outcomes: usize = counts.iter().map(|c| c.compliance).sum();
    let failures = (outcomes as f64 * spec.not_complied_rate).round() as usize;
    let mut rng = Rng::stream(seed, "not-complied", 0, 0);
    for i in pick_in_pool(&mut rng, &pool, failures) {
        counts[i].not_complied += 1;
    }
    // Failures are rare in counties: keep their average clear of the 99.5 % rounding edge by
    // moving failures to a random single-tier or district council instead.
    let compliant = |c: &Counts| c.compliance - c.not_complied;
    loop {
        let pairs = counties
            .members
            .iter()
            .map(|&i| (compliant(&counts[i]), counts[i].compliance));
        let Some(mean) = mean_rate(pairs) else { break };
        if mean >= COUNTY_COMPLIANCE_FLOOR {
            break;
        }
        let Some(&from) = counties
            .tunable
            .iter()
            .find(|&&i| counts[i].not_complied > 0)
        else {
            break;
        };
        let others: Vec<(usize, usize)> = authorities
            .iter()
            .zip(counts.iter())
            .filter(|(a, _)| a.group != Group::County)
            .map(|(a, c)| (a.index, c.compliance - c.complied_late - c.not_complied))
            .collect();
        let Some(to) = pick_in_pool(&mut rng, &others, 1).into_iter().next() else {
            break;
        };
        counts[from].not_complied -= 1;
        counts[to].not_complied += 1;
    }
}

pub struct ComplianceRow {
    pub case_ref: String,
    pub authority: String,
    pub day: u32,
    pub outcome: &'static str,
}

/// Appends the compliance outcomes of authority `a` (with counts `c`) to `rows`, drawing from
/// `rng` after its decisions; `upheld_cases` are its upheld decisions as (reference, day).
pub fn rows(
    rng: &mut Rng,
    calendar: &Calendar,
    references: &mut References,
    a: &Authority,
    c: &Counts,
    upheld_cases: Vec<(String, u32)>,
    rows: &mut Vec<ComplianceRow>,
) {
    let mut linkable: Vec<(String, u32)> = upheld_cases
        .into_iter()
        .filter(|&(_, day)| day <= LAST_LINKABLE_DAY)
        .collect();
    for k in 0..c.compliance {
        let outcome = if k < c.not_complied {
            "not complied"
        } else if k < c.not_complied + c.complied_late {
            "complied late"
        } else {
            "complied"
        };
        // About half the outcomes follow this year's decisions, the rest remedies
        // agreed in earlier years.
        let (case_ref, day) = if !linkable.is_empty() && rng.chance(0.55) {
            let (case_ref, decided) =
                linkable.swap_remove(rng.below(linkable.len() as u64) as usize);
            let due = decided + 14 + rng.below(50) as u32;
            (case_ref, calendar.working_day(due))
        } else {
            // Received in one of the two years before the reporting year began.
            let back = if rng.chance(0.75) { 1 } else { 2 };
            (references.earlier(rng, back), calendar.day(rng))
        };
        rows.push(ComplianceRow {
            case_ref,
            authority: authority_field(rng, a),
            day,
            outcome,
        });
    }
}
