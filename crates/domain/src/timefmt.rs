//! Timestamps as Graph writes them (`2022-02-10T11:24:42.3148266Z`) and as the store keeps them.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Formats an instant in UTC with seven fractional digits and `Z`, as Graph does.
pub fn format_graph(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 100
    )
}

/// Parses an RFC 3339 timestamp (any number of fractional digits, any offset).
pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// Microseconds since the Unix epoch, the store's representation.
pub fn to_micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

/// The inverse of [`to_micros`]; out-of-range values clamp to the epoch.
pub fn from_micros(us: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Truncates an instant to whole microseconds, so that what is stored equals what is held.
pub fn truncate_micros(t: OffsetDateTime) -> OffsetDateTime {
    from_micros(to_micros(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn graph_timestamps_have_seven_fractional_digits() {
        let t = datetime!(2022-02-10 11:24:42.3148266 UTC);
        assert_eq!(format_graph(t), "2022-02-10T11:24:42.3148266Z");
        assert_eq!(
            format_graph(datetime!(2027-01-01 0:00 UTC)),
            "2027-01-01T00:00:00.0000000Z"
        );
    }

    #[test]
    fn micros_round_trip() {
        let t = datetime!(2026-11-22 10:00:00.123456 UTC);
        assert_eq!(from_micros(to_micros(t)), t);
    }
}
