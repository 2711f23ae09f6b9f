//! Statuses, dates, durations and role names as each language writes them.

use gdap_domain::enums::RelationshipStatus as S;
use gdap_domain::mail::Language;
use time::{OffsetDateTime, UtcOffset};

/// A relationship status as customers read it.
pub fn status(lang: Language, s: S) -> &'static str {
    match (lang, s) {
        (Language::Ja, S::Active) => "アクティブ",
        (Language::Ja, S::ApprovalPending) => "承認待ち",
        (Language::Ja, S::Approved) => "承認済み",
        (Language::Ja, S::Activating) => "アクティブ化中",
        (Language::Ja, S::Created) => "作成済み",
        (Language::Ja, S::Expired) => "期限切れ",
        (Language::Ja, S::Expiring) => "期限切れ処理中",
        (Language::Ja, S::Terminated) => "終了",
        (Language::Ja, S::Terminating) => "終了処理中",
        (Language::Ja, S::TerminationRequested) => "終了要求済み",
        (Language::Ja, S::UnknownFutureValue) => "不明",
        (Language::En, S::Active) => "Active",
        (Language::En, S::ApprovalPending) => "Approval pending",
        (Language::En, S::Approved) => "Approved",
        (Language::En, S::Activating) => "Activating",
        (Language::En, S::Created) => "Created",
        (Language::En, S::Expired) => "Expired",
        (Language::En, S::Expiring) => "Expiring",
        (Language::En, S::Terminated) => "Terminated",
        (Language::En, S::Terminating) => "Terminating",
        (Language::En, S::TerminationRequested) => "Termination requested",
        (Language::En, S::UnknownFutureValue) => "Unknown",
    }
}

/// A date and time: Japan time for Japanese readers, UTC otherwise, always with the zone.
pub fn datetime(lang: Language, t: OffsetDateTime) -> String {
    match lang {
        Language::Ja => {
            let jst = UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC);
            let t = t.to_offset(jst);
            format!(
                "{}年{}月{}日 {:02}:{:02} (JST)",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        }
        Language::En => format!(
            "{} {} {} {:02}:{:02} UTC",
            t.day(),
            t.month(),
            t.year(),
            t.hour(),
            t.minute()
        ),
    }
}

/// A date only.
pub fn date(lang: Language, t: OffsetDateTime) -> String {
    match lang {
        Language::Ja => {
            let jst = UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC);
            let t = t.to_offset(jst);
            format!("{}/{:02}/{:02}", t.year(), u8::from(t.month()), t.day())
        }
        Language::En => format!("{} {} {}", t.day(), t.month(), t.year()),
    }
}

/// A number of days.
pub fn days(lang: Language, n: i64) -> String {
    match lang {
        Language::Ja => format!("{n}日"),
        Language::En if n == 1 => "1 day".to_owned(),
        Language::En => format!("{n} days"),
    }
}

/// Joins the items of a list as the language writes them (Japanese with 「、」).
pub fn list(lang: Language, items: &[&str]) -> String {
    items.join(match lang {
        Language::Ja => "、",
        Language::En => ", ",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn japanese_readers_see_japan_time_and_english_readers_utc() {
        let t = datetime!(2026-11-22 20:30 UTC);
        assert_eq!(datetime(Language::Ja, t), "2026年11月23日 05:30 (JST)");
        assert_eq!(datetime(Language::En, t), "22 November 2026 20:30 UTC");
    }
}
