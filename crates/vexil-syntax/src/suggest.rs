//! "Did you mean …?" suggestions, shared by the parser and the checker.

/// The candidate closest to `name` by edit distance, if it is close enough to
/// be a plausible typo (at most a third of the name's length, and at least 1).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(distance, _)| *distance <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_near_misses_only() {
        let words = ["default", "description", "owner"];
        assert_eq!(closest("defualt", words), Some("default"));
        assert_eq!(closest("ownr", words), Some("owner"));
        assert_eq!(closest("zzz", words), None);
    }
}
