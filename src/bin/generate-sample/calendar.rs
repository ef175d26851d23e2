//! The calendar of the reporting year 1 April 2020 – 31 March 2021 (365 days, no 29 February):
//! days are indices from 1 April 2020, drawn on working days, with the first-quarter pause.

use crate::rng::Rng;

pub const PERIOD_DAYS: u32 = 365;
/// Day index of 1 January 2021.
pub const NEW_YEAR: u32 = 275;
/// Casework was paused from late March to 29 June 2020 (COVID-19), so the first quarter
/// saw fewer decisions.
const PAUSE_END: u32 = 91;

pub fn date_of(day: u32) -> String {
    const MONTHS: [(u32, u32, u32); 12] = [
        (2020, 4, 30),
        (2020, 5, 31),
        (2020, 6, 30),
        (2020, 7, 31),
        (2020, 8, 31),
        (2020, 9, 30),
        (2020, 10, 31),
        (2020, 11, 30),
        (2020, 12, 31),
        (2021, 1, 31),
        (2021, 2, 28),
        (2021, 3, 31),
    ];
    let mut rest = day.min(PERIOD_DAYS - 1);
    for (year, month, length) in MONTHS {
        if rest < length {
            return format!("{year:04}-{month:02}-{:02}", rest + 1);
        }
        rest -= length;
    }
    unreachable!("day index is clamped to the period")
}

/// 1 April 2020 was a Wednesday.
pub fn is_weekend(day: u32) -> bool {
    (day + 2) % 7 >= 5
}

/// Draws working days, with the first-quarter pause.
pub struct Calendar {
    cumulative: Vec<f64>,
}

impl Calendar {
    pub fn new() -> Calendar {
        let mut total = 0.0;
        let cumulative = (0..PERIOD_DAYS)
            .map(|day| {
                let mut weight = if is_weekend(day) { 0.03 } else { 1.0 };
                if day < PAUSE_END {
                    weight *= 0.45;
                }
                total += weight;
                total
            })
            .collect();
        Calendar { cumulative }
    }

    pub fn day(&self, rng: &mut Rng) -> u32 {
        let total = *self.cumulative.last().expect("the period has days");
        let ticket = rng.unit() * total;
        let index = self.cumulative.partition_point(|&c| c <= ticket);
        index.min(PERIOD_DAYS as usize - 1) as u32
    }
}

/// Moves a weekend day to the next Monday, or back to Friday at the end of the period.
pub fn working_day(day: u32) -> u32 {
    let mut d = day.min(PERIOD_DAYS - 1);
    while is_weekend(d) && d + 1 < PERIOD_DAYS {
        d += 1;
    }
    while is_weekend(d) {
        d -= 1;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_cover_the_year() {
        assert_eq!(date_of(0), "2020-04-01");
        assert_eq!(date_of(NEW_YEAR), "2021-01-01");
        assert_eq!(date_of(PERIOD_DAYS - 1), "2021-03-31");
        // 4 April 2020 was a Saturday.
        assert!(is_weekend(3) && !is_weekend(5));
    }
}
