use std::fmt;

use crate::civil::{civil_from_days, days_from_civil, days_in_month};
use crate::error::ValueError;

const MS_PER_SECOND: i64 = 1_000;
const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

/// A UTC instant with millisecond precision, between [`Timestamp::MIN`] and
/// [`Timestamp::MAX`] (the years JavaScript's `toISOString` writes with four
/// digits, so the text form is the same on every host).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    millis: i64,
}

impl Timestamp {
    /// 0000-01-01T00:00:00.000Z
    pub const MIN: Timestamp = Timestamp { millis: -62_167_219_200_000 };
    /// 9999-12-31T23:59:59.999Z
    pub const MAX: Timestamp = Timestamp { millis: 253_402_300_799_999 };

    /// `None` outside `MIN..=MAX`.
    pub fn from_millis(ms: i64) -> Option<Timestamp> {
        (Self::MIN.millis..=Self::MAX.millis).contains(&ms).then_some(Timestamp { millis: ms })
    }

    pub const MS_PER_HOUR: i64 = MS_PER_HOUR;
    /// UTC days have no leap seconds (RFC 3339 `:60` is rejected).
    pub const MS_PER_DAY: i64 = MS_PER_DAY;

    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub fn millis(self) -> i64 {
        self.millis
    }

    /// Midnight UTC of this instant's day (the date `vexil check --today` compares with).
    pub fn start_of_day(self) -> Timestamp {
        // Within MIN..=MAX: MIN is itself a midnight, so rounding down stays in range.
        Timestamp { millis: self.millis.div_euclid(MS_PER_DAY) * MS_PER_DAY }
    }

    /// Strict RFC 3339:
    /// `YYYY-MM-DD('T'|'t')HH:MM:SS(.fraction)?('Z'|'z'|('+'|'-')HH:MM)`,
    /// normalised to UTC. Fraction digits beyond milliseconds are truncated,
    /// leap seconds (`:60`) are rejected, and the UTC result must lie in
    /// `MIN..=MAX`.
    pub fn parse_rfc3339(s: &str) -> Result<Timestamp, ValueError> {
        let err = |reason: &str| ValueError::timestamp(s, reason);
        let mut c = Cursor { bytes: s.as_bytes(), pos: 0 };
        let day = date(&mut c).map_err(err)?;
        let time = time_of_day(&mut c).map_err(err)?;
        let offset = offset(&mut c).map_err(err)?;
        if c.pos != c.bytes.len() {
            return Err(err("unexpected characters after the UTC offset"));
        }
        // Bounded far below i64 limits: |day| < 3e6 days, offset < 1 day.
        let millis = day * MS_PER_DAY + time - offset;
        Timestamp::from_millis(millis).ok_or_else(|| {
            err("outside the supported range 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z once converted to UTC")
        })
    }

    /// `YYYY-MM-DD` as midnight UTC, the form of a flag's `expires` date.
    pub fn parse_date(s: &str) -> Result<Timestamp, ValueError> {
        let err = |reason: &str| ValueError::date(s, reason);
        let mut c = Cursor { bytes: s.as_bytes(), pos: 0 };
        let day = date(&mut c).map_err(err)?;
        if c.pos != c.bytes.len() {
            return Err(err("expected only YYYY-MM-DD"));
        }
        // Every 4-digit date is in range; the check only avoids trusting that.
        Timestamp::from_millis(day * MS_PER_DAY).ok_or_else(|| err("outside the supported range"))
    }

    /// `YYYY-MM-DDTHH:MM:SS.sssZ`, exactly what JavaScript's
    /// `Date.prototype.toISOString` prints for the same instant.
    pub fn to_iso_string(self) -> String {
        self.iso_text().as_str().to_owned()
    }

    /// [`Timestamp::to_iso_string`]'s text on the stack: every decision
    /// carries it, so it is written digit by digit (`format!` costs several
    /// times more) and allocated once, where it is kept.
    pub fn iso_text(self) -> IsoText {
        let days = self.millis.div_euclid(MS_PER_DAY);
        let ms_of_day = self.millis.rem_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let mut out = [0u8; 24];
        let fields: [(i64, usize, usize); 7] = [
            (year, 0, 4),
            (month.into(), 5, 2),
            (day.into(), 8, 2),
            (ms_of_day / MS_PER_HOUR, 11, 2),
            (ms_of_day % MS_PER_HOUR / MS_PER_MINUTE, 14, 2),
            (ms_of_day % MS_PER_MINUTE / MS_PER_SECOND, 17, 2),
            (ms_of_day % MS_PER_SECOND, 20, 3),
        ];
        for (value, start, width) in fields {
            let mut rest = value.unsigned_abs();
            for i in (start..start + width).rev() {
                out[i] = b'0' + (rest % 10) as u8;
                rest /= 10;
            }
        }
        for (i, separator) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':'), (19, b'.'), (23, b'Z')] {
            out[i] = separator;
        }
        IsoText(out)
    }
}

/// The 24 ASCII bytes of an instant's ISO text ([`Timestamp::iso_text`]).
#[derive(Debug, Clone, Copy)]
pub struct IsoText([u8; 24]);

impl IsoText {
    pub fn as_str(&self) -> &str {
        // Digits and separators only: always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.iso_text().as_str())
    }
}

/// Reads ASCII syntax from a byte slice; any non-ASCII byte simply fails the
/// digit or separator check it meets, so no char boundaries are involved.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, accepted: &[u8]) -> Option<u8> {
        let b = self.peek().filter(|b| accepted.contains(b))?;
        self.pos += 1;
        Some(b)
    }

    fn expect(&mut self, accepted: &[u8], what: &'static str) -> Result<u8, &'static str> {
        self.eat(accepted).ok_or(what)
    }

    /// Exactly `n` ASCII digits (n ≤ 4, so the value fits easily).
    fn digits(&mut self, n: usize, what: &'static str) -> Result<u32, &'static str> {
        let end = self.pos + n;
        let field = self.bytes.get(self.pos..end).ok_or(what)?;
        if !field.iter().all(u8::is_ascii_digit) {
            return Err(what);
        }
        self.pos = end;
        Ok(field.iter().fold(0, |acc, b| acc * 10 + u32::from(b - b'0')))
    }
}

/// `YYYY-MM-DD` as days since the epoch.
fn date(c: &mut Cursor<'_>) -> Result<i64, &'static str> {
    let year = i64::from(c.digits(4, "expected a 4-digit year (YYYY-MM-DD)")?);
    c.expect(b"-", "expected '-' after the year (YYYY-MM-DD)")?;
    let month = c.digits(2, "expected a 2-digit month (YYYY-MM-DD)")?;
    c.expect(b"-", "expected '-' after the month (YYYY-MM-DD)")?;
    let day = c.digits(2, "expected a 2-digit day (YYYY-MM-DD)")?;
    if !(1..=12).contains(&month) {
        return Err("month must be 01 to 12");
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(match days_in_month(year, month) {
            31 => "day must be 01 to 31 in this month",
            30 => "day must be 01 to 30 in this month",
            29 => "day must be 01 to 29 in February of a leap year",
            _ => "day must be 01 to 28 in February of a non-leap year",
        });
    }
    Ok(days_from_civil(year, month, day))
}

/// `THH:MM:SS(.fraction)?` as milliseconds since midnight.
fn time_of_day(c: &mut Cursor<'_>) -> Result<i64, &'static str> {
    c.expect(b"Tt", "expected 'T' between the date and the time")?;
    let hour = c.digits(2, "expected a 2-digit hour (HH:MM:SS)")?;
    c.expect(b":", "expected ':' after the hour (HH:MM:SS)")?;
    let minute = c.digits(2, "expected a 2-digit minute (HH:MM:SS)")?;
    c.expect(b":", "expected ':' after the minute; seconds are required (HH:MM:SS)")?;
    let second = c.digits(2, "expected 2-digit seconds (HH:MM:SS)")?;
    if hour > 23 {
        return Err("hour must be 00 to 23");
    }
    if minute > 59 {
        return Err("minute must be 00 to 59");
    }
    if second == 60 {
        return Err("leap seconds (:60) are not supported");
    }
    if second > 59 {
        return Err("second must be 00 to 59");
    }
    let millis = if c.eat(b".").is_some() { fraction_millis(c)? } else { 0 };
    Ok(i64::from(hour) * MS_PER_HOUR + i64::from(minute) * MS_PER_MINUTE + i64::from(second) * MS_PER_SECOND + millis)
}

/// One or more digits after the '.'; those past the third are checked but
/// dropped, which truncates (never rounds) to milliseconds.
fn fraction_millis(c: &mut Cursor<'_>) -> Result<i64, &'static str> {
    let mut millis = 0;
    let mut count = 0;
    while let Some(b) = c.eat(b"0123456789") {
        if count < 3 {
            millis = millis * 10 + i64::from(b - b'0');
        }
        count += 1;
    }
    if count == 0 {
        return Err("expected at least one digit after '.'");
    }
    for _ in count..3 {
        millis *= 10;
    }
    Ok(millis)
}

/// `Z`, `z` or `±HH:MM` as the milliseconds to subtract to reach UTC.
fn offset(c: &mut Cursor<'_>) -> Result<i64, &'static str> {
    let what = "expected 'Z' or a UTC offset such as +01:00 after the time";
    let sign = match c.expect(b"Zz+-", what)? {
        b'+' => 1,
        b'-' => -1,
        _ => return Ok(0),
    };
    let hours = c.digits(2, "expected a 2-digit offset hour (+HH:MM)")?;
    c.expect(b":", "expected ':' in the UTC offset (+HH:MM)")?;
    let minutes = c.digits(2, "expected 2-digit offset minutes (+HH:MM)")?;
    if hours > 23 {
        return Err("offset hour must be 00 to 23");
    }
    if minutes > 59 {
        return Err("offset minutes must be 00 to 59");
    }
    Ok(sign * (i64::from(hours) * MS_PER_HOUR + i64::from(minutes) * MS_PER_MINUTE))
}

#[cfg(test)]
mod tests;
