//! The councils as they were in a later year: the 2020-21 register with the reorganisations
//! since applied, each a set of councils abolished and the unitary councils that replaced them.
//!
//! | From         | Abolished                                                   | Created (code)              |
//! |--------------|-------------------------------------------------------------|-----------------------------|
//! | 1 April 2021 | Northamptonshire County Council; Corby, Daventry, East      | North Northamptonshire      |
//! |              | Northamptonshire, Kettering, Northampton, South             | (E06000061), West           |
//! |              | Northamptonshire, Wellingborough                            | Northamptonshire (E06000062)|
//! | 1 April 2023 | Cumbria County Council; Allerdale, Barrow-in-Furness,       | Cumberland (E06000063),     |
//! |              | Carlisle, Copeland, Eden, South Lakeland                    | Westmorland and Furness     |
//! |              |                                                             | (E06000064)                 |
//! | 1 April 2023 | North Yorkshire County Council; Craven, Hambleton,          | North Yorkshire Council     |
//! |              | Harrogate, Richmondshire, Ryedale, Scarborough, Selby       | (E06000065)                 |
//! | 1 April 2023 | Somerset County Council; Mendip, Sedgemoor, Somerset West   | Somerset Council            |
//! |              | and Taunton, South Somerset                                 | (E06000066)                 |
//!
//! Codes are GSS codes and stay with a council, so a council that was not reorganised keeps its
//! row; the new councils are unitary and come after the others, in the table's order. Every
//! abolished council is found in the register by its name and must have the code the table
//! gives it: a register without it, or with another code, is refused.

use crate::register::{Council, Group};
use crate::sample::SampleError;

/// A council created by a reorganisation, with its residents in 2024 (approximate).
pub struct Created {
    pub code: &'static str,
    pub name: &'static str,
    pub population: u64,
}

/// One reorganisation: the councils it abolished (code, name) and those it created.
pub struct Reorganisation {
    /// The year of the 1 April it took effect.
    pub year: u32,
    pub abolished: &'static [(&'static str, &'static str)],
    pub created: &'static [Created],
}

pub const REORGANISATIONS: [Reorganisation; 4] = [
    Reorganisation {
        year: 2021,
        abolished: &[
            ("E10000021", "Northamptonshire County Council"),
            ("E07000150", "Corby Borough Council"),
            ("E07000151", "Daventry District Council"),
            ("E07000152", "East Northamptonshire Council"),
            ("E07000153", "Kettering Borough Council"),
            ("E07000154", "Northampton Borough Council"),
            ("E07000155", "South Northamptonshire Council"),
            ("E07000156", "Wellingborough Borough Council"),
        ],
        created: &[
            Created {
                code: "E06000061",
                name: "North Northamptonshire Council",
                population: 366_000,
            },
            Created {
                code: "E06000062",
                name: "West Northamptonshire Council",
                population: 431_000,
            },
        ],
    },
    Reorganisation {
        year: 2023,
        abolished: &[
            ("E10000006", "Cumbria County Council"),
            ("E07000026", "Allerdale Borough Council"),
            ("E07000027", "Barrow-in-Furness Borough Council"),
            ("E07000028", "Carlisle City Council"),
            ("E07000029", "Copeland Borough Council"),
            ("E07000030", "Eden District Council"),
            ("E07000031", "South Lakeland District Council"),
        ],
        created: &[
            Created {
                code: "E06000063",
                name: "Cumberland Council",
                population: 275_000,
            },
            Created {
                code: "E06000064",
                name: "Westmorland and Furness Council",
                population: 227_000,
            },
        ],
    },
    Reorganisation {
        year: 2023,
        abolished: &[
            ("E10000023", "North Yorkshire County Council"),
            ("E07000163", "Craven District Council"),
            ("E07000164", "Hambleton District Council"),
            ("E07000165", "Harrogate Borough Council"),
            ("E07000166", "Richmondshire District Council"),
            ("E07000167", "Ryedale District Council"),
            ("E07000168", "Scarborough Borough Council"),
            ("E07000169", "Selby District Council"),
        ],
        created: &[Created {
            code: "E06000065",
            name: "North Yorkshire Council",
            population: 620_000,
        }],
    },
    Reorganisation {
        year: 2023,
        abolished: &[
            ("E10000027", "Somerset County Council"),
            ("E07000187", "Mendip District Council"),
            ("E07000188", "Sedgemoor District Council"),
            ("E07000246", "Somerset West and Taunton Council"),
            ("E07000189", "South Somerset District Council"),
        ],
        created: &[Created {
            code: "E06000066",
            name: "Somerset Council",
            population: 578_000,
        }],
    },
];

/// The councils of the reporting year that begins on 1 April `first_year`: those of the 2020-21
/// register with every reorganisation up to that day applied.
pub fn reorganise(councils: Vec<Council>, first_year: u32) -> Result<Vec<Council>, SampleError> {
    let applied: Vec<&Reorganisation> = REORGANISATIONS
        .iter()
        .filter(|r| r.year <= first_year)
        .collect();
    let mut abolished = Vec::new();
    for (year, &(code, name)) in applied
        .iter()
        .flat_map(|r| r.abolished.iter().map(move |a| (r.year, a)))
    {
        let council = councils.iter().find(|c| c.name == name).ok_or_else(|| {
            SampleError::AbolishedMissing {
                name: name.to_string(),
                code: code.to_string(),
                year,
            }
        })?;
        if council.code != code {
            return Err(SampleError::AbolishedCode {
                name: name.to_string(),
                expected: code.to_string(),
                found: council.code.clone(),
            });
        }
        abolished.push(code);
    }
    let mut kept: Vec<Council> = councils
        .into_iter()
        .filter(|c| !abolished.contains(&c.code.as_str()))
        .collect();
    for created in applied.iter().flat_map(|r| r.created) {
        if kept.iter().any(|c| c.code == created.code) {
            return Err(SampleError::DuplicateCode(created.code.to_string()));
        }
        kept.push(Council {
            code: created.code.to_string(),
            name: created.name.to_string(),
            group: Group::Unitary,
            population: created.population as f64,
            la_code: None,
            county: None,
        });
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::{REGISTER, read_register};

    #[test]
    fn the_2024_25_councils_are_the_2020_21_ones_reorganised() {
        let before = read_register(REGISTER).unwrap();
        let after = reorganise(before.clone(), 2024).unwrap();
        let abolished: usize = REORGANISATIONS.iter().map(|r| r.abolished.len()).sum();
        let created: usize = REORGANISATIONS.iter().map(|r| r.created.len()).sum();
        assert_eq!((abolished, created), (28, 6));
        assert_eq!(before.len(), 339);
        assert_eq!(after.len(), 339 - 28 + 6);
        let counties = after.iter().filter(|c| c.group == Group::County).count();
        assert_eq!(counties, 21);
        let names: Vec<&str> = after[after.len() - 6..]
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "North Northamptonshire Council",
                "West Northamptonshire Council",
                "Cumberland Council",
                "Westmorland and Furness Council",
                "North Yorkshire Council",
                "Somerset Council"
            ]
        );
        // No district is left without its county.
        let county_codes: Vec<&str> = after
            .iter()
            .filter(|c| c.group == Group::County)
            .filter_map(|c| c.la_code.as_deref())
            .collect();
        assert!(
            after
                .iter()
                .filter(|c| c.group == Group::District)
                .all(|c| county_codes.contains(&c.county.as_deref().unwrap_or("")))
        );
        // Before 2021, nothing changes.
        assert_eq!(reorganise(before, 2020).unwrap().len(), 339);
    }

    #[test]
    fn a_missing_or_recoded_council_is_refused() {
        let without_selby: String = REGISTER
            .lines()
            .filter(|line| !line.contains("Selby District Council"))
            .map(|line| format!("{line}\n"))
            .collect();
        let error = reorganise(read_register(&without_selby).unwrap(), 2024).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the register has no `Selby District Council` (E07000169), which was abolished on 1 April 2023"
        );
        let recoded = REGISTER.replace(",E07000169,", ",E07000999,");
        let error = reorganise(read_register(&recoded).unwrap(), 2024).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`Selby District Council` has the code E07000999 in the register, expected E07000169"
        );
    }
}
