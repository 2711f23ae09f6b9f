//! The partner portal's Customers page (Partner Center's *Customers*): every customer with how it
//! is tied to the partner (reseller, DAP, GDAP), what its relationships need from the partner, and
//! the admin portal of each service to manage it on its behalf.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use gdap_domain::attention::Attention;
use gdap_domain::customer::{is_ended, service_links, PartnerLink};
use gdap_domain::enums::RelationshipStatus as S;
use gdap_domain::ids::TenantId;
use gdap_domain::query::ListQuery;
use maud::html;

use super::context::{Page, Web};
use super::portal::{attention_words, needs_of, partner_user};
use super::text::customers::text;

/// One customer as the page shows it.
#[derive(Default)]
struct Row {
    link: Option<PartnerLink>,
    active: usize,
    needs: Vec<Attention>,
}

/// How a customer is tied to the partner, in words.
fn ties(web: &Web, row: &Row) -> String {
    let c = text(web.lang);
    let mut out: Vec<String> = row
        .link
        .as_ref()
        .map(PartnerLink::types)
        .unwrap_or_default()
        .into_iter()
        .map(|k| super::text::types::describe(web.lang, k).name.to_owned())
        .collect();
    if row.active > 0 {
        out.push(c.gdap_active.replace("{n}", &row.active.to_string()));
    }
    if out.is_empty() {
        // Only an invitation so far.
        return "—".to_owned();
    }
    let items: Vec<&str> = out.iter().map(String::as_str).collect();
    super::text::list(web.lang, &items)
}

/// `GET /partner/customers`.
pub async fn page(web: Web) -> Page {
    let (me, _) = partner_user(&web).await?;
    let t = web.t;
    let c = text(web.lang);
    let store = &web.state.store;
    let links = web.or_failure(
        store
            .customers_of_partner(me.tenant.id, None, 500, None)
            .await,
    )?;
    let q = ListQuery {
        top: 300,
        ..ListQuery::default()
    };
    let rels = web
        .or_failure(store.list_relationships(me.tenant.id, &q).await)?
        .items;
    let needs = needs_of(&web, &me, &rels).await?;
    let mut rows: BTreeMap<TenantId, Row> = BTreeMap::new();
    for (l, _) in links {
        let id = l.customer;
        rows.entry(id).or_default().link = Some(l);
    }
    for (r, need) in rels.iter().zip(needs) {
        let Some(customer) = r.customer.as_ref().map(|c| c.tenant_id) else {
            continue;
        };
        if is_ended(r.status) || r.status == S::Created {
            continue;
        }
        let row = rows.entry(customer).or_default();
        if r.status == S::Active {
            row.active += 1;
        }
        for a in need {
            if !row.needs.contains(&a) {
                row.needs.push(a);
            }
        }
    }
    let mut named = Vec::with_capacity(rows.len());
    for (id, row) in rows {
        if let Some(tenant) = web.state.tenant(id).await.ok().flatten() {
            named.push((tenant, row));
        }
    }
    named.sort_by_key(|(tenant, _)| tenant.display_name.to_lowercase());
    let body = html! {
        h1 { (c.title) }
        p { (c.intro) }
        @if named.is_empty() {
            p { (c.none) }
        } @else {
            table.partners {
                thead { tr {
                    th scope="col" { (t.customer) }
                    th scope="col" { (c.domain) }
                    th scope="col" { (c.ties) }
                    th scope="col" { (c.needs) }
                    th scope="col" { (c.services) }
                } }
                tbody {
                    @for (tenant, row) in &named {
                        tr data-customer=(tenant.id.to_string()) {
                            th scope="row" {
                                (tenant.display_name)
                                br;
                                a.devices href=(format!("/partner/customers/{}/devices", tenant.id)) { (super::text::devices::text(web.lang).devices_link) }
                            }
                            td data-label=(c.domain) { (tenant.domain) }
                            td data-label=(c.ties) { (ties(&web, row)) }
                            td data-label=(c.needs) {
                                @if row.needs.is_empty() { span.hint { (c.nothing_needed) } }
                                @for (i, a) in row.needs.iter().enumerate() {
                                    @if i > 0 { br; }
                                    span.attention data-attention=(a.tag()) { (attention_words(t, *a)) }
                                }
                            }
                            td data-label=(c.services) {
                                details {
                                    summary { (c.service_links) }
                                    ul.services {
                                        @for (service, url) in service_links(tenant.id, &tenant.domain) {
                                            li { a href=(url) rel="noopener noreferrer" target="_blank" { (service) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(web.page(StatusCode::OK, c.title, body))
}
