//! What every page handler starts from: the visitor's session (if any), language, CSRF token and
//! the page's own address; and the responses pages end with.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gdap_domain::directory::{Tenant, User};
use gdap_domain::mail::Language;
use gdap_store::Session;
use maud::Markup;

use super::session;
use super::text::{text, Text};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use gdap_app::audit::Who;
use gdap_app::customer::Actor;
use gdap_app::state::AppState;
use gdap_http::extract::{origin, ClientUri};

/// The cookie holding the CSRF token of visitors who are not signed in.
pub const CSRF_COOKIE: &str = "gdap_csrf";
/// The cookie holding a language chosen with the switcher.
pub const LANG_COOKIE: &str = "gdap_lang";
/// The form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// A signed-in visitor.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session.
    pub session: Session,
    /// The user (enabled).
    pub user: User,
    /// The user's tenant.
    pub tenant: Tenant,
}

impl SignedIn {
    /// The signed-in user as the audit record names it.
    pub fn who(&self) -> Who {
        Who {
            actor: self.user.user_principal_name.clone(),
            tenant: Some(self.tenant.id),
        }
    }
}

/// What a page handler answers: the page, or — through `?` — the page that says why not (a
/// redirect to sign in, a refusal, the failure page), rendered in the visitor's language.
pub type Page = Result<Response, Response>;

/// The context of one page request.
pub struct Web {
    /// Shared state.
    pub state: AppState,
    /// The page language.
    pub lang: Language,
    /// Its words.
    pub t: &'static Text,
    /// The signed-in visitor.
    pub me: Option<SignedIn>,
    /// The CSRF token the page's forms carry.
    pub csrf: String,
    new_csrf_cookie: bool,
    /// Path and query of this page as the client sent them.
    pub path: String,
    /// `https://host`.
    pub origin: String,
    /// Whether cookies get the `Secure` attribute.
    pub secure: bool,
    /// The request came from another site (`Sec-Fetch-Site`) or another origin (`Origin`).
    foreign_request: bool,
}

/// A return address after sign-in that can only lead to gdap's own pages: an absolute path
/// (not `//host` or `/\host`), without control characters or backslashes; anything else is `/`.
pub fn safe_return(candidate: &str) -> String {
    let ok = candidate.starts_with('/')
        && !candidate.starts_with("//")
        && candidate.len() <= 2000
        && !candidate
            .chars()
            .any(|c| c.is_control() || c == '\\' || c.is_whitespace())
        && candidate
            .parse::<axum::http::Uri>()
            .is_ok_and(|u| u.scheme().is_none() && u.authority().is_none());
    if ok {
        candidate.to_owned()
    } else {
        "/".to_owned()
    }
}

impl FromRequestParts<AppState> for Web {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let uri = match parts.extensions.get::<ClientUri>() {
            Some(ClientUri(u)) => u.clone(),
            None => parts.uri.clone(),
        };
        let path = uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), ToString::to_string);
        let origin = origin(state, parts);
        let cross_site = parts
            .headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site");
        let foreign_origin = parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|o| o != "null" && !o.eq_ignore_ascii_case(&origin));
        let foreign_request = cross_site || foreign_origin;
        let secure = origin.starts_with("https://") || is_loopback(&origin);
        let jar = CookieJar::from_headers(&parts.headers);
        let cookie = |name: &str| jar.get(name).map(|c| c.value().to_owned());
        let me = match cookie(session::SESSION_COOKIE).as_deref() {
            Some(raw) => session::load(state, raw).await.map_err(|e| {
                tracing::error!(error = %e, "session lookup failed");
                (StatusCode::SERVICE_UNAVAILABLE, "try again shortly").into_response()
            })?,
            None => None,
        };
        let chosen = cookie(LANG_COOKIE).as_deref().and_then(Language::parse);
        let accepted = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Language::from_accept_language);
        let lang = me
            .as_ref()
            .and_then(|m| m.user.preferred_language.as_deref())
            .and_then(Language::parse)
            .or(chosen)
            .or(accepted)
            .or_else(|| hinted_language(&uri))
            .unwrap_or(Language::En);
        let (csrf, new_csrf_cookie) = match (&me, cookie(CSRF_COOKIE)) {
            (Some(m), _) => (m.session.csrf.clone(), false),
            (None, Some(c)) if c.len() >= 32 && c.len() <= 64 => (c.to_owned(), false),
            (None, _) => (session::random_token(), true),
        };
        Ok(Self {
            state: state.clone(),
            lang,
            t: text(lang),
            me,
            csrf,
            new_csrf_cookie,
            path,
            origin,
            secure,
            foreign_request,
        })
    }
}

/// The language a link names (`?lang=ja`, as in an invitation e-mail), also inside the return
/// address of the sign-in page: the last resort, after the account's and the browser's.
fn hinted_language(uri: &axum::http::Uri) -> Option<Language> {
    let pairs = |q: &str| {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect::<Vec<(String, String)>>()
    };
    let query = pairs(uri.query()?);
    let own = query
        .iter()
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.clone());
    let inner = || {
        let back = query.iter().find(|(k, _)| k == "return")?.1.clone();
        let (_, q) = back.split_once('?')?;
        pairs(q)
            .into_iter()
            .find(|(k, _)| k == "lang")
            .map(|(_, v)| v)
    };
    own.or_else(inner).as_deref().and_then(Language::parse)
}

fn is_loopback(origin: &str) -> bool {
    let host = origin
        .split_once("://")
        .map_or(origin, |(_, h)| h)
        .rsplit_once(':')
        .map_or(origin, |(h, p)| {
            if p.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                origin
            }
        });
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// Compares two tokens in time independent of where they differ.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The fields of a submitted form (repeated names kept, in order).
#[derive(Debug, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a field.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Web {
    /// The customer-side actor of the signed-in visitor.
    pub fn actor(&self) -> Option<Actor> {
        self.me.as_ref().map(|m| Actor {
            tenant: m.tenant.id,
            user: Some(m.user.clone()),
            who: std::sync::Arc::new(m.who()),
        })
    }

    /// The visitor as the audit record names it: the signed-in user, or gdap itself.
    pub fn who(&self) -> Who {
        self.me.as_ref().map_or_else(Who::system, SignedIn::who)
    }

    /// The signed-in visitor, or a redirect to sign-in that returns here.
    pub fn signed_in(&self) -> Result<&SignedIn, Response> {
        self.me.as_ref().ok_or_else(|| {
            let back = url::form_urlencoded::byte_serialize(safe_return(&self.path).as_bytes())
                .collect::<String>();
            self.redirect(&format!("/signin?return={back}"))
        })
    }

    /// Refuses a form without this visitor's CSRF token, or sent from another site.
    pub fn check_form(&self, form: &FormData) -> Result<(), Response> {
        let token_ok = form
            .get(CSRF_FIELD)
            .is_some_and(|t| !self.new_csrf_cookie && same_token(t, &self.csrf));
        if token_ok && !self.foreign_request {
            Ok(())
        } else {
            Err(self.message(
                StatusCode::FORBIDDEN,
                self.t.forbidden_form,
                self.t.forbidden_form,
            ))
        }
    }

    /// A `303 See Other` to one of gdap's own pages.
    pub fn redirect(&self, to: &str) -> Response {
        let mut res = StatusCode::SEE_OTHER.into_response();
        if let Ok(v) = HeaderValue::from_str(&safe_return(to)) {
            res.headers_mut().insert(header::LOCATION, v);
        }
        self.finish(res)
    }

    /// A cookie header value with the attributes every gdap cookie has.
    pub fn cookie(&self, name: &str, value: &str, max_age: Option<i64>) -> String {
        let mut c = Cookie::build((name.to_owned(), value.to_owned()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure);
        if let Some(age) = max_age {
            c = c.max_age(time::Duration::seconds(age));
        }
        c.build().to_string()
    }

    /// Adds the headers every page response carries.
    pub fn finish(&self, mut res: Response) -> Response {
        if self.new_csrf_cookie {
            if let Ok(v) = HeaderValue::from_str(&self.cookie(CSRF_COOKIE, &self.csrf, None)) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            ),
        );
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }

    /// A whole page.
    pub fn page(&self, status: StatusCode, title: &str, body: Markup) -> Response {
        self.page_with(status, title, body, None)
    }

    /// A whole page that reloads itself every `refresh` seconds (progress without JavaScript).
    pub fn page_with(
        &self,
        status: StatusCode,
        title: &str,
        body: Markup,
        refresh: Option<u32>,
    ) -> Response {
        let html = super::layout::shell(self, title, body, refresh);
        let mut res = (status, axum::response::Html(html.into_string())).into_response();
        res.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(self.lang.tag()),
        );
        self.finish(res)
    }

    /// A page with a title and one paragraph.
    pub fn message(&self, status: StatusCode, title: &str, body: &str) -> Response {
        self.page(
            status,
            title,
            maud::html! { h1 { (title) } p.notice { (body) } },
        )
    }

    /// A result whose error becomes the failure page (for `?` in page handlers).
    pub fn or_failure<T, E: std::fmt::Display>(&self, r: Result<T, E>) -> Result<T, Response> {
        r.map_err(|e| self.failure(&e))
    }

    /// The page for a store or other server failure (details only in the log).
    pub fn failure(&self, e: &dyn std::fmt::Display) -> Response {
        tracing::error!(error = %e, path = %self.path, "page failed");
        let (title, body) = match self.lang {
            Language::Ja => (
                "エラーが発生しました",
                "しばらくしてから、もう一度お試しください。",
            ),
            Language::En => ("Something went wrong", "Try again in a moment."),
        };
        self.message(StatusCode::INTERNAL_SERVER_ERROR, title, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_own_paths_are_return_addresses() {
        for good in [
            "/",
            "/adminportal/settings/partners?filter=expired",
            "/adminportal/partners/invitation/granularAdminRelationships/a-b",
        ] {
            assert_eq!(safe_return(good), good);
        }
        for bad in [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "/x\r\nSet-Cookie: a=b",
            "/ /evil",
            "",
            "evil.example",
        ] {
            assert_eq!(safe_return(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn a_link_names_its_language_itself_or_in_its_return_address() {
        let uri = |s: &str| s.parse::<axum::http::Uri>().unwrap();
        assert_eq!(
            hinted_language(&uri("/adminportal/x?lang=ja")),
            Some(Language::Ja)
        );
        assert_eq!(
            hinted_language(&uri("/signin?return=%2Fadminportal%2Fx%3Flang%3Dja")),
            Some(Language::Ja)
        );
        assert_eq!(hinted_language(&uri("/adminportal/x")), None);
        assert_eq!(hinted_language(&uri("/x?lang=fr")), None);
    }

    #[test]
    fn tokens_compare_equal_only_when_identical() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "abcd"));
    }
}
