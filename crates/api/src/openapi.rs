//! The OpenAPI document, generated from the handlers and committed as `openapi.json`.

use utoipa::OpenApi;

use crate::dev;
use gdap_check as check;
use gdap_graph as graph;
use gdap_token as token;
use gdap_web::{admincenter, authorize, billing};

/// gdap's HTTP API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "gdap",
        description = "Self-hostable partner delegated administration: the Microsoft Graph GDAP API (`/v1.0` and `/beta` serve the same resources), the customer approval API, an Entra-compatible token service and development controls.",
        license(name = "Apache-2.0")
    ),
    paths(
        graph::relationships::list_relationships,
        graph::relationships::create_relationship,
        graph::relationships::get_relationship,
        graph::relationships::update_relationship,
        graph::relationships::delete_relationship,
        graph::requests::list_requests,
        graph::requests::create_request,
        graph::requests::get_request,
        graph::assignments::list_assignments,
        graph::assignments::create_assignment,
        graph::assignments::get_assignment,
        graph::assignments::update_assignment,
        graph::assignments::delete_assignment,
        graph::operations::list_operations,
        graph::operations::get_operation,
        graph::customers::list_customers,
        graph::customers::get_customer,
        graph::customers::list_service_management_details,
        admincenter::get_invitation,
        admincenter::approve_invitation,
        admincenter::decline_invitation,
        admincenter::accept_customer_agreement,
        admincenter::list_partners,
        admincenter::remove_roles,
        billing::list_offers,
        billing::purchase,
        billing::list_products,
        billing::list_invoices,
        billing::list_licenses,
        billing::get_notifications,
        billing::update_notifications,
        check::check,
        graph::bulk_jobs::create_job,
        graph::bulk_jobs::list_jobs,
        graph::bulk_jobs::get_job,
        graph::bulk_jobs::cancel_job,
        graph::bulk_jobs::job_records,
        token::token,
        token::device::device_code,
        authorize::authorize,
        token::openid_configuration,
        token::jwks,
        token::instance_discovery,
        token::user_realm,
        graph::directory::autopilot::import_device,
        graph::directory::autopilot::list_devices,
        graph::directory::users::list_users,
        graph::directory::users::create_user,
        graph::directory::users::get_user,
        graph::directory::users::update_user,
        graph::directory::users::delete_user,
        graph::directory::users::revoke_sign_in_sessions,
        graph::directory::applications::list_applications,
        graph::directory::applications::create_application,
        graph::directory::applications::get_application,
        graph::directory::applications::update_application,
        graph::directory::applications::add_password,
        graph::directory::applications::delete_application,
        graph::directory::groups::list_groups,
        graph::directory::groups::create_group,
        graph::directory::groups::get_group,
        graph::directory::groups::delete_group,
        graph::directory::groups::list_members,
        graph::directory::groups::add_member,
        graph::directory::groups::remove_member,
        graph::directory::roles::list_role_assignments,
        graph::directory::roles::create_role_assignment,
        graph::directory::roles::get_role_assignment,
        graph::directory::roles::delete_role_assignment,
        graph::directory::organization::organization,
        graph::directory::organization::list_subscribed_skus,
        graph::directory::organization::get_subscribed_sku,
        dev::reset,
        dev::get_clock,
        dev::set_clock,
        dev::outbox,
    ),
    tags(
        (name = "delegatedAdminRelationships", description = "GDAP relationships of the calling partner"),
        (name = "requests", description = "lockForApproval, terminate, approve, reject"),
        (name = "accessAssignments", description = "Partner security groups granted roles on a relationship"),
        (name = "operations", description = "Long-running operations"),
        (name = "delegatedAdminCustomers", description = "Customers with an active relationship"),
        (name = "admincenter", description = "The customer side: approve invitations, see partners, remove roles"),
        (name = "billing", description = "The customer's billing area; partners acting on behalf of the customer may read only licenses and billing notifications"),
        (name = "bulk", description = "Bulk jobs: customers onboarded from a role template (or templates applied), carried out by the server as the asking application; resumable, progress by step, result records"),
        (name = "authz", description = "Check and explain: may this user do this action in this tenant, and why"),
        (name = "directory", description = "The tenant's directory: users, security groups and members, role assignments, the organization and its licenses; every call authorized against its Entra resource action"),
        (name = "token", description = "Entra-compatible token service"),
        (name = "development", description = "Only in development mode"),
    )
)]
pub struct ApiDoc;

/// The document as pretty JSON with a trailing newline, exactly as committed.
pub fn document() -> String {
    render(ApiDoc::openapi())
}

/// The document a server serves: without the development controls outside development mode.
pub fn served(dev: bool) -> String {
    let mut doc = ApiDoc::openapi();
    if !dev {
        doc.paths
            .paths
            .retain(|path, _| !path.starts_with("/_gdap/"));
    }
    render(doc)
}

/// Representations (the `…Json` types) list no required property, since `$select` may leave any
/// out (as Graph's own metadata has it); request bodies and the check API's answers keep theirs.
fn relax_representations(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::RefOr;
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for (name, schema) in components.schemas.iter_mut() {
        if let (true, RefOr::T(Schema::Object(o))) = (name.ends_with("Json"), schema) {
            o.required.clear();
        }
    }
}

fn render(mut doc: utoipa::openapi::OpenApi) -> String {
    relax_representations(&mut doc);
    let mut s = doc.to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}
