//! ISO-8601 durations as Graph's `Edm.Duration` carries them (`P730D`, `PT0S`, `P180D`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration string that is not ISO-8601.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not an ISO 8601 duration{}", hint.as_ref().map(|h| format!("; write it as `{h}`")).unwrap_or_else(|| " such as `P730D`".to_owned()))]
pub struct DurationError {
    /// The rejected input (shortened when very long).
    pub input: String,
    /// The ISO form of the same length, when the input was a recognisable other notation
    /// (Python's `timedelta` text `730 days, 0:00:00` or .NET's `730.00:00:00`).
    pub hint: Option<String>,
}

/// A parsed ISO-8601 duration that keeps the text the client sent, so it can be echoed back.
///
/// Its length is nominal: a year is 365 days, a month 30 days, a week 7 days and a day 24 hours,
/// which is how Partner Center counts ("duration in days", at most 730).
#[derive(Clone, PartialEq, Eq)]
pub struct IsoDuration {
    text: String,
    seconds: i64,
}

const DAY: i64 = 86_400;

impl IsoDuration {
    /// Parses `PnYnMnWnDTnHnMnS` (any subset of the parts, in that order, at least one).
    pub fn parse(input: &str) -> Result<Self, DurationError> {
        parse_iso(input)
            .map(|seconds| Self {
                text: input.to_owned(),
                seconds,
            })
            .ok_or_else(|| DurationError {
                input: input.chars().take(80).collect(),
                hint: foreign_notation_hint(input),
            })
    }

    /// The text as the client wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The nominal length in seconds.
    pub const fn total_seconds(&self) -> i64 {
        self.seconds
    }

    /// The nominal length as a `time::Duration`.
    pub fn to_time(&self) -> time::Duration {
        time::Duration::seconds(self.seconds)
    }
}

impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IsoDuration({})", self.text)
    }
}

impl Serialize for IsoDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for IsoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Returns the nominal number of seconds, or `None` when the text is not a duration.
fn parse_iso(input: &str) -> Option<i64> {
    let rest = input.strip_prefix('P')?;
    if rest.is_empty() || input.len() > 64 {
        return None;
    }
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => {
            if t.is_empty() {
                return None;
            }
            (d, Some(t))
        }
        None => (rest, None),
    };
    let mut total: i64 = 0;
    let date_units: [(u8, i64); 4] = [
        (b'Y', 365 * DAY),
        (b'M', 30 * DAY),
        (b'W', 7 * DAY),
        (b'D', DAY),
    ];
    total = total.checked_add(parse_parts(date, &date_units, false)?)?;
    if let Some(t) = time {
        let time_units: [(u8, i64); 3] = [(b'H', 3600), (b'M', 60), (b'S', 1)];
        total = total.checked_add(parse_parts(t, &time_units, true)?)?;
    }
    Some(total)
}

/// Parses a run of `<number><unit>` parts whose units appear in the given order.
/// Only the seconds part of the time section may carry a fraction (rounded down to whole seconds).
fn parse_parts(s: &str, units: &[(u8, i64)], fraction_on_last: bool) -> Option<i64> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut next_unit = 0;
    let mut total: i64 = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || i - start > 12 {
            return None;
        }
        let whole: i64 = s[start..i].parse().ok()?;
        let mut has_fraction = false;
        if i < bytes.len() && (bytes[i] == b'.' || bytes[i] == b',') {
            i += 1;
            let fstart = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i == fstart {
                return None;
            }
            has_fraction = true;
        }
        let unit = *bytes.get(i)?;
        i += 1;
        let pos = units[next_unit..].iter().position(|(u, _)| *u == unit)? + next_unit;
        if has_fraction && !(fraction_on_last && pos == units.len() - 1) {
            return None;
        }
        next_unit = pos + 1;
        total = total.checked_add(whole.checked_mul(units[pos].1)?)?;
    }
    Some(total)
}

/// Recognises Python `timedelta` text (`730 days, 0:00:00`, `1 day, 2:03:04.5`, `0:00:00`) and
/// .NET `TimeSpan` text (`730.00:00:00`, `00:00:00`) and returns the equivalent ISO form.
fn foreign_notation_hint(input: &str) -> Option<String> {
    let s = input.trim();
    let (days, clock) = if let Some((d, rest)) = s.split_once(" day") {
        let rest = rest.strip_prefix('s').unwrap_or(rest);
        let clock = rest.strip_prefix(", ")?;
        (d.trim().parse::<u64>().ok()?, clock)
    } else if let Some((d, rest)) = s
        .split_once('.')
        .filter(|(d, r)| !d.contains(':') && r.contains(':'))
    {
        (d.parse::<u64>().ok()?, rest)
    } else {
        (0, s)
    };
    let mut it = clock.split(':');
    let h: u64 = it.next()?.parse().ok()?;
    let m: u64 = it.next()?.parse().ok()?;
    let sec_text = it.next()?;
    if it.next().is_some() {
        return None;
    }
    let sec: u64 = sec_text.split('.').next()?.parse().ok()?;
    if m >= 60 || sec >= 60 {
        return None;
    }
    let mut out = format!("P{days}D");
    if days == 0 && (h, m, sec) == (0, 0, 0) {
        return Some("PT0S".to_owned());
    }
    if (h, m, sec) != (0, 0, 0) {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if sec > 0 {
            out.push_str(&format!("{sec}S"));
        }
    }
    if days == 0 {
        out = out.replacen("P0D", "P", 1);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_durations_parse_to_their_nominal_length() {
        assert_eq!(
            IsoDuration::parse("P730D").unwrap().total_seconds(),
            730 * DAY
        );
        assert_eq!(
            IsoDuration::parse("P2Y").unwrap().total_seconds(),
            730 * DAY
        );
        assert_eq!(IsoDuration::parse("PT0S").unwrap().total_seconds(), 0);
        assert_eq!(IsoDuration::parse("P0D").unwrap().total_seconds(), 0);
        assert_eq!(
            IsoDuration::parse("P1DT12H").unwrap().total_seconds(),
            DAY + 12 * 3600
        );
        assert_eq!(IsoDuration::parse("PT1.5S").unwrap().total_seconds(), 1);
        assert_eq!(IsoDuration::parse("P1W").unwrap().total_seconds(), 7 * DAY);
    }

    #[test]
    fn the_client_text_is_kept_for_echoing() {
        assert_eq!(IsoDuration::parse("P2Y").unwrap().as_str(), "P2Y");
    }

    #[test]
    fn malformed_durations_are_refused() {
        for bad in [
            "",
            "P",
            "PT",
            "730",
            "P730",
            "-P1D",
            "P1D2Y",
            "P1.5D",
            "PT1H2H",
            "p1d",
            "P1DT",
            "P99999999999999D",
        ] {
            assert!(IsoDuration::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn python_timedelta_text_is_refused_with_the_iso_form() {
        let e = IsoDuration::parse("730 days, 0:00:00").unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("P730D"));
        assert!(e.to_string().contains("`P730D`"), "{e}");
        let e = IsoDuration::parse("1 day, 2:03:04").unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("P1DT2H3M4S"));
        let e = IsoDuration::parse("0:00:00").unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("PT0S"));
        let e = IsoDuration::parse("180.00:00:00").unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("P180D"));
        let e = IsoDuration::parse("2:30:00").unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("PT2H30M"));
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_parser_never_panics_on_any_input(s in "\\PC{0,40}") {
            let _ = IsoDuration::parse(&s);
        }

        #[test]
        fn the_parser_never_panics_on_duration_like_input(s in "P[0-9YMWDTHS.,]{0,30}") {
            let _ = IsoDuration::parse(&s);
        }

        #[test]
        fn whole_days_round_trip(d in 0u32..100_000) {
            let p = IsoDuration::parse(&format!("P{d}D")).unwrap();
            prop_assert_eq!(p.total_seconds(), i64::from(d) * DAY);
        }
    }
}
