//! The authorities of the sample: the register's councils, copied `--scale` times, with their
//! invented recipients, and how a row names them.

use crate::register::{Council, Group};
use crate::rng::Rng;

pub const KENT_CODE: &str = "E10000016";
pub const SCILLY_CODE: &str = "E06000053";
const CITY_OF_LONDON_CODE: &str = "E09000001";

/// Rows that name the authority instead of giving its code (the contract accepts both).
const NAME_INSTEAD_OF_CODE: f64 = 0.05;

const SURNAMES: [&str; 60] = [
    "Hartley",
    "Osei",
    "Patel",
    "Whitfield",
    "Okafor",
    "Brennan",
    "Kaur",
    "Lindqvist",
    "Marsh",
    "Chowdhury",
    "Fairbairn",
    "Nwosu",
    "Pennington",
    "Ahmed",
    "Travers",
    "Gallagher",
    "Singh",
    "Holloway",
    "Mensah",
    "Ashworth",
    "Kowalski",
    "Rahman",
    "Thornton",
    "Evans",
    "Begum",
    "McAllister",
    "Wojcik",
    "Hughes",
    "Adeyemi",
    "Crossley",
    "Sharma",
    "Pryce",
    "O'Connell",
    "Bradshaw",
    "Hussain",
    "Fenwick",
    "Lloyd",
    "Nakamura",
    "Cartwright",
    "Mistry",
    "Dunmore",
    "Campbell",
    "Iqbal",
    "Whittaker",
    "Boateng",
    "Sutherland",
    "Greaves",
    "Khan",
    "Pemberton",
    "Costa",
    "Ridley",
    "Jenkins",
    "Sandhu",
    "Moorcroft",
    "Doyle",
    "Farrow",
    "Chen",
    "Rowntree",
    "Ellison",
    "Quigley",
];

/// Honorifics with weights.
const HONORIFICS: [(&str, u32); 4] = [("Mr", 40), ("Ms", 36), ("Mrs", 12), ("Dr", 12)];

/// One authority of the sample: a council of the register, or its k-th copy.
#[derive(Debug, Clone)]
pub struct Authority {
    pub code: String,
    pub name: String,
    pub group: Group,
    pub population: f64,
    /// Code in the register (the same for every copy).
    pub base_code: String,
    /// 1 for the original, k for the k-th copy.
    pub copy: usize,
    /// Position among the authorities, and in every per-authority list.
    pub index: usize,
}

impl Authority {
    /// Kent County Council itself, whose figures are pinned (not one of its copies).
    pub fn is_kent(&self) -> bool {
        self.copy == 1 && self.base_code == KENT_CODE
    }
}

/// The register's councils, `scale` times over: the k-th copy (k ≥ 2) gets the code `CODE-k`
/// and the name `NAME (k)`.
pub fn expand(register: &[Council], scale: usize) -> Vec<Authority> {
    let mut authorities = Vec::with_capacity(register.len() * scale);
    for copy in 1..=scale {
        for council in register {
            let (code, name) = if copy == 1 {
                (council.code.clone(), council.name.clone())
            } else {
                (
                    format!("{}-{copy}", council.code),
                    format!("{} ({copy})", council.name),
                )
            };
            authorities.push(Authority {
                code,
                name,
                group: council.group,
                population: council.population,
                base_code: council.code.clone(),
                copy,
                index: authorities.len(),
            });
        }
    }
    authorities
}

/// Who the letter is addressed to, and their title: invented, except Kent's, which are those of
/// its real 2021 letter.
pub fn recipient(seed: u64, authority: &Authority) -> (String, &'static str) {
    if authority.base_code == KENT_CODE && authority.copy == 1 {
        return ("Mr Cockburn".to_string(), "Head of Paid Service");
    }
    let mut rng = Rng::stream(seed, "recipient", authority.index as u64, 0);
    let honorific = HONORIFICS[rng.weighted(&HONORIFICS.map(|(_, w)| w))].0;
    let surname = SURNAMES[rng.below(SURNAMES.len() as u64) as usize];
    let roll = rng.unit();
    let title = if authority.base_code == CITY_OF_LONDON_CODE {
        "Town Clerk and Chief Executive"
    } else if roll < 0.06 {
        "Head of Paid Service"
    } else if roll < 0.10 {
        "Managing Director"
    } else {
        "Chief Executive"
    };
    (format!("{honorific} {surname}"), title)
}

/// The authority as a row names it: mostly its code, sometimes its exact name.
pub fn authority_field(rng: &mut Rng, authority: &Authority) -> String {
    if rng.chance(NAME_INSTEAD_OF_CODE) {
        authority.name.clone()
    } else {
        authority.code.clone()
    }
}
