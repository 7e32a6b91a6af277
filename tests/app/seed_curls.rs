//! The multi-region guide's curl commands, run verbatim (tests/seed/curls.sh) against the app.

use crate::common::*;
use meridian::domain::DEFAULT_ORGANIZATION_ID;
use sqlx::PgPool;

/// Regions and data planes with the literal ids the guide's commands use.
const GUIDE_REGIONS: [&str; 3] = [
    "116a49ab-b04a-49d6-8f9e-4d9d6a4189cc",
    "96129828-e006-4fd6-820f-132dc00a10f2",
    "8fee0404-6d56-442a-bb54-e28edada1405",
];
const GUIDE_DATA_PLANES: [&str; 2] = [
    "312b4641-2edc-4dc9-9933-41b759d3b2d8",
    "f1482a93-4786-4662-800e-ff07363418b1",
];

#[sqlx::test]
async fn the_guides_curl_commands_work_verbatim(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for (n, id) in GUIDE_REGIONS.iter().enumerate() {
        sqlx::query("insert into regions (id, organization_id, name) values ($1::uuid, $2, $3)")
            .bind(id)
            .bind(DEFAULT_ORGANIZATION_ID)
            .bind(format!("guide-region-{n}"))
            .execute(&app.pool)
            .await
            .unwrap();
    }
    for (n, id) in GUIDE_DATA_PLANES.iter().enumerate() {
        sqlx::query(
            "insert into data_planes (id, region_id, name) values ($1::uuid, $2::uuid, $3)",
        )
        .bind(id)
        .bind(GUIDE_REGIONS[0])
        .bind(format!("guide-dp-{n}"))
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let api = app.api_admin().await;
    let workspace = app
        .workspace_id(DEFAULT_ORGANIZATION_ID, "Default Workspace")
        .await;
    let command = tokio::process::Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/seed/curls.sh"))
        .env("BASE", format!("http://{}", app.addr))
        .env("TOKEN", &api.token)
        .env("WORKSPACE_ID", workspace.to_string())
        .env("REGION_ID", GUIDE_REGIONS[1])
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(120), command)
        .await
        .expect("the script finishes")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("ok ").count(), 10, "{stdout}");
}
