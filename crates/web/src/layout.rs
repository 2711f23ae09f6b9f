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

/// One link of the left navigation, current when the page's path starts with it.
fn nav_link(web: &Web, href: &str, label: &str, exact: bool) -> Markup {
    let path = web.path.split('?').next().unwrap_or("");
    let lower = path.to_ascii_lowercase();
    let current = if exact {
        lower == href.to_ascii_lowercase()
    } else {
        lower.starts_with(&href.to_ascii_lowercase())
    };
    html! { li { a href=(href) aria-current=[current.then_some("page")] { (label) } } }
}

/// The left navigation: the partner portal's pages for a partner's user; 設定 › パートナー関係 for
/// a customer's, as the admin center's manual shows it.
fn side_nav(web: &Web) -> Markup {
    let t = web.t;
    let Some(me) = &web.me else {
        return html! {};
    };
    html! {
        nav.side aria-label=(t.navigation) {
            @if me.tenant.partner.is_some() {
                h2 { (t.partner_portal) }
                ul {
                    (nav_link(web, "/partner", t.relationships_nav, true))
                    (nav_link(web, "/partner/customers", super::text::customers::text(web.lang).title, false))
                    (nav_link(web, "/partner/relationships/new", t.new_relationship, false))
                    (nav_link(web, "/partner/settings", t.branding, false))
                }
            } @else {
                h2 { (t.settings) }
                ul {
                    (nav_link(web, "/adminportal/settings/partners", t.partner_relationships, false))
                }
            }
        }
    }
}

/// The whole document around a page body: the top bar (the product's name and logo, who is
/// signed in, sign-out, language), the left navigation and the page.
pub fn shell(web: &Web, title: &str, body: Markup, refresh: Option<u32>) -> Markup {
    let t = web.t;
    let look = &web.state.config.look;
    html! {
        (DOCTYPE)
        html lang=(web.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(s) = refresh {
                    meta http-equiv="refresh" content=(s);
                }
                title { (title) " – " (look.product_name) }
                link rel="stylesheet" href="/assets/gdap.css";
                @if look.brand_color.is_some() {
                    link rel="stylesheet" href="/assets/look.css";
                }
                script src="/assets/gdap.js" defer {}
            }
            body {
                a.skip href="#main" { (t.skip_to_content) }
                header.top {
                    a.brand href="/" {
                        @if look.logo.is_some() { img src="/assets/logo" alt=""; }
                        (look.product_name)
                    }
                    span.spacer {}
                    @if let Some(me) = &web.me {
                        div.who {
                            span { (me.user.display_name) " (" (me.user.user_principal_name) ", " (me.tenant.display_name) ")" }
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
                div.frame {
                    (side_nav(web))
                    main id="main" { (body) }
                }
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
