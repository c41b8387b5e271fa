/// The canonical variant text of a float: Rust's shortest round-trip
/// formatting, `format!("{f:?}")`.
///
/// This exact text is the contract (decisions carry it as `variant`, and every
/// host must reproduce it), so it is pinned by the tests below rather than
/// described loosely. Integral values below 1e16 get a `.0` (`1.0`, `100.0`);
/// magnitudes from 1e16 up, or below 1e-4, use exponent notation without a
/// `.0` or `+` (`1e16`, `1e20`, `1e-7`, `1.5e300`); negative zero keeps its
/// sign (`-0.0`). Vexil never produces NaN or infinities, but for completeness
/// they print as `NaN`, `inf` and `-inf`.
pub fn float_text(f: f64) -> String {
    format!("{f:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_texts() {
        let cases: [(f64, &str); 22] = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-1.0, "-1.0"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (100.0, "100.0"),
            (1.5, "1.5"),
            (123_456_789.0, "123456789.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e16"),
            (1.5e16, "1.5e16"),
            (1e20, "1e20"),
            (1e21, "1e21"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (1e-5, "1e-5"),
            (1e-7, "1e-7"),
            (f64::MAX, "1.7976931348623157e308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
            (-2.5e-10, "-2.5e-10"),
        ];
        for (f, text) in cases {
            assert_eq!(float_text(f), text);
        }
    }

    #[test]
    fn non_finite_values_do_not_panic() {
        assert_eq!(float_text(f64::NAN), "NaN");
        assert_eq!(float_text(f64::INFINITY), "inf");
        assert_eq!(float_text(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn text_round_trips() {
        for f in [0.1, 1.0 / 3.0, 2.0f64.sqrt(), 1e300, 1e-300, 9_007_199_254_740_993.0, -7.25] {
            assert_eq!(float_text(f).parse::<f64>(), Ok(f));
        }
    }
}
