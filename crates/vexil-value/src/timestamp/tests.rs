use super::*;

fn ms(s: &str) -> i64 {
    match Timestamp::parse_rfc3339(s) {
        Ok(t) => t.millis(),
        Err(e) => panic!("{s}: {e}"),
    }
}

fn reason(s: &str) -> String {
    match Timestamp::parse_rfc3339(s) {
        Ok(t) => panic!("{s} parsed as {t}"),
        Err(ValueError::Timestamp { reason, .. }) => reason,
        Err(e) => panic!("{s}: wrong variant {e:?}"),
    }
}

#[test]
fn known_epoch_values() {
    assert_eq!(ms("1970-01-01T00:00:00.000Z"), 0);
    assert_eq!(ms("1970-01-01T00:00:00Z"), 0);
    assert_eq!(ms("2000-01-01T00:00:00Z"), 946_684_800_000);
    assert_eq!(ms("0000-01-01T00:00:00Z"), -62_167_219_200_000);
    assert_eq!(ms("9999-12-31T23:59:59.999Z"), 253_402_300_799_999);
    assert_eq!(ms("1969-12-31T23:59:59.999Z"), -1);
    // 2024-02-29 is day 19782 of the epoch: 54 years with 13 leap days
    // (1972..=2020) = 19723, plus 31 + 28 days of 2024.
    assert_eq!(ms("2024-02-29T12:34:56.789Z"), 19_782 * MS_PER_DAY + 45_296_789);
}

#[test]
fn min_and_max_constants() {
    assert_eq!(Timestamp::MIN.to_iso_string(), "0000-01-01T00:00:00.000Z");
    assert_eq!(Timestamp::MAX.to_iso_string(), "9999-12-31T23:59:59.999Z");
    assert_eq!(Timestamp::from_millis(Timestamp::MIN.millis()), Some(Timestamp::MIN));
    assert_eq!(Timestamp::from_millis(Timestamp::MAX.millis()), Some(Timestamp::MAX));
    assert_eq!(Timestamp::from_millis(Timestamp::MIN.millis() - 1), None);
    assert_eq!(Timestamp::from_millis(Timestamp::MAX.millis() + 1), None);
    assert_eq!(Timestamp::from_millis(i64::MIN), None);
    assert_eq!(Timestamp::from_millis(i64::MAX), None);
    assert!(Timestamp::MIN < Timestamp::MAX);
}

#[test]
fn leap_years() {
    assert_eq!(ms("2000-02-29T00:00:00Z"), ms("2000-03-01T00:00:00Z") - MS_PER_DAY);
    assert_eq!(ms("2024-02-29T00:00:00Z"), ms("2024-03-01T00:00:00Z") - MS_PER_DAY);
    assert_eq!(ms("0000-02-29T00:00:00Z"), ms("0000-03-01T00:00:00Z") - MS_PER_DAY);
    assert_eq!(reason("1900-02-29T00:00:00Z"), "day must be 01 to 28 in February of a non-leap year");
    assert_eq!(reason("2023-02-29T00:00:00Z"), "day must be 01 to 28 in February of a non-leap year");
    assert_eq!(reason("2024-02-30T00:00:00Z"), "day must be 01 to 29 in February of a leap year");
    assert_eq!(reason("2024-04-31T00:00:00Z"), "day must be 01 to 30 in this month");
    assert_eq!(reason("2024-01-32T00:00:00Z"), "day must be 01 to 31 in this month");
    assert_eq!(reason("2024-01-00T00:00:00Z"), "day must be 01 to 31 in this month");
}

#[test]
fn offsets_are_subtracted() {
    assert_eq!(ms("1970-01-01T01:00:00+01:00"), 0);
    assert_eq!(ms("1969-12-31T19:00:00-05:00"), 0);
    assert_eq!(ms("1970-01-01T05:30:00+05:30"), 0);
    assert_eq!(ms("1970-01-01T00:00:00-00:00"), 0);
    assert_eq!(ms("1970-01-01T00:00:00+00:00"), 0);
    assert_eq!(ms("1970-01-02T23:59:00+23:59"), MS_PER_DAY);
    assert_eq!(ms("1970-01-01T00:00:00-23:59"), 23 * MS_PER_HOUR + 59 * MS_PER_MINUTE);
}

#[test]
fn offsets_cross_day_and_year_boundaries() {
    assert_eq!(ms("2024-01-01T00:30:00+01:00"), ms("2023-12-31T23:30:00Z"));
    assert_eq!(ms("2023-12-31T22:00:00-03:00"), ms("2024-01-01T01:00:00Z"));
    assert_eq!(ms("2024-03-01T00:00:00+00:01"), ms("2024-02-29T23:59:00Z"));
    assert_eq!(
        Timestamp::parse_rfc3339("2024-12-31T20:00:00.5-05:00").map(|t| t.to_iso_string()),
        Ok("2025-01-01T01:00:00.500Z".to_owned())
    );
}

#[test]
fn results_outside_the_range_are_rejected() {
    assert!(reason("0000-01-01T00:30:00+01:00").starts_with("outside the supported range"));
    assert!(reason("9999-12-31T23:30:00-01:00").starts_with("outside the supported range"));
    assert_eq!(ms("0000-01-01T01:00:00+01:00"), Timestamp::MIN.millis());
    assert_eq!(ms("9999-12-31T22:59:59.999-01:00"), Timestamp::MAX.millis());
}

#[test]
fn fractions_are_truncated_to_milliseconds() {
    assert_eq!(ms("1970-01-01T00:00:00.5Z"), 500);
    assert_eq!(ms("1970-01-01T00:00:00.05Z"), 50);
    assert_eq!(ms("1970-01-01T00:00:00.123Z"), 123);
    assert_eq!(ms("1970-01-01T00:00:00.1239Z"), 123);
    assert_eq!(ms("1970-01-01T00:00:00.999999999999999999999999Z"), 999);
    assert_eq!(ms("1970-01-01T00:00:00.0009Z"), 0);
    assert_eq!(ms("1970-01-01T00:00:00.000Z"), 0);
    // Truncation happens before the offset, on the local clock reading.
    assert_eq!(ms("1970-01-01T01:00:00.9999+01:00"), 999);
    // Before the epoch truncation still goes toward the earlier local digit
    // string, i.e. toward negative infinity in millis.
    assert_eq!(ms("1969-12-31T23:59:59.9999Z"), -1);
}

#[test]
fn lowercase_t_and_z_are_accepted() {
    assert_eq!(ms("2000-01-01t00:00:00z"), 946_684_800_000);
    assert_eq!(ms("2000-01-01t00:00:00Z"), 946_684_800_000);
    assert_eq!(ms("2000-01-01T00:00:00z"), 946_684_800_000);
    assert_eq!(ms("2000-01-01t01:00:00+01:00"), 946_684_800_000);
}

#[test]
fn rejection_list() {
    let cases = [
        ("2016-12-31T23:59:60Z", "leap seconds (:60) are not supported"),
        ("2016-12-31T23:59:60.5+01:00", "leap seconds (:60) are not supported"),
        ("2024-01-01T23:59:61Z", "second must be 00 to 59"),
        ("2024-01-01T24:00:00Z", "hour must be 00 to 23"),
        ("2024-01-01T12:60:00Z", "minute must be 00 to 59"),
        ("2024-13-01T00:00:00Z", "month must be 01 to 12"),
        ("2024-00-01T00:00:00Z", "month must be 01 to 12"),
        ("2024-01-01T12:00:00", "expected 'Z' or a UTC offset such as +01:00 after the time"),
        ("24-01-01T12:00:00Z", "expected a 4-digit year (YYYY-MM-DD)"),
        ("+2024-01-01T12:00:00Z", "expected a 4-digit year (YYYY-MM-DD)"),
        ("12024-01-01T12:00:00Z", "expected '-' after the year (YYYY-MM-DD)"),
        ("2024-1-01T12:00:00Z", "expected a 2-digit month (YYYY-MM-DD)"),
        ("2024-01-1T12:00:00Z", "expected a 2-digit day (YYYY-MM-DD)"),
        ("2024/01/01T12:00:00Z", "expected '-' after the year (YYYY-MM-DD)"),
        ("2024-01-01T12:00:00Zjunk", "unexpected characters after the UTC offset"),
        ("2024-01-01T12:00:00Z ", "unexpected characters after the UTC offset"),
        ("2024-01-01T12:00:00+01:00Z", "unexpected characters after the UTC offset"),
        ("2024-01-01T12:00:00.Z", "expected at least one digit after '.'"),
        ("2024-01-01T12:00:00,5Z", "expected 'Z' or a UTC offset such as +01:00 after the time"),
        ("2024-01-01 12:00:00Z", "expected 'T' between the date and the time"),
        ("2024-01-01", "expected 'T' between the date and the time"),
        ("2024-01-01T12:00Z", "expected ':' after the minute; seconds are required (HH:MM:SS)"),
        ("2024-01-01T1:00:00Z", "expected a 2-digit hour (HH:MM:SS)"),
        ("2024-01-01T12:0:00Z", "expected a 2-digit minute (HH:MM:SS)"),
        ("2024-01-01T12:00:0Z", "expected 2-digit seconds (HH:MM:SS)"),
        ("2024-01-01T12:00:00+0100", "expected ':' in the UTC offset (+HH:MM)"),
        ("2024-01-01T12:00:00+01", "expected ':' in the UTC offset (+HH:MM)"),
        ("2024-01-01T12:00:00+1:00", "expected a 2-digit offset hour (+HH:MM)"),
        ("2024-01-01T12:00:00+01:0", "expected 2-digit offset minutes (+HH:MM)"),
        ("2024-01-01T12:00:00+24:00", "offset hour must be 00 to 23"),
        ("2024-01-01T12:00:00+01:60", "offset minutes must be 00 to 59"),
        ("2024-01-01T12:00:00UTC", "expected 'Z' or a UTC offset such as +01:00 after the time"),
        ("2024-01-01X12:00:00Z", "expected 'T' between the date and the time"),
        (" 2024-01-01T12:00:00Z", "expected a 4-digit year (YYYY-MM-DD)"),
        ("", "expected a 4-digit year (YYYY-MM-DD)"),
        ("２０２４-01-01T12:00:00Z", "expected a 4-digit year (YYYY-MM-DD)"),
        ("2024-01-01T12:00:00.５Z", "expected at least one digit after '.'"),
        ("2024-01-01T12:00:00−01:00", "expected 'Z' or a UTC offset such as +01:00 after the time"),
    ];
    for (input, expected) in cases {
        assert_eq!(reason(input), expected, "{input}");
    }
}

#[test]
fn error_message_names_the_input() {
    let err = Timestamp::parse_rfc3339("2024-13-01T00:00:00Z").map(|_| ());
    assert_eq!(
        err.map_err(|e| e.to_string()),
        Err(r#"invalid timestamp "2024-13-01T00:00:00Z": month must be 01 to 12"#.to_owned())
    );
}

#[test]
fn iso_string_format() {
    let t = |ms: i64| Timestamp::from_millis(ms).map(|t| t.to_iso_string());
    assert_eq!(t(0).as_deref(), Some("1970-01-01T00:00:00.000Z"));
    assert_eq!(t(-1).as_deref(), Some("1969-12-31T23:59:59.999Z"));
    assert_eq!(t(1).as_deref(), Some("1970-01-01T00:00:00.001Z"));
    assert_eq!(t(946_684_800_000).as_deref(), Some("2000-01-01T00:00:00.000Z"));
    // Values checked against JavaScript's `new Date(ms).toISOString()`.
    assert_eq!(t(1_700_000_000_000).as_deref(), Some("2023-11-14T22:13:20.000Z"));
    assert_eq!(t(-86_400_001).as_deref(), Some("1969-12-30T23:59:59.999Z"));
    assert_eq!(t(951_782_400_000).as_deref(), Some("2000-02-29T00:00:00.000Z"));
    assert_eq!(t(-2_208_988_800_000).as_deref(), Some("1900-01-01T00:00:00.000Z"));
    assert_eq!(Timestamp::MAX.to_string(), Timestamp::MAX.to_iso_string());
}

#[test]
fn round_trip_sweep() {
    let min = Timestamp::MIN.millis();
    let max = Timestamp::MAX.millis();
    // A prime stride visits every time of day and every calendar position.
    let mut ms = min;
    let mut checked = 0;
    while ms <= max {
        round_trip(ms);
        checked += 1;
        ms += 7_919_999_977;
    }
    assert!(checked > 30_000);
    for ms in (-3_000..3_000).chain(min..min + 2_000).chain(max - 2_000..=max) {
        round_trip(ms);
    }
}

fn round_trip(ms: i64) {
    let Some(t) = Timestamp::from_millis(ms) else { panic!("{ms} out of range") };
    let text = t.to_iso_string();
    assert_eq!(text.len(), 24, "{text}");
    assert_eq!(Timestamp::parse_rfc3339(&text), Ok(t), "{text}");
}

#[test]
fn parse_date_is_midnight_utc() {
    assert_eq!(Timestamp::parse_date("1970-01-01").map(Timestamp::millis), Ok(0));
    assert_eq!(Timestamp::parse_date("2000-01-01").map(Timestamp::millis), Ok(946_684_800_000));
    assert_eq!(Timestamp::parse_date("0000-01-01"), Ok(Timestamp::MIN));
    assert_eq!(Timestamp::parse_date("9999-12-31").map(Timestamp::millis), Ok(Timestamp::MAX.millis() - 86_399_999));
    assert_eq!(
        Timestamp::parse_date("2024-02-29").map(Timestamp::to_iso_string),
        Ok("2024-02-29T00:00:00.000Z".to_owned())
    );
}

#[test]
fn parse_date_rejections() {
    for (input, expected) in [
        ("2023-02-29", "day must be 01 to 28 in February of a non-leap year"),
        ("2024-13-01", "month must be 01 to 12"),
        ("2024-01-01T00:00:00Z", "expected only YYYY-MM-DD"),
        ("2024-01-01 ", "expected only YYYY-MM-DD"),
        ("2024-1-1", "expected a 2-digit month (YYYY-MM-DD)"),
        ("24-01-01", "expected a 4-digit year (YYYY-MM-DD)"),
        ("", "expected a 4-digit year (YYYY-MM-DD)"),
    ] {
        let got = Timestamp::parse_date(input);
        assert_eq!(got, Err(ValueError::Date { input: input.to_owned(), reason: expected.to_owned() }), "{input}");
    }
    assert_eq!(
        Timestamp::parse_date("2024-13-01").map_err(|e| e.to_string()),
        Err(r#"invalid date "2024-13-01": month must be 01 to 12"#.to_owned())
    );
}

#[test]
fn ordering_follows_the_instant() {
    assert!(ms("2024-01-01T12:00:00+02:00") < ms("2024-01-01T11:00:00Z"));
    let a = Timestamp::from_millis(-5);
    let b = Timestamp::from_millis(5);
    assert!(a < b);
}
