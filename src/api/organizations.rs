//! `/organizations`: the organizations the caller belongs to, what the control plane keeps
//! about one of them (its data inventory), and its residency policy.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{Caller, JsonBody, PathParams, path_id};
use super::problem::{ApiError, ApiResult};
use crate::db;
use crate::domain::{Classification, Jurisdiction, OrgRole, PolicyRule, ResidencyPolicy};
use crate::error::AppError;
use crate::read::policy::PolicyView;
use crate::state::AppState;
use crate::{ops, read};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationResponse {
    pub organization_id: Uuid,
    pub organization_name: String,
    /// Meridian keeps no contact address per organization: the caller's own email.
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrganizationsResponse {
    pub data: Vec<OrganizationResponse>,
}

/// The organization the caller's application acts in (an application is created for one).
#[utoipa::path(get, path = "/organizations", tag = "Organizations",
    responses((status = 200, body = OrganizationsResponse)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<OrganizationsResponse>> {
    let access = caller.home(&state).await?;
    let organization = db::organizations::get(&state.pool, access.organization_id)
        .await?
        .ok_or_else(|| crate::error::AppError::not_found("organization"))?;
    Ok(Json(OrganizationsResponse {
        data: vec![OrganizationResponse {
            organization_id: organization.id,
            organization_name: organization.name,
            email: access.user.email,
        }],
    }))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredColumnResponse {
    pub name: String,
    /// What it holds.
    pub holds: String,
    pub personal_data: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredTableResponse {
    pub table: String,
    /// Why the control plane keeps it.
    pub purpose: String,
    /// `organization` (rows belong to one organization or its members) or `instance` (keys
    /// and counters of the whole instance).
    pub scope: String,
    pub personal_data: bool,
    pub columns: Vec<StoredColumnResponse>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionalDataResponse {
    pub what: String,
    /// Where and how the region keeps it.
    pub kept: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataInventoryResponse {
    pub organization_id: Uuid,
    /// Every table and column of the control plane's database.
    pub control_plane: Vec<StoredTableResponse>,
    /// What stays in the organization's regions and never reaches the control plane.
    pub data_planes: Vec<RegionalDataResponse>,
}

/// What the control plane stores about the organization, table by table and column by column,
/// and what stays in its regions' data planes.
#[utoipa::path(get, path = "/organizations/{organizationId}/data-inventory", tag = "Organizations",
    params(("organizationId" = Uuid, Path)),
    responses((status = 200, body = DataInventoryResponse)))]
pub async fn data_inventory(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw_id): PathParams<String>,
) -> ApiResult<Json<DataInventoryResponse>> {
    use crate::domain::inventory::{CONTROL_PLANE, IN_DATA_PLANES, Scope};
    let organization_id = path_id("organization_id", &raw_id)?;
    caller
        .access_object(&state, organization_id, OrgRole::Member, "organization")
        .await?;
    Ok(Json(DataInventoryResponse {
        organization_id,
        control_plane: CONTROL_PLANE
            .iter()
            .map(|t| StoredTableResponse {
                table: t.name.to_owned(),
                purpose: t.purpose.to_owned(),
                scope: match t.scope {
                    Scope::Organization => "organization",
                    Scope::Instance => "instance",
                }
                .to_owned(),
                personal_data: t.personal_data(),
                columns: t
                    .columns
                    .iter()
                    .map(|c| StoredColumnResponse {
                        name: c.name.to_owned(),
                        holds: c.holds.to_owned(),
                        personal_data: c.personal_data,
                    })
                    .collect(),
            })
            .collect(),
        data_planes: IN_DATA_PLANES
            .iter()
            .map(|d| RegionalDataResponse {
                what: d.what.to_owned(),
                kept: d.kept.to_owned(),
            })
            .collect(),
    }))
}

/// Where workspaces carrying one classification may live.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRuleBody {
    /// A lower-case word such as `pii`, `phi`, `pci`.
    pub classification: String,
    /// Jurisdiction or country codes (`US`, `EU`, `DE`); empty restricts nothing.
    #[serde(default)]
    pub allowed_jurisdictions: Vec<String>,
}

/// A new residency policy. Absent or empty lists restrict nothing.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResidencyPolicyRequest {
    /// Where every workspace may live: jurisdiction or country codes.
    #[serde(default)]
    pub allowed_jurisdictions: Vec<String>,
    /// Further limits per classification, one rule per classification.
    #[serde(default)]
    pub rules: Vec<PolicyRuleBody>,
}

/// A workspace living where the policy does not allow it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyViolationResponse {
    pub workspace_id: Uuid,
    pub workspace_name: String,
    pub region_id: Uuid,
    pub region_name: String,
    pub classifications: Vec<String>,
    /// The rule broken, e.g. `phi only in US`.
    pub rule: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResidencyPolicyResponse {
    pub organization_id: Uuid,
    pub allowed_jurisdictions: Vec<String>,
    pub rules: Vec<PolicyRuleBody>,
    /// Every workspace the policy forbids where it is now. Changing the policy moves nothing.
    pub violations: Vec<PolicyViolationResponse>,
}

fn policy_response(organization_id: Uuid, view: PolicyView) -> ResidencyPolicyResponse {
    let codes = |list: Vec<Jurisdiction>| list.into_iter().map(String::from).collect();
    ResidencyPolicyResponse {
        organization_id,
        allowed_jurisdictions: codes(view.policy.allowed_jurisdictions),
        rules: view
            .policy
            .rules
            .into_iter()
            .map(|r| PolicyRuleBody {
                classification: r.classification.into(),
                allowed_jurisdictions: codes(r.allowed_jurisdictions),
            })
            .collect(),
        violations: view
            .violations
            .into_iter()
            .map(|v| PolicyViolationResponse {
                workspace_id: v.workspace_id,
                workspace_name: v.workspace_name,
                region_id: v.region_id,
                region_name: v.region_name,
                classifications: v.classifications,
                rule: v.breach.rule,
                message: v.breach.message,
            })
            .collect(),
    }
}

/// The request's policy, every wrong value named by where it is (`rules[1].classification`).
fn parse_policy(body: ResidencyPolicyRequest) -> ApiResult<ResidencyPolicy> {
    fn codes(errors: &mut Vec<AppError>, field: &str, raw: &[String]) -> Vec<Jurisdiction> {
        raw.iter()
            .filter_map(|code| {
                Jurisdiction::parse(code)
                    .map_err(|m| errors.push(AppError::invalid(field, m)))
                    .ok()
            })
            .collect()
    }
    let mut errors = Vec::new();
    let allowed = codes(
        &mut errors,
        "allowedJurisdictions",
        &body.allowed_jurisdictions,
    );
    let mut rules = Vec::new();
    for (at, rule) in body.rules.iter().enumerate() {
        let allowed_jurisdictions = codes(
            &mut errors,
            &format!("rules[{at}].allowedJurisdictions"),
            &rule.allowed_jurisdictions,
        );
        match Classification::parse(&rule.classification) {
            Ok(classification) => rules.push(PolicyRule {
                classification,
                allowed_jurisdictions,
            }),
            Err(m) => errors.push(AppError::invalid(&format!("rules[{at}].classification"), m)),
        }
    }
    if let Some(error) = AppError::merge(errors) {
        return Err(error.into());
    }
    ResidencyPolicy::new(allowed, rules).map_err(|m| ApiError::invalid("rules", m))
}

/// The organization's residency policy, and the workspaces it forbids where they are.
#[utoipa::path(get, path = "/organizations/{organizationId}/residency-policy", tag = "Organizations",
    params(("organizationId" = Uuid, Path)),
    responses((status = 200, body = ResidencyPolicyResponse)))]
pub async fn residency_policy(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw_id): PathParams<String>,
) -> ApiResult<Json<ResidencyPolicyResponse>> {
    let organization_id = path_id("organization_id", &raw_id)?;
    caller
        .access_object(&state, organization_id, OrgRole::Member, "organization")
        .await?;
    let view = read::policy::load(&state.pool, organization_id).await?;
    Ok(Json(policy_response(organization_id, view)))
}

/// Replace the organization's residency policy (organization admins). Nothing moves: the
/// answer lists the workspaces the new policy forbids where they are; every later workspace
/// create, move or classification change must satisfy it (422 naming the rule otherwise).
#[utoipa::path(put, path = "/organizations/{organizationId}/residency-policy", tag = "Organizations",
    params(("organizationId" = Uuid, Path)), request_body = ResidencyPolicyRequest,
    responses((status = 200, body = ResidencyPolicyResponse)))]
pub async fn set_residency_policy(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw_id): PathParams<String>,
    JsonBody(body): JsonBody<ResidencyPolicyRequest>,
) -> ApiResult<Json<ResidencyPolicyResponse>> {
    let organization_id = path_id("organization_id", &raw_id)?;
    let access = caller
        .access_object(&state, organization_id, OrgRole::Admin, "organization")
        .await?;
    let policy = parse_policy(body)?;
    ops::policies::set(&state, &access, &policy, None).await?;
    let view = read::policy::load(&state.pool, organization_id).await?;
    Ok(Json(policy_response(organization_id, view)))
}
