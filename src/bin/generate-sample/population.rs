//! Residents of the 2024-25 councils: approximate, invented from the register's 2020 figures,
//! and consistent with each other.
//!
//! England's residents are counted once: by the councils that are not districts (County
//! Councils, Metropolitan Boroughs, Unitary Councils, London Boroughs), whose figures add up to
//! [`NATIONAL_RESIDENTS`] exactly, and every district lies inside its county, whose figure its
//! districts' add up to exactly. So the national figure per 100,000 residents is over the
//! councils that are not districts: 3,665 upheld decisions in 59.1 million residents are 6.2
//! per 100,000. Kent County Council and Birmingham have their own figures ([`KNOWN`]; Kent's
//! gives 3.9 upheld per 100,000), and so have the councils created since 2020
//! ([`crate::reorganisation`]); every other figure is its 2020 one grown by a little more or
//! less than the nation, to the nearest 100.

use crate::authorities::KENT_CODE;
use crate::counts::apportion;
use crate::register::{Council, Group};
use crate::reorganisation::REORGANISATIONS;
use crate::rng::Rng;
use crate::sample::SampleError;

/// Residents of England in the sample's 2024-25.
pub const NATIONAL_RESIDENTS: u64 = 59_100_000;
/// Councils whose 2024-25 residents are given (approximately real): Kent County Council, and
/// Birmingham, which the nation's growth would push well past its real figure.
pub const KNOWN: [(&str, u64); 2] = [(KENT_CODE, 1_610_000), ("E08000025", 1_160_000)];

/// Figures are whole hundreds.
const UNIT: f64 = 100.0;

/// Sets every council's `population` to its 2024-25 residents. The councils are those of the
/// register after the reorganisations; their `population` is the register's 2020 figure (the
/// created councils': their own).
pub fn estimate(seed: u64, councils: &mut [Council]) -> Result<(), SampleError> {
    let fixed = |council: &Council| -> Option<f64> {
        let created = REORGANISATIONS
            .iter()
            .flat_map(|r| r.created)
            .map(|created| (created.code, created.population));
        KNOWN
            .into_iter()
            .chain(created)
            .find(|&(code, _)| code == council.code)
            .map(|(_, residents)| residents as f64)
    };
    // Each council grows by its own draw; the shares below scale them to the national figure.
    let grown: Vec<f64> = councils
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.population * Rng::stream(seed, "population", i as u64, 0).between(0.98, 1.04)
        })
        .collect();

    // The councils that count England's residents once.
    let upper: Vec<usize> = (0..councils.len())
        .filter(|&i| councils[i].group != Group::District)
        .collect();
    let mut left = NATIONAL_RESIDENTS as f64;
    let mut free = Vec::new();
    for &i in &upper {
        match fixed(&councils[i]) {
            Some(residents) => {
                councils[i].population = residents;
                left -= residents;
            }
            None => free.push(i),
        }
    }
    let weights: Vec<f64> = free.iter().map(|&i| grown[i]).collect();
    let shares = apportion((left / UNIT).round() as usize, &weights);
    for (&i, share) in free.iter().zip(shares) {
        councils[i].population = share as f64 * UNIT;
    }

    // Districts share their county's figure.
    let districts: Vec<usize> = (0..councils.len())
        .filter(|&i| councils[i].group == Group::District)
        .collect();
    for &d in &districts {
        let county = councils[d].county.as_deref().and_then(|county| {
            councils
                .iter()
                .position(|c| c.group == Group::County && c.la_code.as_deref() == Some(county))
        });
        if county.is_none() {
            return Err(SampleError::NoCounty(councils[d].name.clone()));
        }
    }
    let counties: Vec<usize> = upper
        .iter()
        .copied()
        .filter(|&i| councils[i].group == Group::County)
        .collect();
    for county in counties {
        let la_code = councils[county].la_code.clone();
        let members: Vec<usize> = districts
            .iter()
            .copied()
            .filter(|&d| la_code.is_some() && councils[d].county == la_code)
            .collect();
        if members.is_empty() {
            continue;
        }
        let weights: Vec<f64> = members.iter().map(|&d| grown[d]).collect();
        let total = (councils[county].population / UNIT).round() as usize;
        for (&d, share) in members.iter().zip(apportion(total, &weights)) {
            councils[d].population = share as f64 * UNIT;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::{REGISTER, read_register};
    use crate::reorganisation::reorganise;

    fn councils() -> Vec<Council> {
        let mut councils = reorganise(read_register(REGISTER).unwrap(), 2024).unwrap();
        estimate(2025, &mut councils).unwrap();
        councils
    }

    #[test]
    fn england_is_counted_once_and_districts_add_up_to_their_county() {
        let councils = councils();
        let upper: f64 = councils
            .iter()
            .filter(|c| c.group != Group::District)
            .map(|c| c.population)
            .sum();
        assert_eq!(upper, NATIONAL_RESIDENTS as f64);
        for county in councils.iter().filter(|c| c.group == Group::County) {
            let districts: f64 = councils
                .iter()
                .filter(|c| c.group == Group::District && c.county == county.la_code)
                .map(|c| c.population)
                .sum();
            assert_eq!(districts, county.population, "{}", county.name);
        }
        let kent = councils.iter().find(|c| c.code == KENT_CODE).unwrap();
        assert_eq!(kent.population, 1_610_000.0);
        assert!(
            councils
                .iter()
                .all(|c| c.population >= 1.0 && c.population.fract() == 0.0)
        );
    }

    #[test]
    fn populations_are_plausible_for_their_type() {
        let councils = councils();
        // Three small exceptions, as in life: the Isles of Scilly, Rutland, the City of London.
        let small = ["E06000053", "E06000017", "E09000001"];
        for c in councils
            .iter()
            .filter(|c| !small.contains(&c.code.as_str()))
        {
            let (low, high) = match c.group {
                Group::County => (500_000.0, 1_650_000.0),
                Group::District => (45_000.0, 270_000.0),
                Group::MetropolitanBorough => (145_000.0, 1_160_000.0),
                Group::Unitary => (90_000.0, 650_000.0),
                Group::LondonBorough => (150_000.0, 420_000.0),
            };
            assert!(
                (low..=high).contains(&c.population),
                "{}: {}",
                c.name,
                c.population
            );
        }
    }
}
