//! Renewal notices: the e-mails that warn both sides of a relationship before it ends, tell them
//! when it has ended, and remind them of an invitation nobody has approved yet.
//!
//! Each notice is sent once per relationship and kind. A clock that passes several thresholds at
//! once yields only the nearest one still ahead of the end: each threshold is looked for only
//! between it and the next nearer one, so a passed one is never sent late.

use time::{Duration, OffsetDateTime};

use crate::mail::{date, one_line, Composed, Language};

/// Days before the end date at which a relationship's partner and customer are warned.
pub const ENDING_DAYS: [i64; 3] = [30, 7, 1];

/// Days before an invitation's link stops working at which both sides are reminded.
pub const INVITATION_DAYS: [i64; 2] = [7, 1];

/// How long after its end an expired relationship still gets its expiry notice (a node that was
/// down over the end date catches up; older expiries stay silent).
pub const EXPIRED_GRACE: Duration = Duration::days(30);

/// What a renewal notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RenewalKind {
    /// The relationship ends within this many days.
    Ending(i64),
    /// The relationship has ended.
    Expired,
    /// The invitation's link stops working within this many days.
    InvitationEnding(i64),
}

impl RenewalKind {
    /// The key recorded once the notice is sent (`end-30`, `expired`, `invite-7` …).
    pub fn key(self) -> String {
        match self {
            Self::Ending(d) => format!("end-{d}"),
            Self::Expired => "expired".to_owned(),
            Self::InvitationEnding(d) => format!("invite-{d}"),
        }
    }

    /// The warning due for a deadline `end` seen at `now` from `series` (descending days): the
    /// nearest threshold already reached, or `None` when none is reached or the deadline passed.
    fn nearest(series: &[i64], end: OffsetDateTime, now: OffsetDateTime) -> Option<i64> {
        if end <= now {
            return None;
        }
        series
            .iter()
            .copied()
            .filter(|d| end - now <= Duration::days(*d))
            .min()
    }

    /// The notice due for a relationship ending at `end`, seen at `now`.
    pub fn for_end(end: OffsetDateTime, now: OffsetDateTime) -> Option<Self> {
        if end <= now {
            Some(Self::Expired)
        } else {
            Self::nearest(&ENDING_DAYS, end, now).map(Self::Ending)
        }
    }

    /// The reminder due for an invitation whose link stops working at `expires`, seen at `now`.
    pub fn for_invitation(expires: OffsetDateTime, now: OffsetDateTime) -> Option<Self> {
        Self::nearest(&INVITATION_DAYS, expires, now).map(Self::InvitationEnding)
    }
}

/// Who reads a notice: the partner's admin agents, or the customer's administrators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The partner's Admin Agents.
    Partner,
    /// The customer's administrators.
    Customer,
}

/// What a renewal notice says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalNotice<'a> {
    /// What it is about.
    pub kind: RenewalKind,
    /// Who reads it.
    pub audience: Audience,
    /// The partner's name.
    pub partner_name: &'a str,
    /// The customer's name.
    pub customer_name: &'a str,
    /// The customer's default domain.
    pub customer_domain: &'a str,
    /// The relationship's display name.
    pub relationship: &'a str,
    /// The end date, or when the invitation's link stops working.
    pub deadline: OffsetDateTime,
    /// Where the reader acts: the partner portal, the customer's Partner relationships page, or the
    /// approval page of an invitation.
    pub url: &'a str,
}

/// Composes a renewal notice.
pub fn renewal_mail(n: &RenewalNotice<'_>, lang: Language) -> Composed {
    let partner = one_line(n.partner_name, 120);
    let customer = one_line(n.customer_name, 120);
    let domain = one_line(n.customer_domain, 200);
    let name = one_line(n.relationship, 200);
    let url = one_line(n.url, 2000);
    let when = date(n.deadline, lang);
    let (subject, lead, todo) = match lang {
        Language::Ja => ja(n, &partner, &customer, &domain, &name, &when),
        Language::En => en(n, &partner, &customer, &domain, &name, &when),
    };
    let footer = match lang {
        Language::Ja => "＃ 本メールは送信専用のメールアドレスで送信しております。",
        Language::En => "# This e-mail was sent from a send-only address.",
    };
    Composed {
        subject,
        body: format!("{lead}\n\n{todo}\n{url}\n\n{footer}\n"),
    }
}

type Text = (String, String, String);

fn ja(n: &RenewalNotice<'_>, p: &str, c: &str, d: &str, name: &str, when: &str) -> Text {
    let who = format!("{c}（{d}）と {p}");
    match (n.kind, n.audience) {
        (RenewalKind::Ending(days), aud) => (
            format!("【お知らせ】管理者リレーションシップ「{name}」はあと{days}日で終了します"),
            format!(
                "{who} の管理者リレーションシップ「{name}」は、{when}に終了します（残り{days}日以内）。\n\
                 終了すると、パートナーに付与された管理者ロールは自動的に削除されます。"
            ),
            match aud {
                Audience::Partner => "引き続き管理するには、お客様に新しい管理者リレーションシップの承認を依頼してください:".to_owned(),
                Audience::Customer => format!("引き続き {p} のサポートを受けるには、{p} から届く新しい招待を承認してください。状態はこちらで確認できます:"),
            },
        ),
        (RenewalKind::Expired, aud) => (
            format!("【お知らせ】管理者リレーションシップ「{name}」は終了しました"),
            format!(
                "{who} の管理者リレーションシップ「{name}」は、{when}に期限切れとなり終了しました。\n\
                 パートナーに付与されていた管理者ロールは削除されています。"
            ),
            match aud {
                Audience::Partner => "再びアクセスが必要な場合は、新しい管理者リレーションシップを作成してお客様に承認を依頼してください:".to_owned(),
                Audience::Customer => "状態はこちらで確認できます:".to_owned(),
            },
        ),
        (RenewalKind::InvitationEnding(days), aud) => (
            format!("【お知らせ】{p} からの招待の有効期限まであと{days}日です"),
            format!(
                "{who} の管理者リレーションシップ「{name}」の招待は、まだ承認されていません。\n\
                 承認用のリンクは{when}に使用できなくなります（残り{days}日以内）。"
            ),
            match aud {
                Audience::Partner => "期限が過ぎた場合は新しい招待が必要です。状況はこちらで確認できます:".to_owned(),
                Audience::Customer => format!("{p} のサポートを受けるには、期限までに次のリンクから承認してください:"),
            },
        ),
    }
}

/// "1 day", "7 days".
fn span(days: i64) -> String {
    if days == 1 {
        "1 day".to_owned()
    } else {
        format!("{days} days")
    }
}

fn en(n: &RenewalNotice<'_>, p: &str, c: &str, d: &str, name: &str, when: &str) -> Text {
    let who = format!("{c} ({d}) and {p}");
    match (n.kind, n.audience) {
        (RenewalKind::Ending(days), aud) => (
            format!("[Notice] The admin relationship \"{name}\" ends within {}", span(days)),
            format!(
                "The admin relationship \"{name}\" between {who} ends on {when} (within {}).\n\
                 When it ends, the admin roles granted to the partner are removed automatically.",
                span(days)
            ),
            match aud {
                Audience::Partner => "To keep managing this customer, ask it to approve a new admin relationship:".to_owned(),
                Audience::Customer => format!("To keep the support of {p}, approve the new invitation {p} sends you. See the status here:"),
            },
        ),
        (RenewalKind::Expired, aud) => (
            format!("[Notice] The admin relationship \"{name}\" has ended"),
            format!(
                "The admin relationship \"{name}\" between {who} expired on {when}.\n\
                 The admin roles granted to the partner have been removed."
            ),
            match aud {
                Audience::Partner => "If you need access again, create a new admin relationship and ask the customer to approve it:".to_owned(),
                Audience::Customer => "See the status here:".to_owned(),
            },
        ),
        (RenewalKind::InvitationEnding(days), aud) => (
            format!("[Notice] The invitation from {p} expires within {}", span(days)),
            format!(
                "The invitation to the admin relationship \"{name}\" between {who} has not been approved yet.\n\
                 Its approval link stops working on {when} (within {}).",
                span(days)
            ),
            match aud {
                Audience::Partner => "Once it has expired, a new invitation is needed. See its status here:".to_owned(),
                Audience::Customer => format!("To receive the support of {p}, approve it before then with this link:"),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2027-01-01 0:00 UTC);

    #[test]
    fn the_nearest_threshold_reached_is_the_one_due() {
        let due = |days: i64, hours: i64| {
            RenewalKind::for_end(NOW + Duration::days(days) + Duration::hours(hours), NOW)
        };
        assert_eq!(due(45, 0), None);
        assert_eq!(due(30, 1), None);
        assert_eq!(due(30, 0), Some(RenewalKind::Ending(30)));
        assert_eq!(due(8, 0), Some(RenewalKind::Ending(30)));
        assert_eq!(due(7, 0), Some(RenewalKind::Ending(7)));
        assert_eq!(due(2, 0), Some(RenewalKind::Ending(7)));
        assert_eq!(due(0, 5), Some(RenewalKind::Ending(1)));
        assert_eq!(due(0, 0), Some(RenewalKind::Expired));
        assert_eq!(due(-3, 0), Some(RenewalKind::Expired));
    }

    #[test]
    fn each_notice_has_its_own_key() {
        let keys: Vec<String> = [
            RenewalKind::Ending(30),
            RenewalKind::Expired,
            RenewalKind::InvitationEnding(7),
        ]
        .iter()
        .map(|k| k.key())
        .collect();
        assert_eq!(keys, ["end-30", "expired", "invite-7"]);
    }

    #[test]
    fn invitations_are_reminded_a_week_and_a_day_before_their_link_stops_working() {
        let at = |d: i64| RenewalKind::for_invitation(NOW + Duration::days(d), NOW);
        assert_eq!(at(10), None);
        assert_eq!(at(7), Some(RenewalKind::InvitationEnding(7)));
        assert_eq!(at(1), Some(RenewalKind::InvitationEnding(1)));
        assert_eq!(at(0), None);
    }

    fn notice(kind: RenewalKind, audience: Audience) -> RenewalNotice<'static> {
        RenewalNotice {
            kind,
            audience,
            partner_name: "NTTドコモビジネス",
            customer_name: "代理店\r\nBcc: victim@example.com",
            customer_domain: "agency.onmicrosoft.com",
            relationship: "損保クラウド サポート",
            deadline: datetime!(2027-02-20 0:00 UTC),
            url: "https://gdap.example/partner",
        }
    }

    #[test]
    fn each_notice_names_the_relationship_its_date_and_what_the_reader_does() {
        let m = renewal_mail(
            &notice(RenewalKind::Ending(7), Audience::Customer),
            Language::Ja,
        );
        assert_eq!(
            m.subject,
            "【お知らせ】管理者リレーションシップ「損保クラウド サポート」はあと7日で終了します"
        );
        for part in [
            "2027年2月20日に終了します",
            "新しい招待を承認してください",
            "https://gdap.example/partner",
            "送信専用",
        ] {
            assert!(m.body.contains(part), "missing {part:?} in {}", m.body);
        }
        let m = renewal_mail(
            &notice(RenewalKind::Expired, Audience::Partner),
            Language::En,
        );
        assert!(m.subject.contains("has ended"), "{}", m.subject);
        assert!(m.body.contains("expired on 20 February 2027"), "{}", m.body);
        assert!(m.body.contains("create a new admin relationship"));
        let m = renewal_mail(
            &notice(RenewalKind::InvitationEnding(1), Audience::Customer),
            Language::En,
        );
        assert!(m.subject.ends_with("expires within 1 day"), "{}", m.subject);
        assert!(m.body.contains("approve it before then"));
    }

    #[test]
    fn hostile_names_stay_on_one_line_in_every_notice() {
        for kind in [
            RenewalKind::Ending(30),
            RenewalKind::Expired,
            RenewalKind::InvitationEnding(7),
        ] {
            for aud in [Audience::Partner, Audience::Customer] {
                for lang in [Language::Ja, Language::En] {
                    let m = renewal_mail(&notice(kind, aud), lang);
                    assert!(!m.subject.contains('\n') && !m.body.contains('\r'));
                    assert!(m.body.contains("代理店 Bcc: victim@example.com"));
                }
            }
        }
    }
}
