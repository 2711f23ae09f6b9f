//! The partner portal's Devices pages (Partner Center's Customers → customer → Devices): a
//! customer's Windows Autopilot device lists, the CSV upload that registers a list (the only
//! way an indirect reseller registers devices), its per-row results, and the devices of a list.
//! Every page is decided by the same rule as the API: the partner's consent in the customer and
//! its agents' roles.

use std::sync::Arc;

use axum::extract::{Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use gdap_app::autopilot::{self, BatchTarget, DevicePartner, DeviceResult, Registration};
use gdap_app::error::AppError;
use gdap_app::partner_center::PartnerUser;
use gdap_domain::autopilot::csv::{parse, HEADER};
use gdap_domain::autopilot::manage::DeviceAction;
use gdap_domain::autopilot::Channel;
use gdap_domain::ids::TenantId;
use maud::{html, Markup};

use super::context::{FormData, Page, Web};
use super::layout::csrf;
use super::text::devices::{csv_error, device_error, refusal, text};

/// The largest file the upload takes: 10,000 devices with their 4K hashes.
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;

/// The signed-in partner user, with the agent roles its groups give it.
async fn device_partner(web: &Web) -> Result<DevicePartner, Response> {
    let me = web.signed_in()?.clone();
    super::portal::second_step(web, &me)?;
    if me.tenant.partner.is_none() {
        return Err(web.message(
            StatusCode::FORBIDDEN,
            web.t.permission_title,
            web.t.portal_forbidden,
        ));
    }
    let who = Arc::new(me.who());
    let user = PartnerUser {
        partner: me.tenant,
        user: me.user,
        who,
    };
    DevicePartner::of(&web.state, user)
        .await
        .map_err(|e| web.failure(&e))
}

/// Lets the caller do `action` in `customer`, or answers with the reason in the page's language.
async fn allow(
    web: &Web,
    caller: &DevicePartner,
    customer: TenantId,
    action: DeviceAction,
    channel: Channel,
) -> Result<gdap_domain::directory::Tenant, Response> {
    let not_found = || missing(web);
    let decision = web.or_failure(
        autopilot::decision(
            &web.state,
            caller.partner(),
            caller.roles,
            customer,
            action,
            channel,
            None,
        )
        .await,
    )?;
    match decision {
        None => Err(not_found()),
        Some(Err(r)) => Err(web.message(
            StatusCode::FORBIDDEN,
            text(web.lang).refused_title,
            refusal(web.lang, r),
        )),
        Some(Ok(_)) => web
            .or_failure(web.state.tenant(customer).await)?
            .ok_or_else(not_found),
    }
}

fn missing(web: &Web) -> Response {
    let d = text(web.lang);
    web.message(StatusCode::NOT_FOUND, d.not_found_title, d.not_found_body)
}

fn customer_of(web: &Web, raw: &str) -> Result<TenantId, Response> {
    TenantId::parse(raw).map_err(|_| missing(web))
}

fn base(customer: TenantId) -> String {
    format!("/partner/customers/{customer}/devices")
}

/// The upload form, with a message above it when the last try was refused.
fn upload_form(web: &Web, customer: TenantId, name: &str, error: Option<&str>) -> Markup {
    let d = text(web.lang);
    html! {
        section.upload {
            h2 { (d.add_title) }
            p { (d.add_intro) }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action=(base(customer)) enctype="multipart/form-data" {
                (csrf(web))
                label for="name" { (d.name_label) }
                input #name type="text" name="name" maxlength="128" value=(name) required;
                p.hint { (d.name_hint) }
                label for="file" { (d.file_label) }
                input #file type="file" name="file" accept=".csv,text/csv" required;
                p.hint { (d.file_hint) " " code { (HEADER.join(",")) } }
                button type="submit" { (d.upload) }
            }
        }
    }
}

/// The Devices page: the customer's device lists and the upload form.
async fn devices_body(
    web: &Web,
    caller: &DevicePartner,
    customer: TenantId,
    error: Option<&str>,
    name: &str,
) -> Result<(String, Markup), Response> {
    let d = text(web.lang);
    let tenant = allow(
        web,
        caller,
        customer,
        DeviceAction::ReadDevices,
        Channel::CsvUpload,
    )
    .await?;
    let batches = web.or_failure(web.state.store.device_batches(customer).await)?;
    let creators = web.or_failure(autopilot::creators(&web.state, &batches).await)?;
    let title = d.title.replace("{customer}", &tenant.display_name);
    let body = html! {
        h1 { (title) }
        p { (d.intro) }
        h2 { (d.lists) }
        @if batches.is_empty() {
            p { (d.no_lists) }
        } @else {
            table.partners {
                thead { tr {
                    th scope="col" { (d.list_name) }
                    th scope="col" { (d.created_by) }
                    th scope="col" { (d.created) }
                    th scope="col" { (d.count) }
                } }
                tbody {
                    @for (b, by) in batches.iter().zip(&creators) {
                        tr data-list=(b.id) {
                            th scope="row" {
                                a href=(format!("{}/lists/{}", base(customer), gdap_http::extract::path_segment(&b.id))) { (b.id) }
                            }
                            td data-label=(d.created_by) { (by) }
                            td data-label=(d.created) { (super::text::date(web.lang, b.created_at)) }
                            td data-label=(d.count) { (b.device_count) }
                        }
                    }
                }
            }
        }
        (upload_form(web, customer, name, error))
    };
    Ok((title, body))
}

/// `GET /partner/customers/{id}/devices`.
pub async fn page(web: Web, Path(id): Path<String>) -> Page {
    let caller = device_partner(&web).await?;
    let customer = customer_of(&web, &id)?;
    let (title, body) = devices_body(&web, &caller, customer, None, "").await?;
    Ok(web.page(StatusCode::OK, &title, body))
}

/// What the upload form sent.
#[derive(Default)]
struct Upload {
    csrf: String,
    name: String,
    file: Vec<u8>,
}

async fn read_upload(mut form: Multipart) -> Result<Upload, String> {
    let mut up = Upload::default();
    while let Some(field) = form.next_field().await.map_err(|e| e.body_text())? {
        match field.name() {
            Some("csrf") => up.csrf = field.text().await.map_err(|e| e.body_text())?,
            Some("name") => up.name = field.text().await.map_err(|e| e.body_text())?,
            Some("file") => up.file = field.bytes().await.map_err(|e| e.body_text())?.to_vec(),
            _ => {}
        }
    }
    Ok(up)
}

/// The Devices page again, the form keeping the name, with why the upload was refused.
async fn again(
    web: &Web,
    caller: &DevicePartner,
    customer: TenantId,
    name: &str,
    status: StatusCode,
    message: &str,
) -> Page {
    let (title, body) = devices_body(web, caller, customer, Some(message), name).await?;
    Err(web.page(status, &title, body))
}

/// `POST /partner/customers/{id}/devices`: registers the uploaded list; its results follow.
pub async fn upload(web: Web, Path(id): Path<String>, form: Multipart) -> Page {
    let caller = device_partner(&web).await?;
    let customer = customer_of(&web, &id)?;
    let d = text(web.lang);
    let up = match read_upload(form).await {
        Ok(up) => up,
        Err(e) => {
            return Err(web.message(StatusCode::BAD_REQUEST, d.bad_file_title, &e));
        }
    };
    web.check_form(&FormData(vec![("csrf".into(), up.csrf.clone())]))?;
    allow(
        &web,
        &caller,
        customer,
        DeviceAction::AddDevices,
        Channel::CsvUpload,
    )
    .await?;
    let name = up.name.trim().to_owned();
    if name.is_empty() {
        return again(
            &web,
            &caller,
            customer,
            &name,
            StatusCode::BAD_REQUEST,
            d.name_missing,
        )
        .await;
    }
    if up.file.is_empty() {
        return again(
            &web,
            &caller,
            customer,
            &name,
            StatusCode::BAD_REQUEST,
            d.file_missing,
        )
        .await;
    }
    let rows = match parse(&up.file) {
        Ok(rows) => rows,
        Err(e) => {
            let body = html! {
                h1 { (d.bad_file_title) }
                p.error role="alert" { (csv_error(web.lang, &e)) }
                p { (d.bad_file_intro) }
                p { a href=(base(customer)) { (d.back) } }
            };
            return Err(web.page(StatusCode::BAD_REQUEST, d.bad_file_title, body));
        }
    };
    let registration = Registration {
        customer,
        target: BatchTarget::New(name.clone()),
        devices: rows.into_iter().map(|r| (Some(r.line), r.device)).collect(),
        channel: Channel::CsvUpload,
    };
    match autopilot::register(&web.state, &caller, registration).await {
        Ok(job) => Ok(web.redirect(&format!("{}/jobs/{}", base(customer), job.id))),
        Err(AppError::Conflict(_)) => {
            again(
                &web,
                &caller,
                customer,
                &name,
                StatusCode::CONFLICT,
                d.name_taken,
            )
            .await
        }
        Err(AppError::Invalid(m)) => {
            again(&web, &caller, customer, &name, StatusCode::BAD_REQUEST, &m).await
        }
        Err(e) => Err(web.failure(&e)),
    }
}

/// `GET /partner/customers/{id}/devices/jobs/{job}`: an upload's results, row by row.
pub async fn job(web: Web, Path((id, job)): Path<(String, String)>) -> Page {
    let caller = device_partner(&web).await?;
    let customer = customer_of(&web, &id)?;
    let d = text(web.lang);
    allow(
        &web,
        &caller,
        customer,
        DeviceAction::ReadDevices,
        Channel::CsvUpload,
    )
    .await?;
    let missing = || missing(&web);
    let job: uuid::Uuid = job.parse().map_err(|_| missing())?;
    let job = match autopilot::job(&web.state, &caller, customer, job, Channel::CsvUpload).await {
        Ok(j) => j,
        Err(AppError::NotFound(_)) => return Err(missing()),
        Err(e) => return Err(web.failure(&e)),
    };
    let results: Vec<DeviceResult> = web.or_failure(serde_json::from_str(&job.results))?;
    let failed: Vec<&DeviceResult> = results.iter().filter(|r| r.error_code.is_some()).collect();
    let summary = d
        .result_summary
        .replace("{ok}", &(results.len() - failed.len()).to_string())
        .replace("{failed}", &failed.len().to_string());
    let body = html! {
        h1 { (d.result_title) }
        p.summary data-status=(job.status) { (summary) }
        @if !failed.is_empty() {
            table.partners {
                thead { tr {
                    th scope="col" { (d.line) }
                    th scope="col" { (d.serial) }
                    th scope="col" { (d.product_id) }
                    th scope="col" { (d.result) }
                } }
                tbody {
                    @for r in &failed {
                        tr data-code=(r.error_code.as_deref().unwrap_or_default()) {
                            th scope="row" { (r.line.map(|l| l.to_string()).unwrap_or_default()) }
                            td data-label=(d.serial) { (r.serial_number.as_deref().unwrap_or("—")) }
                            td data-label=(d.product_id) { (r.product_key.as_deref().unwrap_or("—")) }
                            td data-label=(d.result) {
                                code { (r.error_code.as_deref().unwrap_or_default()) " " (r.error_description.as_deref().unwrap_or_default()) }
                                br;
                                (device_error(web.lang, r.error_code.as_deref().unwrap_or_default()))
                            }
                        }
                    }
                }
            }
        }
        p { a href=(base(customer)) { (d.back) } }
    };
    Ok(web.page(StatusCode::OK, d.result_title, body))
}

/// The page of a list after a device id.
#[derive(serde::Deserialize)]
pub struct ListPage {
    after: Option<String>,
}

/// `GET /partner/customers/{id}/devices/lists/{name}`: a list's devices, 100 a page.
pub async fn list(
    web: Web,
    Path((id, name)): Path<(String, String)>,
    Query(q): Query<ListPage>,
) -> Page {
    let caller = device_partner(&web).await?;
    let customer = customer_of(&web, &id)?;
    let d = text(web.lang);
    let missing = || missing(&web);
    let (devices, next) = match autopilot::batch_devices(
        &web.state,
        &caller,
        customer,
        &name,
        q.after.as_deref(),
        Channel::CsvUpload,
    )
    .await
    {
        Ok(page) => page,
        Err(AppError::NotFound(_) | AppError::Invalid(_)) => return Err(missing()),
        Err(AppError::Forbidden(_)) => {
            allow(
                &web,
                &caller,
                customer,
                DeviceAction::ReadDevices,
                Channel::CsvUpload,
            )
            .await?;
            return Err(missing());
        }
        Err(e) => return Err(web.failure(&e)),
    };
    let profiles = web.or_failure(web.state.store.device_profiles(customer).await)?;
    let adders = web.or_failure(
        web.state
            .tenant_names(devices.iter().filter_map(|d| d.added_by).collect())
            .await,
    )?;
    let adder = |p: Option<TenantId>| p.and_then(|p| adders.get(&p)).map_or("—", String::as_str);
    let profile = |id: Option<uuid::Uuid>| {
        profiles
            .iter()
            .find(|p| Some(p.id) == id)
            .map_or("—", |p| p.name.as_str())
    };
    let title = d.devices_of.replace("{name}", &name);
    let here = format!(
        "{}/lists/{}",
        base(customer),
        gdap_http::extract::path_segment(&name)
    );
    let body = html! {
        h1 { (title) }
        table.partners {
            thead { tr {
                th scope="col" { (d.serial) }
                th scope="col" { (d.product_id) }
                th scope="col" { (d.model) }
                th scope="col" { (d.added_by) }
                th scope="col" { (d.uploaded) }
                th scope="col" { (d.profile) }
            } }
            tbody {
                @for dev in &devices {
                    tr data-device=(dev.id.to_string()) {
                        th scope="row" { (dev.serial_number.as_deref().unwrap_or("—")) }
                        td data-label=(d.product_id) { (dev.product_key.as_deref().unwrap_or("—")) }
                        td data-label=(d.model) {
                            (dev.manufacturer.as_deref().unwrap_or("—")) " / " (dev.model.as_deref().unwrap_or("—"))
                        }
                        td data-label=(d.added_by) { (adder(dev.added_by)) }
                        td data-label=(d.uploaded) { (super::text::date(web.lang, dev.uploaded_at)) }
                        td data-label=(d.profile) { (profile(dev.profile)) }
                    }
                }
            }
        }
        @if let Some(after) = next {
            p { a rel="next" href=(format!("{here}?after={after}")) { (d.next_page) } }
        }
        p { a href=(base(customer)) { (d.back) } }
    };
    Ok(web.page(StatusCode::OK, &title, body))
}
