//! The OpenAPI 3.1 document, generated from the handlers and types, and the browsable
//! reference (Swagger UI, its assets compiled into the binary).

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Document, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::problem::{Problem, ProblemField};
use super::{
    applications, audit, audit_storage, data_planes, organizations, permissions, regions, users,
    webhooks, work, workspaces,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Meridian public API",
        version = "1.0.0",
        description = "Regions, data planes and workspace residency, in the shapes of the Airbyte public API. \
            Exchange an application's client credentials at POST /applications/token and send the \
            token as `Authorization: Bearer <token>`. Errors are `application/problem+json` (RFC 9457)."
    ),
    servers((url = "/api/public/v1")),
    paths(
        applications::token,
        regions::list, regions::create, regions::get, regions::update, regions::delete,
        data_planes::create_nested, data_planes::list_nested, data_planes::get_nested,
        data_planes::update_nested, data_planes::delete_nested,
        data_planes::create, data_planes::list, data_planes::get, data_planes::update,
        data_planes::delete, data_planes::list_secrets, data_planes::rotate_secret,
        data_planes::revoke_secret,
        workspaces::list, workspaces::create, workspaces::get, workspaces::update,
        workspaces::delete, workspaces::scoped_token,
        work::create, work::list, work::get, work::update, work::delete, work::run_now,
        work::list_runs, work::get_run, work::cancel,
        organizations::list,
        organizations::data_inventory,
        organizations::residency_policy, organizations::set_residency_policy,
        audit_storage::get, audit_storage::set_retention, audit_storage::set_bucket,
        audit_storage::remove_bucket,
        webhooks::create, webhooks::list, webhooks::get, webhooks::delete, webhooks::test,
        audit::list,
        users::list, users::sign_out, users::set_password,
        permissions::list, permissions::create, permissions::get, permissions::update,
        permissions::delete, permissions::list_invitations, permissions::revoke_invitation,
    ),
    components(schemas(Problem, ProblemField)),
    security(("bearerAuth" = [])),
    modifiers(&Conventions),
)]
pub struct ApiDoc;

/// What every operation shares: the bearer scheme, and the problem documents it may answer.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                add_problems(op);
            }
        }
    }
}

fn add_problems(op: &mut Operation) {
    const PROBLEMS: &[(&str, &str)] = &[
        ("400", "Malformed request"),
        (
            "401",
            "Missing, invalid or expired token, or wrong client credentials",
        ),
        ("403", "Not allowed to act on that organization"),
        ("404", "No such object within the caller's reach"),
        (
            "409",
            "Conflict: duplicate name, or the object is still in use",
        ),
        ("413", "Request body larger than 1 MiB"),
        ("415", "Request body is not JSON"),
        ("422", "Invalid value"),
        (
            "429",
            "Too many requests: try again after the Retry-After seconds",
        ),
    ];
    for (status, description) in PROBLEMS {
        op.responses
            .responses
            .entry((*status).to_owned())
            .or_insert_with(|| {
                ResponseBuilder::new()
                    .description(*description)
                    .content(
                        "application/problem+json",
                        Content::new(Some(Ref::from_schema_name("Problem"))),
                    )
                    .build()
                    .into()
            });
    }
}

/// The reference page at `/api/public/docs`, and the document it reads at
/// `/api/public/v1/openapi.json`.
pub fn reference_page() -> axum::Router<crate::state::AppState> {
    axum::Router::from(
        SwaggerUi::new("/api/public/docs").url("/api/public/v1/openapi.json", ApiDoc::openapi()),
    )
}
