//! "Did you mean …?" suggestions for names that almost match.

/// The candidate closest to `found` by edit distance (ignoring case), if it is close enough to be
/// a plausible typo: at most a third of the longer string's characters differ.
pub fn closest<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let found_lower = found.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = edit_distance(&found_lower, &candidate.to_lowercase());
        let limit = found_lower.chars().count().max(candidate.chars().count()) / 3;
        if distance <= limit.max(1) && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
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

    #[test]
    fn distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
