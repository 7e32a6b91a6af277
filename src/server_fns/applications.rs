//! Settings > Applications: the signed-in user's API applications. Create (revealing the
//! client secret once), list with created and last-used times, delete (revoking).
//!
//! Applications belong to a user and act in the one organization they were created in: a token
//! acts with its owner's permissions there and nowhere else. Each organization's page lists the
//! user's applications for that organization.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Application;
use crate::error::AppError;
use crate::server_fns::PageMeta;
#[cfg(feature = "ssr")]
use crate::{
    db,
    domain::OrgRole,
    ops, paths,
    server_fns::context::{Ctx, parse_name},
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApplicationsData {
    pub meta: PageMeta,
    pub applications: Vec<Application>,
    /// Where API clients reach this Meridian, for the examples on the page.
    pub public_url: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApplicationData {
    pub meta: PageMeta,
    pub application: Application,
}

/// A new application's credentials, shown exactly once.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct NewApplication {
    pub application_id: Uuid,
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    pub public_url: String,
}

impl std::fmt::Debug for NewApplication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewApplication")
            .field("application_id", &self.application_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// Where a new application's secret waits in the session for the page that shows it.
#[cfg(feature = "ssr")]
const REVEAL_SLOT: &str = "application";

#[server(endpoint = "applications/page")]
pub async fn applications_page(organization_id: Uuid) -> Result<ApplicationsData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let applications =
        db::applications::list_for_user(ctx.pool(), organization_id, access.user.id).await?;
    let mut meta = PageMeta::load(&ctx, &access, &paths::applications(organization_id)).await?;
    // Everyone manages their own applications.
    meta.can_manage = true;
    Ok(ApplicationsData {
        meta,
        applications,
        public_url: ctx.base_url().await,
    })
}

#[server(endpoint = "applications/detail")]
pub async fn application_page(
    organization_id: Uuid,
    application_id: Uuid,
) -> Result<ApplicationData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let application =
        db::applications::get(ctx.pool(), organization_id, access.user.id, application_id)
            .await?
            .ok_or_else(|| AppError::not_found("application"))?;
    let mut meta = PageMeta::load(&ctx, &access, &paths::applications(organization_id)).await?;
    meta.can_manage = true;
    Ok(ApplicationData { meta, application })
}

#[server(endpoint = "applications/create")]
pub async fn create_application(organization_id: Uuid, name: String) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let parsed = parse_name("name", &name)?;
    let (application, secret) = ops::applications::create(&ctx.state, &access, &parsed)
        .await
        .map_err(|e| e.with_input([("name", name.as_str())]))?;
    let reveal = NewApplication {
        application_id: application.id,
        name: application.name,
        client_id: application.client_id,
        client_secret: secret.expose().to_owned(),
        public_url: ctx.base_url().await,
    };
    ctx.stash_secret(REVEAL_SLOT, &reveal).await?;
    leptos_axum::redirect(&paths::application_secret(organization_id, application.id));
    Ok(())
}

/// The secret of an application just created, once: the first call takes it out of the
/// session, so a reload, the back button or a second visit gets `None`.
#[server(endpoint = "applications/reveal")]
pub async fn reveal_application(
    organization_id: Uuid,
    application_id: Uuid,
) -> Result<Option<NewApplication>, AppError> {
    let ctx = Ctx::load().await?;
    ctx.access(organization_id, OrgRole::Member).await?;
    let pending: Option<NewApplication> = ctx.take_secret(REVEAL_SLOT).await?;
    match pending {
        Some(a) if a.application_id == application_id => Ok(Some(a)),
        Some(other) => {
            ctx.stash_secret(REVEAL_SLOT, &other).await?;
            Ok(None)
        }
        None => Ok(None),
    }
}

#[server(endpoint = "applications/delete")]
pub async fn delete_application(
    organization_id: Uuid,
    application_id: Uuid,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let application = ops::applications::delete(&ctx.state, &access, application_id).await?;
    ctx.redirect_with_notice(
        &paths::applications(organization_id),
        format!(
            "Application {} deleted; its credentials no longer work.",
            application.name
        ),
    )
    .await
}
