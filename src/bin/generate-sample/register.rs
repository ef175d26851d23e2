//! The council register the sample is built on (`data/english-councils-2020-21.csv`, from
//! mySociety, CC-BY-4.0), and how each comparison group behaves.

use std::collections::BTreeSet;

use annual_review::contract::AuthorityType;

use crate::sample::SampleError;

/// The committed register, built in, so the generator runs from any folder.
pub const REGISTER: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/english-councils-2020-21.csv"
));

/// The comparison groups are the input's authority types; the generator adds how each behaves.
pub type Group = AuthorityType;

/// How a comparison group behaves in the sample: the input's types know nothing of this.
pub trait Behaviour: Sized {
    /// The group named by the register's `lgsco-comparison-group` (the plural label).
    fn from_register(value: &str) -> Option<Self>;
    fn volume_weight(self) -> f64;
    fn category_weights(self) -> [u32; 8];
}

impl Behaviour for Group {
    fn from_register(value: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|group| group.plural() == value)
    }

    /// Complaints per head relative to a county. Two-tier areas count their people twice
    /// (county and district), so districts carry only their own services' share and
    /// single-tier councils carry both.
    fn volume_weight(self) -> f64 {
        match self {
            Group::County => 1.0,
            Group::District => 0.35,
            Group::MetropolitanBorough | Group::Unitary | Group::LondonBorough => 1.3,
        }
    }

    /// Weights over [`CATEGORIES`](crate::decisions::CATEGORIES), by which services the tier runs.
    fn category_weights(self) -> [u32; 8] {
        match self {
            // Adult care, children's services and highways; planning only for minerals and
            // waste, and a trickle of misdirected housing and benefits complaints.
            Group::County => [35, 1, 6, 30, 6, 18, 1, 3],
            // No social care or education; parking gives a little highways work.
            Group::District => [0, 15, 10, 0, 15, 4, 30, 30],
            _ => [17, 9, 8, 20, 10, 11, 14, 11],
        }
    }
}

#[derive(Debug, Clone)]
pub struct Council {
    pub code: String,
    pub name: String,
    pub group: Group,
    /// Residents: the register's `pop-2020`, or for 2024-25 the sample's own figure
    /// ([`crate::population`]).
    pub population: f64,
    /// The register's `local-authority-code` (e.g. `KEN`), and for a district its county's
    /// (`county-la`): read when the register has those columns, for nesting populations.
    pub la_code: Option<String>,
    pub county: Option<String>,
}

pub fn read_register(register_csv: &str) -> Result<Vec<Council>, SampleError> {
    let mut reader = csv::Reader::from_reader(register_csv.as_bytes());
    let headers = reader.headers()?.clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(SampleError::MissingColumn(name))
    };
    let (name_col, code_col) = (column("official-name")?, column("gss-code")?);
    let (pop_col, group_col) = (column("pop-2020")?, column("lgsco-comparison-group")?);
    let (la_col, county_col) = (
        column("local-authority-code").ok(),
        column("county-la").ok(),
    );

    // Population stays `None` until every row is read: gaps take their group's mean.
    let mut rows: Vec<(Council, Option<f64>)> = Vec::new();
    let mut codes = BTreeSet::new();
    for record in reader.records() {
        let record = record?;
        let field = |i: usize| record.get(i).unwrap_or("").trim().to_string();
        let optional = |i: Option<usize>| i.map(field).filter(|text| !text.is_empty());
        let (name, code) = (field(name_col), field(code_col));
        let group_text = field(group_col);
        let group = Group::from_register(&group_text).ok_or_else(|| SampleError::UnknownGroup {
            name: name.clone(),
            group: group_text.clone(),
        })?;
        let pop_text = field(pop_col);
        let population = if pop_text.is_empty() {
            None
        } else {
            match pop_text.parse::<f64>() {
                Ok(p) if p.is_finite() && p >= 0.0 => Some(p),
                _ => {
                    return Err(SampleError::BadPopulation {
                        name,
                        value: pop_text,
                    });
                }
            }
        };
        if !codes.insert(code.clone()) {
            return Err(SampleError::DuplicateCode(code));
        }
        let council = Council {
            code,
            name,
            group,
            population: 0.0,
            la_code: optional(la_col),
            county: optional(county_col),
        };
        rows.push((council, population));
    }
    if rows.is_empty() {
        return Err(SampleError::EmptyRegister);
    }

    let group_mean = |group: Group| {
        let known: Vec<f64> = rows
            .iter()
            .filter(|(c, p)| c.group == group && p.is_some())
            .filter_map(|(_, p)| *p)
            .collect();
        if known.is_empty() {
            0.0
        } else {
            known.iter().sum::<f64>() / known.len() as f64
        }
    };
    let means: Vec<f64> = rows.iter().map(|(c, _)| group_mean(c.group)).collect();
    Ok(rows
        .into_iter()
        .zip(means)
        .map(|((mut council, pop), mean)| {
            council.population = pop.unwrap_or(mean);
            council
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_population_takes_the_group_mean() {
        let register = "official-name,gss-code,pop-2020,lgsco-comparison-group\n\
                        A,X1,100.0,Unitary Councils\n\
                        B,X2,300.0,Unitary Councils\n\
                        C,X3,,Unitary Councils\n";
        let councils = read_register(register).unwrap();
        assert_eq!(councils[2].population, 200.0);
    }
}
