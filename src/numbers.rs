//! Numbers written for people: a comma between thousands, as GOV.UK style writes them (12,280),
//! and nouns that agree with their count ("1 letter", "2 letters").

/// `n` with a comma between thousands, as GOV.UK style writes numbers: 12,280.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// `1 letter`, `2 letters`, `12,280 letters`.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", thousands(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_people_write_them() {
        assert_eq!(count(1, "letter"), "1 letter");
        assert_eq!(count(0, "letter"), "0 letters");
        assert_eq!(count(999, "letter"), "999 letters");
        assert_eq!(count(12_280, "decision"), "12,280 decisions");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
