//! The approval-request e-mail a customer receives when a partner locks a relationship for
//! approval, in Japanese and English, after the provider manual's wording.

use time::OffsetDateTime;

/// A language of pages and e-mails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// 日本語.
    Ja,
    /// English.
    En,
}

impl Language {
    /// Reads `ja`, `ja-JP`, `en`, `en-US` … (case-insensitive).
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "ja" => Some(Self::Ja),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// Picks the first supported language of an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut tags: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| {
                        p.trim()
                            .strip_prefix("q=")
                            .and_then(|q| q.parse::<f32>().ok())
                    })
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        tags.sort_by(|a, b| b.0.total_cmp(&a.0));
        tags.into_iter().find_map(|(_, t)| Self::parse(t))
    }

    /// The BCP 47 tag.
    pub const fn tag(self) -> &'static str {
        match self {
            Self::Ja => "ja",
            Self::En => "en",
        }
    }
}

/// How a partner presents itself in customer e-mails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branding {
    /// The partner's name.
    pub partner_name: String,
    /// The service the customer buys (`損保クラウド` in the provider manual).
    pub service_name: String,
    /// Where customers ask for help (an address, a form URL or a phone number).
    pub contact: String,
    /// A page with step-by-step instructions, if any.
    pub help_url: Option<String>,
}

/// What an invitation e-mail says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation<'a> {
    /// Presentation of the partner.
    pub branding: &'a Branding,
    /// The customer's administrator account to approve with.
    pub admin_account: &'a str,
    /// The approval link.
    pub approval_url: &'a str,
    /// The customer's default domain.
    pub customer_domain: &'a str,
    /// When the link stops working.
    pub expires_at: OffsetDateTime,
}

/// A composed e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// Subject line (one line, no control characters).
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Makes a value safe for one line of a header or of plain text: control characters (line breaks
/// included) become spaces, and the length is bounded.
pub fn one_line(s: &str, max: usize) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cleaned
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect()
}

pub(crate) fn date(t: OffsetDateTime, lang: Language) -> String {
    match lang {
        Language::Ja => format!("{}年{}月{}日", t.year(), u8::from(t.month()), t.day()),
        Language::En => format!("{} {} {}", t.day(), t.month(), t.year()),
    }
}

/// Composes the approval-request e-mail.
pub fn invitation_mail(inv: &Invitation<'_>, lang: Language) -> Composed {
    let service = one_line(&inv.branding.service_name, 80);
    let partner = one_line(&inv.branding.partner_name, 120);
    let contact = one_line(&inv.branding.contact, 200);
    let admin = one_line(inv.admin_account, 200);
    let domain = one_line(inv.customer_domain, 200);
    let url = one_line(inv.approval_url, 2000);
    let help = inv.branding.help_url.as_deref().map(|h| one_line(h, 2000));
    let until = date(inv.expires_at, lang);
    match lang {
        Language::Ja => {
            let mut body = format!(
                "＊＊＊ {partner}からのお客さまへの重要なお知らせ ＊＊＊\n\n\
                 このたびは、{service}をご利用いただき、誠にありがとうございます。\n\n\
                 ━◆サポートサービス提供に際してのお願い◆━━━━━━\n\
                 ・当社からお客様へのサポートを提供するために、Microsoft 365管理センターからお客様による承認が必要となります。\n\
                 ・下記URLへアクセス頂き、\"Microsoft365のお客様管理者アカウント（ {admin} ）\"にて承認手続きを実施してください。\n\
                 {url}\n\
                 ※上記URLにアクセスできるのは、本メール受信日含め90日間です（{until}まで）。\n\
                 ・対象のMicrosoft 365 サブドメイン:{domain}\n"
            );
            if let Some(h) = &help {
                body.push_str(&format!(
                    "\n詳しい操作手順は、下記URLにも掲載しております。\n{h}\n"
                ));
            }
            body.push_str(&format!(
                "\n・Microsoft365管理者アカウントが不明な場合や、ご不明な点がございましたら、下記窓口までお問い合わせください。\n\
                 お問い合わせ先: {contact}\n\n\
                 [注意]\n\
                 ・お客様にて上記の承認処理が完了していない場合、当社にて十分なサポートが提供できない場合がございます。\n\
                 ・お客様の承認後、お客様がパートナーへのアクセス権限を削除した場合、当社はサポートを提供することができません。\n\n\
                 ＃ 本メールはシステムより自動送信されております。\n\
                 ＃ 本メールは送信専用のメールアドレスで送信しております。本メールに返信いただいてもご回答いたしかねます。ご了承ください。\n\
                 ＃ 本メールにお心当たりのない方は破棄していただきますようお願いいたします。\n"
            ));
            Composed {
                subject: format!("【重要】【{service}】サポートご提供のための権限承認URLのご送付"),
                body,
            }
        }
        Language::En => {
            let mut body = format!(
                "*** An important notice from {partner} ***\n\n\
                 Thank you for using {service}.\n\n\
                 -- Your approval is needed for us to support you --\n\
                 - To provide support, we need your approval in the Microsoft 365 admin center.\n\
                 - Open the link below and approve with your Microsoft 365 administrator account ({admin}).\n\
                 {url}\n\
                 The link can be used for 90 days from the day this e-mail was received (until {until}).\n\
                 - Microsoft 365 domain: {domain}\n"
            );
            if let Some(h) = &help {
                body.push_str(&format!("\nStep-by-step instructions: {h}\n"));
            }
            body.push_str(&format!(
                "\n- If you do not know your administrator account, or have any question, contact us: {contact}\n\n\
                 Please note:\n\
                 - Until you approve, we may not be able to support you fully.\n\
                 - If you later remove the partner's access, we can no longer support you.\n\n\
                 # This e-mail was sent automatically from a send-only address; replies are not read.\n\
                 # If you did not expect this e-mail, please delete it.\n"
            ));
            Composed {
                subject: format!(
                    "[Important] [{service}] Approval link for granting support permissions"
                ),
                body,
            }
        }
    }
}

/// A change to a partner relationship that both sides are told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// The customer approved an invitation.
    Approved,
    /// The customer removed the partner's roles.
    RolesRemoved,
    /// The customer declined an invitation instead of approving it.
    Declined,
}

/// What a notice e-mail says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice<'a> {
    /// What happened.
    pub kind: NoticeKind,
    /// The partner's name.
    pub partner_name: &'a str,
    /// The customer's name.
    pub customer_name: &'a str,
    /// The customer's default domain.
    pub customer_domain: &'a str,
    /// The customer user who acted.
    pub actor: &'a str,
    /// The relationships concerned, by name.
    pub relationships: &'a [String],
    /// When.
    pub at: OffsetDateTime,
    /// Where the reader sees the result (the Partner relationships page or the partner portal).
    pub url: &'a str,
}

/// Composes the notice sent to each side after an approval or a removal of roles.
pub fn notice_mail(n: &Notice<'_>, lang: Language) -> Composed {
    let partner = one_line(n.partner_name, 120);
    let customer = one_line(n.customer_name, 120);
    let domain = one_line(n.customer_domain, 200);
    let actor = one_line(n.actor, 200);
    let url = one_line(n.url, 2000);
    let when = date(n.at, lang);
    let names: Vec<String> = n
        .relationships
        .iter()
        .map(|r| format!("- {}", one_line(r, 200)))
        .collect();
    let names = if names.is_empty() {
        "-".to_owned()
    } else {
        names.join("\n")
    };
    match (lang, n.kind) {
        (Language::Ja, NoticeKind::Approved) => Composed {
            subject: format!("【お知らせ】{customer} 様がパートナー関係（{partner}）を承認しました"),
            body: format!(
                "{customer}（{domain}）の {actor} が、{when}に {partner} との管理者リレーションシップを承認しました。\n\n{names}\n\n\
                 状態はこちらで確認できます:\n{url}\n\n＃ 本メールは送信専用のメールアドレスで送信しております。\n"
            ),
        },
        (Language::Ja, NoticeKind::RolesRemoved) => Composed {
            subject: format!("【お知らせ】{customer} 様が {partner} のロールを削除しました"),
            body: format!(
                "{customer}（{domain}）の {actor} が、{when}に {partner} の管理者ロールを削除しました。\n\
                 次の管理者リレーションシップは終了します（リセラー関係は継続します）。\n\n{names}\n\n\
                 状態はこちらで確認できます:\n{url}\n\n＃ 本メールは送信専用のメールアドレスで送信しております。\n"
            ),
        },
        (Language::Ja, NoticeKind::Declined) => Composed {
            subject: format!("【お知らせ】{customer} 様が {partner} からの招待をキャンセルしました"),
            body: format!(
                "{customer}（{domain}）の {actor} が、{when}に {partner} からの管理者リレーションシップの招待を承認せずにキャンセルしました。\n\
                 次の招待のリンクは使用できなくなりました。ロールを付与してもらうには、お客様と相談のうえ新しい招待を送信してください。\n\n{names}\n\n\
                 詳細はこちらで確認できます:\n{url}\n\n＃ 本メールは送信専用のメールアドレスで送信しております。\n"
            ),
        },
        (Language::En, NoticeKind::Declined) => Composed {
            subject: format!("[Notice] {customer} declined the invitation from {partner}"),
            body: format!(
                "{actor} of {customer} ({domain}) declined the admin relationship invitation from {partner} on {when} instead of approving it.\n\
                 The link of this invitation no longer works. To be granted roles, agree with the customer and send a new invitation:\n\n{names}\n\n\
                 See the details here:\n{url}\n\n# This e-mail was sent from a send-only address.\n"
            ),
        },
        (Language::En, NoticeKind::Approved) => Composed {
            subject: format!("[Notice] {customer} approved the partner relationship with {partner}"),
            body: format!(
                "{actor} of {customer} ({domain}) approved the admin relationship with {partner} on {when}.\n\n{names}\n\n\
                 See its status here:\n{url}\n\n# This e-mail was sent from a send-only address.\n"
            ),
        },
        (Language::En, NoticeKind::RolesRemoved) => Composed {
            subject: format!("[Notice] {customer} removed the roles of {partner}"),
            body: format!(
                "{actor} of {customer} ({domain}) removed the admin roles of {partner} on {when}.\n\
                 These admin relationships end (a reseller relationship stays):\n\n{names}\n\n\
                 See the status here:\n{url}\n\n# This e-mail was sent from a send-only address.\n"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn branding() -> Branding {
        Branding {
            partner_name: "NTTドコモビジネス".into(),
            service_name: "損保クラウド".into(),
            contact: "sonpo-cloud@example.jp".into(),
            help_url: Some("https://support.example.jp/office365/detail".into()),
        }
    }

    fn invitation(b: &Branding) -> Invitation<'_> {
        Invitation {
            branding: b,
            admin_account: "admin@agency.onmicrosoft.com",
            approval_url:
                "https://gdap.example/adminportal/partners/invitation/granularAdminRelationships/x",
            customer_domain: "agency.onmicrosoft.com",
            expires_at: datetime!(2027-02-20 0:00 UTC),
        }
    }

    #[test]
    fn the_japanese_mail_follows_the_provider_manual() {
        let b = branding();
        let m = invitation_mail(&invitation(&b), Language::Ja);
        assert_eq!(
            m.subject,
            "【重要】【損保クラウド】サポートご提供のための権限承認URLのご送付"
        );
        for part in [
            "Microsoft 365管理センターからお客様による承認が必要",
            "admin@agency.onmicrosoft.com",
            "https://gdap.example/adminportal/partners/invitation/granularAdminRelationships/x",
            "本メール受信日含め90日間",
            "2027年2月20日",
            "対象のMicrosoft 365 サブドメイン:agency.onmicrosoft.com",
            "sonpo-cloud@example.jp",
            "送信専用のメールアドレス",
            "https://support.example.jp/office365/detail",
        ] {
            assert!(m.body.contains(part), "missing {part:?}");
        }
    }

    #[test]
    fn the_english_mail_says_the_same() {
        let b = branding();
        let m = invitation_mail(&invitation(&b), Language::En);
        assert!(m.subject.starts_with("[Important] [損保クラウド]"));
        assert!(m.body.contains("90 days"));
        assert!(m.body.contains("send-only"));
        assert!(m.body.contains("agency.onmicrosoft.com"));
    }

    #[test]
    fn partner_text_cannot_inject_headers_or_lines() {
        let mut b = branding();
        b.service_name = "Evil\r\nBcc: victim@example.com".into();
        b.contact = "call\nus".into();
        let m = invitation_mail(&invitation(&b), Language::En);
        assert!(!m.subject.contains('\n') && !m.subject.contains('\r'));
        assert!(m.subject.contains("Evil Bcc: victim@example.com"));
        assert!(m.body.contains("contact us: call us"));
    }

    #[test]
    fn languages_are_read_from_tags_and_accept_language() {
        assert_eq!(Language::parse("ja-JP"), Some(Language::Ja));
        assert_eq!(Language::parse("EN"), Some(Language::En));
        assert_eq!(Language::parse("fr"), None);
        assert_eq!(
            Language::from_accept_language("fr-FR, en;q=0.5, ja;q=0.9"),
            Some(Language::Ja)
        );
        assert_eq!(Language::from_accept_language("de"), None);
    }

    #[test]
    fn notices_keep_hostile_names_on_one_line() {
        let rels = vec!["evil\r\nBcc: victim@example.com".to_owned()];
        let n = Notice {
            kind: NoticeKind::RolesRemoved,
            partner_name: "Partner\r\nBcc: x@example.com",
            customer_name: "Agency",
            customer_domain: "agency.onmicrosoft.com",
            actor: "admin@agency.onmicrosoft.com",
            relationships: &rels,
            at: datetime!(2027-02-20 0:00 UTC),
            url: "https://gdap.example/adminportal/settings/partners",
        };
        for lang in [Language::Ja, Language::En] {
            let m = notice_mail(&n, lang);
            assert!(!m.subject.contains('\n') && !m.subject.contains('\r'));
            assert!(m.body.contains("- evil Bcc: victim@example.com"));
            assert!(!m.body.contains("\r"));
        }
    }
}
