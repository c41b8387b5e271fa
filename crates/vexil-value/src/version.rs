use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::error::ValueError;

/// A SemVer 2.0.0 version whose equality, order and hash are SemVer
/// *precedence*: build metadata is ignored, so `1.0.0+a == 1.0.0+b`.
///
/// `semver::Version`'s own `Ord` breaks ties on build metadata (a total order
/// for sorting), which is why this is a wrapper and not a re-export. Its
/// `cmp_precedence` and `Prerelease` order do implement SemVer §11, numeric
/// identifiers of any length included (they are compared by length, then
/// digits, which is numeric order because leading zeros are rejected).
#[derive(Debug, Clone)]
pub struct Version(semver::Version);

impl Version {
    /// Strict SemVer 2.0.0 (`1.2.3`, `1.2.3-rc.1+build.5`): no `v` prefix,
    /// no missing components, no leading zeros in numeric identifiers, no
    /// whitespace. Major, minor, patch and numeric pre-release identifiers
    /// must fit in a `u64` (LANGUAGE.md §9; the `semver` crate checks the
    /// first three, and compares longer pre-release digits as numbers).
    pub fn parse(s: &str) -> Result<Version, ValueError> {
        let version = semver::Version::parse(s).map_err(|e| ValueError::semver(s, e.to_string()))?;
        let too_large = version
            .pre
            .split('.')
            .find(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && id.parse::<u64>().is_err());
        if let Some(id) = too_large {
            return Err(ValueError::semver(s, format!("pre-release identifier {id} is larger than u64::MAX")));
        }
        Ok(Version(version))
    }

    pub fn as_semver(&self) -> &semver::Version {
        &self.0
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp_precedence(&other.0)
    }
}

impl Hash for Version {
    // Only what precedence looks at; equal pre-releases have equal text since
    // numeric identifiers cannot have leading zeros.
    fn hash<H: Hasher>(&self, state: &mut H) {
        let v = &self.0;
        (v.major, v.minor, v.patch, v.pre.as_str()).hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn v(s: &str) -> Version {
        match Version::parse(s) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn accepts_strict_semver() {
        for s in [
            "0.0.0",
            "1.2.3",
            "1.2.3-rc.1+build.5",
            "1.0.0-alpha",
            "1.0.0-0.3.7",
            "1.0.0-x.7.z.92",
            "1.0.0-x-y-z.--",
            "1.0.0+20130313144700",
            "1.0.0-beta+exp.sha.5114f85",
            "1.0.0+21AF26D3----117B344092BD",
            "1.0.0+001",
            "18446744073709551615.0.0",
            "1.0.0-18446744073709551615",
            "1.0.0-99999999999999999999999999a",
        ] {
            assert_eq!(v(s).to_string(), s);
        }
    }

    #[test]
    fn rejects_non_semver() {
        for s in [
            "",
            "v1.2.3",
            "1.2",
            "1",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "1.2.03",
            "1.0.0-01",
            "18446744073709551616.0.0",
            "1.0.0-99999999999999999999999999",
            " 1.2.3",
            "1.2.3 ",
            "1.2.3\n",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-a..b",
            "1.2.3+a..b",
            "1.2.3-α",
            "=1.2.3",
            "^1.2.3",
            "1.2.x",
            "-1.2.3",
            "+1.2.3",
            "18446744073709551616.0.0",
        ] {
            assert!(Version::parse(s).is_err(), "{s:?} should be rejected");
        }
    }

    #[test]
    fn error_message_names_the_input() {
        let Err(e) = Version::parse("v1.2.3") else { panic!("accepted") };
        let text = e.to_string();
        assert!(text.starts_with(r#"invalid semver "v1.2.3": "#), "{text}");
        assert!(matches!(e, ValueError::Semver { .. }));
    }

    #[test]
    fn precedence_chain_from_the_spec() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1-0",
            "1.0.1",
            "1.1.0",
            "1.10.0",
            "2.0.0",
        ];
        for pair in chain.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
            assert!(v(pair[1]) > v(pair[0]), "{} > {}", pair[1], pair[0]);
            assert_ne!(v(pair[0]), v(pair[1]));
        }
    }

    #[test]
    fn prerelease_identifier_rules() {
        // Numeric identifiers compare numerically; they must fit u64 (LANGUAGE.md §9).
        assert!(v("1.0.0-9") < v("1.0.0-10"));
        assert!(v("1.0.0-18446744073709551614") < v("1.0.0-18446744073709551615"));
        assert!(Version::parse("1.0.0-18446744073709551616").is_err());
        assert!(Version::parse("1.0.0-rc.99999999999999999999").is_err());
        assert!(Version::parse("1.0.0-18446744073709551616a").is_ok());
        // Numeric is below alphanumeric, even when the digits look bigger.
        assert!(v("1.0.0-999") < v("1.0.0-a"));
        assert!(v("1.0.0-1") < v("1.0.0-1a"));
        // Alphanumeric identifiers compare by ASCII: uppercase before lowercase.
        assert!(v("1.0.0-Z") < v("1.0.0-a"));
        assert!(v("1.0.0--") < v("1.0.0-0a"));
        assert!(v("1.0.0-alpha10") < v("1.0.0-alpha9"));
        // A longer list wins when the shared fields are equal.
        assert!(v("1.0.0-a.b") < v("1.0.0-a.b.0"));
        // A pre-release is below its release, but above the previous patch.
        assert!(v("1.0.0-rc.1") < v("1.0.0"));
        assert!(v("0.9.9") < v("1.0.0-0"));
    }

    #[test]
    fn build_metadata_is_ignored() {
        assert_eq!(v("1.0.0+a"), v("1.0.0+b"));
        assert_eq!(v("1.0.0+a"), v("1.0.0"));
        assert_eq!(v("1.0.0-rc.1+x"), v("1.0.0-rc.1+y.z"));
        assert_eq!(v("1.0.0+b").cmp(&v("1.0.0+a")), Ordering::Equal);
        assert!(v("1.0.0-rc.1+zzz") < v("1.0.0+aaa"));
        let set: HashSet<Version> = ["1.0.0", "1.0.0+a", "1.0.0+b", "1.0.0-rc.1+x"].map(v).into();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn display_keeps_build_metadata() {
        assert_eq!(v("1.2.3-rc.1+build.5").to_string(), "1.2.3-rc.1+build.5");
        assert_eq!(v("1.2.3+build.5").as_semver().build.as_str(), "build.5");
    }
}
