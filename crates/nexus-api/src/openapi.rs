//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use crate::error::Problem;
use crate::routes;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "NEXUS CRM API", description = "REST API of NEXUS CRM. Conventions: shared/spec/api.md; errors are RFC 9457 problem documents."),
    paths(
        routes::auth::login, routes::auth::refresh, routes::auth::logout, routes::auth::me, routes::auth::change_password,
        routes::api_keys::create, routes::api_keys::list, routes::api_keys::revoke,
        routes::users::create_user, routes::users::list_users, routes::users::read_user, routes::users::update_user,
        routes::users::create_team, routes::users::list_teams, routes::users::read_team, routes::users::rename_team, routes::users::delete_team,
        routes::customers::create, routes::customers::create_batch, routes::customers::list, routes::customers::read,
        routes::customers::update, routes::customers::remove, routes::customers::restore, routes::customers::history,
        routes::custom_fields::create, routes::custom_fields::list, routes::custom_fields::read,
        routes::custom_fields::update, routes::custom_fields::remove, routes::custom_fields::restore,
        routes::transactions::aggregates, routes::timeline::timeline, routes::events::list,
        routes::privacy::export, routes::privacy::erase,
        routes::views::create, routes::views::list, routes::views::read, routes::views::update,
        routes::views::remove, routes::views::restore,
        routes::webhooks::create, routes::webhooks::list, routes::webhooks::read, routes::webhooks::update,
        routes::webhooks::remove, routes::webhooks::restore, routes::webhooks::rotate_secret,
        routes::webhooks::deliveries, routes::webhooks::read_delivery, routes::webhooks::replay,
        routes::imports::upload, routes::imports::list, routes::imports::fields, routes::imports::read,
        routes::imports::start, routes::imports::cancel, routes::imports::rejections,
        routes::customers::export, routes::products::export, routes::transactions::export,
        routes::deals::export, routes::activities::export,
        routes::products::create, routes::products::list, routes::products::read, routes::products::update,
        routes::products::remove, routes::products::restore,
        routes::transactions::create, routes::transactions::list, routes::transactions::read, routes::transactions::update,
        routes::transactions::remove, routes::transactions::restore,
        routes::pipelines::create, routes::pipelines::list, routes::pipelines::read, routes::pipelines::update,
        routes::pipelines::remove, routes::pipelines::restore,
        routes::deals::create, routes::deals::list, routes::deals::read, routes::deals::update, routes::deals::move_deal,
        routes::deals::remove, routes::deals::restore, routes::deals::stage_history, routes::deals::history,
        routes::activities::create, routes::activities::list, routes::activities::read, routes::activities::update,
        routes::activities::remove, routes::activities::restore, routes::activities::history,
        routes::dashboards::revenue, routes::dashboards::pipeline, routes::dashboards::new_customers,
        routes::dashboards::activity, routes::dashboards::top_customers,
        routes::ai::insights, routes::ai::bought_together, routes::ai::forecast, routes::ai::segments, routes::ai::sentiment,
        routes::ai::models, routes::ai::train,
        routes::ops::health, routes::ops::ready, routes::ops::metrics,
    ),
    components(schemas(Problem, nexus_core::FieldError)),
    modifiers(&Security, &DefaultErrors),
    tags(
        (name = "auth", description = "Login, token refresh and logout"),
        (name = "customers", description = "People and companies"),
        (name = "custom-fields", description = "Admin-defined fields of customers, deals and products: typed, optionally required or unique; values in `attributes.<key>`"),
        (name = "products", description = "The catalogue: SKUs and list prices (minor units + ISO 4217 currency)"),
        (name = "transactions", description = "Sales with line items; totals computed by the server"),
        (name = "pipelines", description = "Sales pipelines and their stages"),
        (name = "deals", description = "Opportunities on the pipeline board"),
        (name = "activities", description = "Notes, calls, emails, meetings and tasks"),
        (name = "dashboards", description = "Revenue, pipeline, new customers, activity and top customers, within the caller's scope"),
        (name = "ai", description = "Customer insights, revenue forecast, segments, sentiment; model versions and training (admins)"),
        (name = "privacy", description = "Data export and erasure requests for one customer (admins)"),
        (name = "views", description = "Saved views: named filter, sort and columns of a list, private or shared with a team"),
        (name = "events", description = "The event log as the caller may see it: catch-up after a Socket.IO reconnect"),
        (name = "webhooks", description = "Endpoints receiving signed event deliveries (Standard Webhooks), their deliveries, attempts and replays (admins)"),
        (name = "imports", description = "CSV import jobs: upload, column mapping, progress, rejected rows, cancel"),
        (name = "users", description = "User accounts"),
        (name = "teams", description = "Teams"),
        (name = "api-keys", description = "Keys for integrations"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT or API key")
                    .build(),
            ),
        );
    }
}

/// Every operation can also answer with a problem document (rate limits, timeouts, server
/// errors): documented once as the `default` response.
struct DefaultErrors;

impl Modify for DefaultErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let problem = ResponseBuilder::new()
            .description("An error, as an RFC 9457 problem document")
            .content(
                "application/problem+json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        "Problem",
                    ))))
                    .build(),
            )
            .build();
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
                &mut item.put,
            ]
            .into_iter()
            .flatten()
            {
                op.responses
                    .responses
                    .entry("default".into())
                    .or_insert_with(|| RefOr::T(problem.clone()));
                for (code, resp) in op.responses.responses.iter_mut() {
                    if (code.starts_with('4') || code.starts_with('5'))
                        && let RefOr::T(r) = resp
                        && let Some(c) = r.content.shift_remove("application/json")
                    {
                        r.content.insert("application/problem+json".into(), c);
                    }
                }
            }
        }
    }
}

/// The document as pretty JSON (what `openapi.json` at the repository root holds).
pub fn json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}
