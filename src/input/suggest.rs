//! "Did you mean …?" suggestions for names that almost match.

/// The candidate closest to `found` by edit distance (ignoring case), if it is close enough to be
/// a plausible typo: at most a third of the longer string's characters differ.
pub(crate) fn closest<'a>(
    found: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let found_lower = found.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = strsim::levenshtein(&found_lower, &candidate.to_lowercase());
        let limit = found_lower.chars().count().max(candidate.chars().count()) / 3;
        if distance <= limit.max(1) && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_name() {
        let names = ["Kent County Council", "Essex County Council", "Kensington"];
        assert_eq!(
            closest("Kent Count Council", names),
            Some("Kent County Council")
        );
        assert_eq!(
            closest("kent county council", names),
            Some("Kent County Council")
        );
    }

    #[test]
    fn suggests_nothing_for_a_stranger() {
        assert_eq!(
            closest(
                "Gotham City",
                ["Kent County Council", "Essex County Council"]
            ),
            None
        );
    }
}
