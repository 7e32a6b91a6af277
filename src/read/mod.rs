//! Read models: what several pages (and the API) show, assembled from a few queries. They sit
//! below both front doors, so neither door imports the other to share them. The types compile
//! for the browser too (pages render them); loading them is server-only.

pub mod policy;
pub mod regions;

#[cfg(feature = "ssr")]
use uuid::Uuid;

/// Where to go after signing in: the page first asked for when it is a same-site path and the
/// user belongs to an organization, else their first organization; someone who belongs to none
/// yet goes to their open invitations if they have some (any other page would only say "not
/// found").
#[cfg(feature = "ssr")]
pub async fn landing_path(
    pool: &sqlx::PgPool,
    user_id: Uuid,
    next: Option<&str>,
) -> crate::error::AppResult<String> {
    let memberships = crate::db::organizations::memberships(pool, user_id).await?;
    if let Some(m) = memberships.first() {
        if let Some(next) = next.filter(|n| crate::paths::is_local_path(n)) {
            return Ok(next.to_owned());
        }
        return Ok(crate::paths::general(m.organization_id));
    }
    let invited = match crate::db::users::get(pool, user_id).await? {
        Some(user) => !crate::db::invitations::open_for(pool, &user.email)
            .await?
            .is_empty(),
        None => false,
    };
    Ok(if invited {
        crate::paths::INVITATIONS.to_owned()
    } else {
        "/no-organization".to_owned()
    })
}
