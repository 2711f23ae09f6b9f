//! The audit log of one partner as the customer's administrators and auditors read it: who (a
//! person by name, the partner's application by name, or "automatic"), what in a sentence, when
//! on one line, a page at a time; and the whole log as CSV or JSON for auditors.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gdap_domain::audit::AuditEntry;
use gdap_domain::ids::{ClientId, TenantId};
use gdap_domain::timefmt::format_graph;
use maud::{html, Markup};

use super::context::{Page, Web};
use super::text::{self, audit::describe};

/// Entries per page.
const PAGE: u32 = 50;
/// The most entries one export holds.
const EXPORT_MAX: u32 = 10_000;

#[derive(serde::Deserialize)]
pub struct PageQuery {
    page: Option<u32>,
}

/// One entry as the reader reads it.
pub struct Line {
    /// The entry.
    pub entry: AuditEntry,
    /// Who, by name.
    pub who: String,
    /// What, as a sentence.
    pub what: String,
}

/// The name of each actor (user principal name, client id or `gdap`), each looked up once.
pub(crate) async fn names(web: &Web, actors: &[&str]) -> HashMap<String, String> {
    let a = text::audit::text(web.lang);
    let mut names: HashMap<String, String> = HashMap::new();
    for &actor in actors {
        if !names.contains_key(actor) {
            let name = actor_name(web, actor, a.automatic, a.application).await;
            names.insert(actor.to_owned(), name);
        }
    }
    names
}

/// Names the actors of `entries` and says what each did.
pub async fn lines(web: &Web, entries: Vec<AuditEntry>) -> Vec<Line> {
    let actors: Vec<&str> = entries.iter().map(|e| e.actor.as_str()).collect();
    let names = names(web, &actors).await;
    entries
        .into_iter()
        .map(|entry| Line {
            who: names.get(&entry.actor).cloned().unwrap_or_default(),
            what: describe(web.lang, &entry.action, &entry.result),
            entry,
        })
        .collect()
}

/// A person's display name with the account beside, an application's name, or "automatic".
async fn actor_name(web: &Web, actor: &str, automatic: &str, application: &str) -> String {
    if actor == "gdap" {
        return automatic.to_owned();
    }
    let store = &web.state.store;
    if let Ok(client) = ClientId::parse(actor) {
        if let Ok(Some(app)) = store.application(client).await {
            return format!("{} ({application})", app.display_name);
        }
        return format!("{actor} ({application})");
    }
    match store.user_by_upn(actor).await {
        Ok(Some(u)) => format!("{} ({})", u.display_name, u.user_principal_name),
        _ => actor.to_owned(),
    }
}

/// The table of `lines`, with column headers.
pub fn table(web: &Web, lines: &[Line]) -> Markup {
    let a = text::audit::text(web.lang);
    html! {
        table.partners.audit {
            thead { tr {
                th scope="col" { (a.when) }
                th scope="col" { (a.who) }
                th scope="col" { (a.what) }
                th scope="col" { (a.result) }
            } }
            tbody {
                @for l in lines {
                    tr {
                        td.when data-label=(a.when) { (text::datetime(web.lang, l.entry.at)) }
                        td data-label=(a.who) { (l.who) }
                        td data-label=(a.what) { (l.what) }
                        td data-label=(a.result) {
                            @if text::audit::succeeded(&l.entry.result) { (a.succeeded) }
                            @else { span.status.ended { (a.refused) } }
                        }
                    }
                }
            }
        }
    }
}

fn partner_of(web: &Web, raw: &str) -> Result<TenantId, Response> {
    TenantId::parse(raw).map_err(|_| {
        web.message(
            StatusCode::NOT_FOUND,
            web.t.not_found_title,
            web.t.no_partners,
        )
    })
}

/// `GET /adminportal/settings/partners/{partner}/audit[?page=n]`.
pub async fn page(web: Web, Path(partner): Path<String>, Query(q): Query<PageQuery>) -> Page {
    let (me, _) = super::partners::viewer(&web)?;
    let partner = partner_of(&web, &partner)?;
    let a = text::audit::text(web.lang);
    let n = q.page.unwrap_or(1).clamp(1, 10_000);
    let mut entries = web.or_failure(
        web.state
            .store
            .audit_of(me.tenant.id, Some(partner), (n - 1) * PAGE, PAGE + 1)
            .await,
    )?;
    let more = entries.len() > PAGE as usize;
    entries.truncate(PAGE as usize);
    let lines = lines(&web, entries).await;
    let name = web
        .state
        .tenant(partner)
        .await
        .ok()
        .flatten()
        .map_or_else(|| partner.to_string(), |p| p.display_name);
    let base = format!("/adminportal/settings/partners/{partner}");
    let body = html! {
        p { a href=(base) { "‹ " (name) } }
        h1 { (a.title) " — " (name) }
        p { (a.intro) }
        p.actions {
            (a.export) ": "
            a href=(format!("{base}/audit.csv")) download { "CSV" }
            " "
            a href=(format!("{base}/audit.json")) download { "JSON" }
        }
        @if lines.is_empty() { p { (web.t.no_activity) } } @else { (table(&web, &lines)) }
        nav.pager aria-label=(a.title) {
            @if n > 1 { a rel="prev" href=(format!("{base}/audit?page={}", n - 1)) { "‹ " (a.newer) } }
            " " span { (a.page.replace("{n}", &n.to_string())) } " "
            @if more { a rel="next" href=(format!("{base}/audit?page={}", n + 1)) { (a.older) " ›" } }
        }
    };
    Ok(web.page(StatusCode::OK, a.title, body))
}

/// The export's format.
#[derive(Clone, Copy)]
enum Format {
    Csv,
    Json,
}

/// `GET …/{partner}/audit.csv` and `…/audit.json`: every entry (up to 10,000, newest first) with
/// the sentence in the reader's language beside the recorded action, for auditors.
pub async fn export(web: Web, Path((partner, file)): Path<(String, String)>) -> Page {
    let format = match file.as_str() {
        "audit.csv" => Format::Csv,
        "audit.json" => Format::Json,
        _ => {
            return Ok(web.message(
                StatusCode::NOT_FOUND,
                web.t.not_found_title,
                web.t.not_found_body,
            ))
        }
    };
    let (me, _) = super::partners::viewer(&web)?;
    let partner = partner_of(&web, &partner)?;
    let entries = web.or_failure(
        web.state
            .store
            .audit_of(me.tenant.id, Some(partner), 0, EXPORT_MAX)
            .await,
    )?;
    let lines = lines(&web, entries).await;
    let (body, kind) = match format {
        Format::Csv => (csv(&lines), "text/csv; charset=utf-8"),
        Format::Json => (json(&lines), "application/json"),
    };
    let ext = match format {
        Format::Csv => "csv",
        Format::Json => "json",
    };
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"gdap-audit-{partner}.{ext}\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(web.finish(res))
}

const COLUMNS: [&str; 9] = [
    "dateTime",
    "by",
    "actor",
    "what",
    "action",
    "target",
    "result",
    "relationshipId",
    "roleDefinitionId",
];

fn fields(l: &Line) -> [String; 9] {
    let e = &l.entry;
    [
        format_graph(e.at),
        l.who.clone(),
        e.actor.clone(),
        l.what.clone(),
        e.action.clone(),
        e.target.clone(),
        e.result.clone(),
        e.relationship.map(|r| r.to_string()).unwrap_or_default(),
        e.role.map(|r| r.to_string()).unwrap_or_default(),
    ]
}

/// RFC 4180 CSV with a byte-order mark (so that spreadsheet programs read Japanese right); cells
/// that a spreadsheet would run as a formula are prefixed with `'`.
fn csv(lines: &[Line]) -> String {
    let cell = |s: &str| {
        let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_owned()
        };
        format!("\"{}\"", s.replace('"', "\"\""))
    };
    let mut out = String::from("\u{feff}");
    out.push_str(&COLUMNS.join(","));
    out.push_str("\r\n");
    for l in lines {
        let row: Vec<String> = fields(l).iter().map(|f| cell(f)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

fn json(lines: &[Line]) -> String {
    let value: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| {
            let f = fields(l);
            serde_json::Value::Object(
                COLUMNS
                    .iter()
                    .zip(f)
                    .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v)))
                    .collect(),
            )
        })
        .collect();
    serde_json::json!({ "value": value }).to_string()
}
