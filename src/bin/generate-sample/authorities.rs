//! The authorities of the sample: the register's councils, copied `--scale` times, with their
//! invented recipients, the people sent a copy of their letter and the addresses of both, and
//! how a row names them.

use crate::register::{Council, Group};
use crate::rng::Rng;
use crate::year::Spec;

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

/// First names of the councillors a copy of the letter goes to.
const FIRST_NAMES: [&str; 40] = [
    "Jane", "Omar", "Priya", "David", "Helen", "Tomasz", "Grace", "Imran", "Rachel", "Kwame",
    "Sarah", "Declan", "Anita", "Martin", "Fiona", "Hamid", "Louise", "Gareth", "Nadia", "Paul",
    "Bridget", "Sanjay", "Claire", "Rhys", "Yvonne", "Ahmed", "Joanna", "Neil", "Shirin", "Colin",
    "Emma", "Femi", "Margaret", "Ravi", "Alison", "Connor", "Zainab", "Stuart", "Lucy", "Dev",
];

/// The people a copy of every letter goes to: their title and the mailbox of their address.
const COPIED: [(&str, &str); 2] = [
    ("Leader of the Council", "leader"),
    ("Chair of Scrutiny", "scrutiny"),
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

/// Who the letter is addressed to, and their title: invented, except where the year pins Kent's
/// (2020-21: those of its real 2021 letter). The title is the year's for every council, or
/// drawn.
pub fn recipient(seed: u64, spec: &Spec, authority: &Authority) -> (String, &'static str) {
    if let Some((name, title)) = spec.kent.recipient
        && authority.is_kent()
    {
        return (name.to_string(), title);
    }
    let mut rng = Rng::stream(seed, "recipient", authority.index as u64, 0);
    let honorific = HONORIFICS[rng.weighted(&HONORIFICS.map(|(_, w)| w))].0;
    let surname = SURNAMES[rng.below(SURNAMES.len() as u64) as usize];
    let roll = rng.unit();
    let title = if let Some(title) = spec.recipient_title {
        title
    } else if authority.base_code == CITY_OF_LONDON_CODE {
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

/// The recipient's e-mail address: a mailbox named after their title, at the council's reserved
/// domain (`chief.executive@kent-county-council.example`).
pub fn email(authority: &Authority, title: &str) -> String {
    let mailbox: Vec<String> = title
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    format!("{}@{}", mailbox.join("."), domain(authority))
}

/// The `copies` column: the Leader of the Council and the Chair of Scrutiny, invented
/// councillors (two different names), each with their address at the council's reserved domain:
/// `Leader of the Council: Cllr Jane Smith <leader@kent-county-council.example>; …`.
pub fn copies(seed: u64, authority: &Authority) -> String {
    let mut rng = Rng::stream(seed, "copies", authority.index as u64, 0);
    let mut names: Vec<String> = Vec::with_capacity(COPIED.len());
    while names.len() < COPIED.len() {
        let first = FIRST_NAMES[rng.below(FIRST_NAMES.len() as u64) as usize];
        let surname = SURNAMES[rng.below(SURNAMES.len() as u64) as usize];
        let name = format!("Cllr {first} {surname}");
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let domain = domain(authority);
    COPIED
        .iter()
        .zip(names)
        .map(|((title, mailbox), name)| format!("{title}: {name} <{mailbox}@{domain}>"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The council's invented e-mail domain: its letter's slug under the reserved `.example` (RFC
/// 2606).
fn domain(authority: &Authority) -> String {
    format!("{}.example", slug(&authority.name, &authority.code))
}

/// The letter's file name for a council, by the library's rule (`slug_of` in
/// `src/input/authorities.rs`, which the contract does not export): transliterated to ASCII, `&`
/// as `and`, apostrophes dropped, letters and digits in lower case with every other run as one
/// dash, at most 100 characters (cut at a dash), the code when no letter or digit is left.
pub fn slug(name: &str, code: &str) -> String {
    const LIMIT: usize = 100;
    let ascii = deunicode::deunicode_with_tofu(name, " ");
    let mut text = String::with_capacity(ascii.len());
    let mut pending_dash = false;
    for c in ascii.replace('&', " and ").chars() {
        if c == '\'' {
            continue;
        }
        if c.is_ascii_alphanumeric() {
            if pending_dash && !text.is_empty() {
                text.push('-');
            }
            pending_dash = false;
            text.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    if text.is_empty() && !code.is_empty() {
        return slug(code, "");
    }
    if text.len() > LIMIT {
        let cut = text[..=LIMIT].rfind('-').unwrap_or(LIMIT);
        text.truncate(cut);
    }
    text
}

/// The authority as a row names it: mostly its code, sometimes its exact name.
pub fn authority_field(rng: &mut Rng, authority: &Authority) -> String {
    if rng.chance(NAME_INSTEAD_OF_CODE) {
        authority.name.clone()
    } else {
        authority.code.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authority(code: &str, name: &str) -> Authority {
        Authority {
            code: code.to_string(),
            name: name.to_string(),
            group: Group::County,
            population: 1.0,
            base_code: code.to_string(),
            copy: 1,
            index: 7,
        }
    }

    #[test]
    fn slugs_follow_the_library() {
        // The library's own examples (`slugs_are_lowercase_and_dashed`, `slugs_are_plain_ascii`).
        assert_eq!(slug("Kent County Council", "E1"), "kent-county-council");
        assert_eq!(
            slug("Brighton & Hove [*draft*]", "E1"),
            "brighton-and-hove-draft"
        );
        assert_eq!(
            slug("  King's Lynn -- West Norfolk ", "E1"),
            "kings-lynn-west-norfolk"
        );
        assert_eq!(slug("King\u{2019}s Lynn", "E1"), "kings-lynn");
        assert_eq!(slug("***", "E06000053"), "e06000053");
        assert_eq!(slug("C\u{f4}te Council", "E1"), "cote-council");
        assert_eq!(slug(&"Word ".repeat(30), "E1"), ["word"; 20].join("-"));
    }

    #[test]
    fn addresses_are_at_the_councils_reserved_domain() {
        let kent = authority("E10000016", "Kent County Council");
        assert_eq!(
            email(&kent, "Chief Executive"),
            "chief.executive@kent-county-council.example"
        );
        let copies = copies(2025, &kent);
        let entries: Vec<&str> = copies.split("; ").collect();
        assert_eq!(entries.len(), 2);
        assert!(entries[0].starts_with("Leader of the Council: Cllr "));
        assert!(entries[0].ends_with(" <leader@kent-county-council.example>"));
        assert!(entries[1].starts_with("Chair of Scrutiny: Cllr "));
        assert!(entries[1].ends_with(" <scrutiny@kent-county-council.example>"));
        let hammersmith = authority("E09000013", "London Borough of Hammersmith & Fulham");
        assert_eq!(
            email(&hammersmith, "Town Clerk and Chief Executive"),
            "town.clerk.and.chief.executive@london-borough-of-hammersmith-and-fulham.example"
        );
    }
}
