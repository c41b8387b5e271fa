//! The command line's clock: the only place the system time is read. The
//! engine itself never reads a clock; `now` and `today` are inputs.

use std::time::{SystemTime, UNIX_EPOCH};

use vexil::Timestamp;

/// The current instant, or `None` if the clock is outside years 0000–9999.
pub fn now() -> Option<Timestamp> {
    let millis = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).ok()?,
        Err(before) => -i64::try_from(before.duration().as_millis()).ok()?,
    };
    Timestamp::from_millis(millis)
}

/// Midnight UTC of the current day.
pub fn today() -> Option<Timestamp> {
    now().map(Timestamp::start_of_day)
}
