//! The calendar of a reporting year, 1 April – 31 March: days are indices from 1 April, drawn on
//! working days, with a pause in casework at the start of the year when there was one (the
//! first quarter of 2020-21).

use crate::rng::Rng;
use crate::year::Spec;

/// Day index of 1 January (April to December have 275 days).
pub const NEW_YEAR: u32 = 275;

/// The days of one reporting year, and how decisions fall on them.
pub struct Calendar {
    /// The year of 1 April.
    first_year: u32,
    /// 365, or 366 when the year ends in a leap year's March.
    pub days: u32,
    /// Day of the week of 1 April: 0 for Monday … 6 for Sunday.
    first_weekday: u32,
    cumulative: Vec<f64>,
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Day of the week of 1 April `year`, 0 for Monday (Sakamoto's method).
fn april_first_weekday(year: u32) -> u32 {
    // 5 is the method's offset of April; its count starts at 0 for Sunday.
    let sunday_based = (year + year / 4 - year / 100 + year / 400 + 5 + 1) % 7;
    (sunday_based + 6) % 7
}

impl Calendar {
    /// The calendar of `spec`'s year: weekends weigh little, and days before its pause's end
    /// less than half.
    pub fn new(spec: &Spec) -> Calendar {
        let first_year = spec.first_year;
        let days = if is_leap(first_year + 1) { 366 } else { 365 };
        let mut calendar = Calendar {
            first_year,
            days,
            first_weekday: april_first_weekday(first_year),
            cumulative: Vec::new(),
        };
        let mut total = 0.0;
        calendar.cumulative = (0..days)
            .map(|day| {
                let mut weight = if calendar.is_weekend(day) { 0.03 } else { 1.0 };
                if day < spec.pause_end {
                    weight *= 0.45;
                }
                total += weight;
                total
            })
            .collect();
        calendar
    }

    /// The date of day index `day`, e.g. `2020-04-01` for 0 in 2020-21.
    pub fn date_of(&self, day: u32) -> String {
        let (this, next) = (self.first_year, self.first_year + 1);
        let february = if is_leap(next) { 29 } else { 28 };
        let months = [
            (this, 4, 30),
            (this, 5, 31),
            (this, 6, 30),
            (this, 7, 31),
            (this, 8, 31),
            (this, 9, 30),
            (this, 10, 31),
            (this, 11, 30),
            (this, 12, 31),
            (next, 1, 31),
            (next, 2, february),
            (next, 3, 31),
        ];
        let mut rest = day.min(self.days - 1);
        for (year, month, length) in months {
            if rest < length {
                return format!("{year:04}-{month:02}-{:02}", rest + 1);
            }
            rest -= length;
        }
        unreachable!("day index is clamped to the period")
    }

    pub fn is_weekend(&self, day: u32) -> bool {
        (day + self.first_weekday) % 7 >= 5
    }

    /// A day of the year, drawn by weight.
    pub fn day(&self, rng: &mut Rng) -> u32 {
        let total = *self.cumulative.last().expect("the period has days");
        let ticket = rng.unit() * total;
        let index = self.cumulative.partition_point(|&c| c <= ticket);
        index.min(self.days as usize - 1) as u32
    }

    /// Moves a weekend day to the next Monday, or back to Friday at the end of the period.
    pub fn working_day(&self, day: u32) -> u32 {
        let mut d = day.min(self.days - 1);
        while self.is_weekend(d) && d + 1 < self.days {
            d += 1;
        }
        while self.is_weekend(d) {
            d -= 1;
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::year::{Y2020_21, Y2024_25};

    #[test]
    fn dates_cover_the_year() {
        let calendar = Calendar::new(&Y2020_21);
        assert_eq!(calendar.days, 365);
        assert_eq!(calendar.date_of(0), "2020-04-01");
        assert_eq!(calendar.date_of(NEW_YEAR), "2021-01-01");
        assert_eq!(calendar.date_of(calendar.days - 1), "2021-03-31");
        // 1 April 2020 was a Wednesday, 4 April a Saturday.
        assert!(calendar.is_weekend(3) && !calendar.is_weekend(5) && !calendar.is_weekend(0));

        let calendar = Calendar::new(&Y2024_25);
        assert_eq!(calendar.days, 365);
        assert_eq!(calendar.date_of(0), "2024-04-01");
        assert_eq!(calendar.date_of(NEW_YEAR), "2025-01-01");
        assert_eq!(calendar.date_of(calendar.days - 1), "2025-03-31");
        // 1 April 2024 was a Monday, 6 April a Saturday.
        assert!(!calendar.is_weekend(0) && !calendar.is_weekend(4));
        assert!(calendar.is_weekend(5) && calendar.is_weekend(6));
    }

    #[test]
    fn weekdays_and_leap_years() {
        // 1 April: 2023 a Saturday, 2027 a Thursday, 2000 a Saturday.
        assert_eq!(april_first_weekday(2023), 5);
        assert_eq!(april_first_weekday(2027), 3);
        assert_eq!(april_first_weekday(2000), 5);
        assert!(is_leap(2024) && !is_leap(2025) && !is_leap(2100) && is_leap(2000));
    }
}
