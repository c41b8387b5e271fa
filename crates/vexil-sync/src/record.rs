//! The published value of DISTRIBUTION.md §2: what a KV revision holds, what
//! the disk cache keeps, and what every reader verifies before compiling.

use serde::{Deserialize, Serialize};

/// The KV value of one revision, exactly these seven fields (§2). `source` is
/// the `.vx` text byte for byte; `version` is recomputed from it by every
/// reader ([`Published::verify`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    pub name: String,
    pub version: String,
    pub source: String,
    pub author: String,
    pub message: String,
    /// RFC 3339 UTC.
    pub published_at: String,
    /// The KV revision this one replaced (0 for the first).
    pub previous_revision: u64,
}

/// Why a published value was not served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("the value is not a published ruleset (DISTRIBUTION.md §2): {0}")]
    Malformed(String),
    #[error("the value names ruleset `{found}`, but it was read from key `{expected}`")]
    WrongName { expected: String, found: String },
    #[error("the value says version {claimed}, but its source hashes to {actual}")]
    VersionMismatch { claimed: String, actual: String },
}

impl Published {
    /// A record for `source`, its version computed.
    pub fn new(
        name: &str,
        source: &str,
        author: &str,
        message: &str,
        published_at: String,
        previous_revision: u64,
    ) -> Self {
        Published {
            name: name.to_owned(),
            version: vexil::ruleset_version(source),
            source: source.to_owned(),
            author: author.to_owned(),
            message: message.to_owned(),
            published_at,
            previous_revision,
        }
    }

    /// Parses a KV value and verifies it (§3: `version` equals the hash of
    /// `source`; the name is the key's).
    pub fn decode(bytes: &[u8], key: &str) -> Result<Published, RecordError> {
        let record: Published = serde_json::from_slice(bytes).map_err(|e| RecordError::Malformed(e.to_string()))?;
        record.verify(key)?;
        Ok(record)
    }

    pub fn verify(&self, key: &str) -> Result<(), RecordError> {
        if self.name != key {
            return Err(RecordError::WrongName { expected: key.to_owned(), found: self.name.clone() });
        }
        let actual = vexil::ruleset_version(&self.source);
        if actual != self.version {
            return Err(RecordError::VersionMismatch { claimed: self.version.clone(), actual });
        }
        Ok(())
    }

    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain strings and integers cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// Ruleset names (KV keys): `[a-z0-9][a-z0-9_-]{0,63}` (§2).
pub fn valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    matches!(bytes.first(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && bytes.len() <= 64
        && bytes.iter().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'))
}

/// The error for a name that is not a valid ruleset name.
pub fn name_problem(name: &str) -> Option<String> {
    (!valid_name(name)).then(|| {
        format!("`{name}` is not a ruleset name: use 1 to 64 of a-z, 0-9, `_` and `-`, starting with a letter or digit")
    })
}

/// Now as RFC 3339 UTC with milliseconds (`2026-11-30T09:00:00.123Z`).
pub fn now_rfc3339() -> String {
    rfc3339(time::OffsetDateTime::now_utc())
}

/// A system time as RFC 3339 UTC; a time `time` cannot represent (a file
/// modified in year 300000) is written as now rather than panicking.
pub(crate) fn rfc3339_at(at: std::time::SystemTime) -> String {
    let converted = match at.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => time::Duration::try_from(after).ok().and_then(|d| time::OffsetDateTime::UNIX_EPOCH.checked_add(d)),
        Err(before) => time::Duration::try_from(before.duration())
            .ok()
            .and_then(|d| time::OffsetDateTime::UNIX_EPOCH.checked_sub(d)),
    };
    rfc3339(converted.unwrap_or_else(time::OffsetDateTime::now_utc))
}

pub(crate) fn rfc3339(at: time::OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_key_pattern() {
        for good in ["checkout", "a", "0", "a_b-c", &"x".repeat(64)] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", "Checkout", "_a", "-a", "a.b", "a b", "é", &"x".repeat(65)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn a_record_round_trips_and_is_verified() {
        let record = Published::new("shop", "flag f: int { owner \"t\" default 1 }", "ada", "first", now_rfc3339(), 0);
        assert_eq!(record.version.len(), 16);
        let bytes = record.to_json();
        assert_eq!(Published::decode(&bytes, "shop").unwrap(), record);
        assert!(matches!(Published::decode(&bytes, "other"), Err(RecordError::WrongName { .. })));

        let mut forged = record.clone();
        forged.source.push(' ');
        assert!(matches!(Published::decode(&forged.to_json(), "shop"), Err(RecordError::VersionMismatch { .. })));
        assert!(matches!(Published::decode(b"{\"name\":\"shop\"}", "shop"), Err(RecordError::Malformed(_))));
        let extra = String::from_utf8(bytes).unwrap().replacen('{', "{\"extra\":1,", 1);
        assert!(matches!(Published::decode(extra.as_bytes(), "shop"), Err(RecordError::Malformed(_))));
    }

    #[test]
    fn timestamps_are_rfc3339_utc_with_milliseconds() {
        let at = time::macros::datetime!(2026-11-30 09:00:01.5 UTC);
        assert_eq!(rfc3339(at), "2026-11-30T09:00:01.500Z");
        let far = std::time::UNIX_EPOCH + std::time::Duration::from_secs(300_000_000_000);
        assert_eq!(rfc3339_at(far).len(), "2026-11-30T09:00:01.500Z".len(), "out of range: now, no panic");
    }
}
