//! The page shell (header, navigation, language switcher, sign-out) and small shared fragments.

use gdap_domain::enums::RelationshipStatus as S;
use gdap_domain::ids::RoleDefinitionId;
use gdap_domain::mail::Language;
use gdap_domain::relationship::{AutoExtend, Relationship, AUTO_EXTEND_DAYS};
use gdap_domain::roles::{Catalogue, Role, GLOBAL_ADMINISTRATOR};
use maud::{html, Markup, DOCTYPE};

use super::context::{Web, CSRF_FIELD};
use super::text::{self, EN, JA};

/// The hidden field carrying the CSRF token.
pub fn csrf(web: &Web) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(web.csrf); }
}

/// The whole document around a page body.
pub fn shell(web: &Web, title: &str, body: Markup, refresh: Option<u32>) -> Markup {
    let t = web.t;
    let is_partner = web.me.as_ref().is_some_and(|m| m.tenant.partner.is_some());
    html! {
        (DOCTYPE)
        html lang=(web.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(s) = refresh {
                    meta http-equiv="refresh" content=(s);
                }
                title { (title) " – gdap" }
                link rel="stylesheet" href="/assets/gdap.css";
                script src="/assets/gdap.js" defer {}
            }
            body {
                a.skip href="#main" { (t.skip_to_content) }
                header.top {
                    a.brand href="/" { "gdap" }
                    @if let Some(me) = &web.me {
                        nav aria-label=(t.settings) {
                            @if is_partner {
                                a href="/partner" { (t.partner_portal) }
                            } @else {
                                a href="/adminportal/settings/partners" { (t.settings) " › " (t.partner_relationships) }
                            }
                        }
                        div.who {
                            span { (t.signed_in_as) ": " (me.user.user_principal_name) " (" (me.tenant.display_name) ")" }
                            form method="post" action="/signout" {
                                (csrf(web))
                                input type="hidden" name="return" value=(super::safe_return(&web.path));
                                button.link type="submit" { (t.sign_out) }
                            }
                        }
                    }
                    form.lang method="post" action="/language" {
                        (csrf(web))
                        input type="hidden" name="return" value=(super::safe_return(&web.path));
                        label for="lang-select" { (t.language) }
                        select id="lang-select" name="lang" {
                            option value="ja" selected[web.lang == Language::Ja] { (JA.lang_name) }
                            option value="en" selected[web.lang == Language::En] { (EN.lang_name) }
                        }
                        button type="submit" { (t.change) }
                    }
                }
                main id="main" { (body) }
            }
        }
    }
}

/// "Sign in with another account": signs out and returns to this page after the next sign-in.
pub fn another_account(web: &Web) -> Markup {
    html! {
        form.another method="post" action="/signout" {
            (csrf(web))
            input type="hidden" name="return" value=(super::safe_return(&web.path));
            button type="submit" { (web.t.another_account) }
        }
    }
}

/// A status with its colour class.
pub fn status(lang: Language, s: S) -> Markup {
    let class = match s {
        S::Active => "ok",
        S::ApprovalPending | S::Approved | S::Activating | S::Created => "wait",
        _ => "ended",
    };
    html! { span class={"status " (class)} data-status=(s.to_string()) { (text::status(lang, s)) } }
}

/// Whether the relationship is between two states (on its way to active, or ending), so its page
/// refreshes itself until the change finishes.
pub fn in_progress(r: &Relationship) -> bool {
    matches!(
        r.status,
        S::Approved | S::Activating | S::TerminationRequested | S::Terminating
    )
}

/// A role's name as the reader reads it (Japanese with the English name beside).
pub fn role_name(lang: Language, r: &RoleDefinitionId) -> String {
    Catalogue::builtin()
        .get(r)
        .map_or_else(|| r.to_string(), |x| text::role_name(lang, x))
}

/// The roles by name, with descriptions when `detailed`.
pub fn roles(lang: Language, roles: &[RoleDefinitionId], detailed: bool) -> Markup {
    let c = Catalogue::builtin();
    html! {
        ul.roles {
            @for r in roles {
                @let role = c.get(r);
                li {
                    span.role-name { (role.map_or_else(|| r.to_string(), |x| text::role_name(lang, x))) }
                    @if let Some(x) = role { (own_mark(lang, x)) }
                    @if r.to_string() == GLOBAL_ADMINISTRATOR {
                        " " mark.privileged { (text::text(lang).most_privileged) }
                    }
                    @if detailed {
                        @if let Some(x) = role {
                            br;
                            span.role-desc { (text::role_description(lang, x)) }
                        }
                    }
                }
            }
        }
    }
}

/// "gdap's translation" beside a Japanese role name that is not Microsoft's.
pub fn own_mark(lang: Language, role: &Role) -> Markup {
    html! {
        @if lang == Language::Ja && text::roles::own_translation(role) {
            " " small.own { "(" (text::text(lang).picker.own_translation) ")" }
        }
    }
}

/// Auto-extend as a customer reads it.
pub fn auto_extend(web: &Web, a: AutoExtend) -> String {
    match a {
        AutoExtend::Off => web.t.auto_extend_off.to_owned(),
        AutoExtend::SixMonths => format!(
            "{} ({})",
            web.t.auto_extend_on,
            text::days(web.lang, AUTO_EXTEND_DAYS)
        ),
    }
}

/// A relationship's duration in days.
pub fn duration(web: &Web, r: &Relationship) -> String {
    text::days(web.lang, r.duration.total_seconds() / 86_400)
}
