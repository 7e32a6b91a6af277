//! The command line's way to what stays in a region, as a script would go: exchange an API
//! application's client credentials at the control plane for a token, get a scoped token for
//! the workspace, then talk straight to the region's data planes (the first that answers, in
//! the order the control plane lists them). Values never pass through the control plane.

use serde::Deserialize;
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

/// Who calls, and where the control plane is.
pub struct Credentials {
    pub control_plane: String,
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("control_plane", &self.control_plane)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// A workspace reached at its region's data planes.
pub struct Workspace {
    http: reqwest::Client,
    /// The control plane's public API, and a token for it.
    api: String,
    access_token: String,
    workspace: Uuid,
    token: String,
    dataplanes: Vec<String>,
}

#[derive(Deserialize)]
struct AccessToken {
    access_token: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Scoped {
    token: String,
    dataplane_urls: Vec<String>,
}

/// A secret's name and when it was set.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretEntry {
    pub name: String,
    pub updated_at: String,
}

/// A configuration value.
#[derive(Debug, Deserialize)]
pub struct ConfigEntry {
    pub key: String,
    pub value: String,
}

/// A deployment version as the data plane stored it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployed {
    pub name: String,
    pub version: i32,
    pub digest: String,
    pub size_bytes: i64,
}

/// A run as the control plane knows it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunInfo {
    pub run_id: Uuid,
    pub status: String,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobEntry {
    job_id: Uuid,
    name: String,
}

#[derive(Deserialize)]
struct Listing<T> {
    data: Vec<T>,
}

/// What went wrong, in words for the person at the terminal.
pub type ClientResult<T> = Result<T, String>;

impl Workspace {
    /// Signs in at the control plane and gets a scoped token for `workspace`.
    pub async fn open(credentials: &Credentials, workspace: Uuid) -> ClientResult<Workspace> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("meridian-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        let base = format!(
            "{}/api/public/v1",
            credentials.control_plane.trim_end_matches('/')
        );
        let access: AccessToken = answer(
            http.post(format!("{base}/applications/token"))
                .json(&json!({
                    "client_id": credentials.client_id,
                    "client_secret": credentials.client_secret,
                    "grant_type": "client_credentials",
                })),
            "the control plane",
        )
        .await?;
        let scoped: Scoped = answer(
            http.post(format!("{base}/workspaces/{workspace}/scoped-token"))
                .bearer_auth(&access.access_token),
            "the control plane",
        )
        .await?;
        if scoped.dataplane_urls.is_empty() {
            return Err("no data plane of the workspace's region serves a regional API yet".into());
        }
        Ok(Workspace {
            http,
            api: base,
            access_token: access.access_token,
            workspace,
            token: scoped.token,
            dataplanes: scoped.dataplane_urls,
        })
    }

    pub async fn secrets(&self) -> ClientResult<Vec<SecretEntry>> {
        let listing: Listing<SecretEntry> =
            self.call(reqwest::Method::GET, "secrets", None).await?;
        Ok(listing.data)
    }

    pub async fn set_secret(&self, name: &str, value: &str) -> ClientResult<()> {
        self.call::<serde::de::IgnoredAny>(
            reqwest::Method::PUT,
            &format!("secrets/{}", path_segment(name)),
            Some(json!({ "value": value })),
        )
        .await
        .map(|_| ())
    }

    pub async fn delete_secret(&self, name: &str) -> ClientResult<()> {
        self.call::<serde::de::IgnoredAny>(
            reqwest::Method::DELETE,
            &format!("secrets/{}", path_segment(name)),
            None,
        )
        .await
        .map(|_| ())
    }

    pub async fn config(&self) -> ClientResult<Vec<ConfigEntry>> {
        let listing: Listing<ConfigEntry> = self.call(reqwest::Method::GET, "config", None).await?;
        Ok(listing.data)
    }

    pub async fn set_config(&self, key: &str, value: &str) -> ClientResult<()> {
        self.call::<serde::de::IgnoredAny>(
            reqwest::Method::PUT,
            &format!("config/{}", path_segment(key)),
            Some(json!({ "value": value })),
        )
        .await
        .map(|_| ())
    }

    pub async fn delete_config(&self, key: &str) -> ClientResult<()> {
        self.call::<serde::de::IgnoredAny>(
            reqwest::Method::DELETE,
            &format!("config/{}", path_segment(key)),
            None,
        )
        .await
        .map(|_| ())
    }

    /// Uploads a deployment: a script, or a gzipped tar archive holding meridian.json.
    pub async fn deploy(&self, name: &str, content: Vec<u8>, gzip: bool) -> ClientResult<Deployed> {
        let content_type = if gzip {
            "application/gzip"
        } else {
            "text/plain"
        };
        let path = format!("deployments/{}", path_segment(name));
        let response = self
            .send(|http, base| {
                http.put(format!("{base}/v1/workspaces/{}/{path}", self.workspace))
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .timeout(Duration::from_secs(300))
                    .body(content.clone())
            })
            .await?;
        read(response, "the data plane").await
    }

    /// Queues a run of a job (by name or id) at the control plane.
    pub async fn run(&self, job: &str) -> ClientResult<RunInfo> {
        let job_id = match Uuid::parse_str(job) {
            Ok(id) => id,
            Err(_) => {
                let jobs: Listing<JobEntry> = answer(
                    self.http
                        .get(format!("{}/jobs?workspaceId={}", self.api, self.workspace))
                        .bearer_auth(&self.access_token),
                    "the control plane",
                )
                .await?;
                jobs.data
                    .into_iter()
                    .find(|j| j.name.eq_ignore_ascii_case(job))
                    .map(|j| j.job_id)
                    .ok_or_else(|| format!("the workspace has no job named {job}"))?
            }
        };
        answer(
            self.http
                .post(format!("{}/jobs/{job_id}/runs", self.api))
                .bearer_auth(&self.access_token),
            "the control plane",
        )
        .await
    }

    /// A run as the control plane knows it.
    pub async fn run_status(&self, run: Uuid) -> ClientResult<RunInfo> {
        answer(
            self.http
                .get(format!("{}/runs/{run}", self.api))
                .bearer_auth(&self.access_token),
            "the control plane",
        )
        .await
    }

    /// Writes a run's log to `out`, straight from the region's data plane; with `follow`, as
    /// it is written, until the run ends.
    pub async fn logs(
        &self,
        run: Uuid,
        follow: bool,
        out: &mut (dyn std::io::Write + Send),
    ) -> ClientResult<()> {
        let query = if follow { "?follow=true" } else { "" };
        let mut response = self
            .send(|http, base| {
                let request = http.get(format!("{base}/v1/runs/{run}/logs{query}"));
                // A followed log stays open as long as the run goes on.
                if follow {
                    request.timeout(Duration::from_secs(24 * 3600))
                } else {
                    request
                }
            })
            .await?;
        if !response.status().is_success() {
            return read::<serde::de::IgnoredAny>(response, "the data plane")
                .await
                .map(|_| ());
        }
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("reading the log: {e}"))?
        {
            out.write_all(&chunk)
                .and_then(|_| out.flush())
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Sends a request built for each data plane in turn, with the scoped token, until one
    /// answers.
    async fn send(
        &self,
        build: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    ) -> ClientResult<reqwest::Response> {
        let mut unreachable = Vec::new();
        for base in &self.dataplanes {
            match build(&self.http, base)
                .bearer_auth(&self.token)
                .send()
                .await
            {
                Ok(response) => return Ok(response),
                Err(e) => unreachable.push(format!("{base}: {e}")),
            }
        }
        Err(format!(
            "no data plane of the region could be reached ({})",
            unreachable.join("; ")
        ))
    }

    /// One call at the first data plane that can be reached; a data plane that answers (even
    /// with an error) is the answer.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> ClientResult<T> {
        let mut unreachable = Vec::new();
        for base in &self.dataplanes {
            let url = format!("{base}/v1/workspaces/{}/{path}", self.workspace);
            let mut request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&self.token);
            if let Some(body) = &body {
                request = request.json(body);
            }
            match request.send().await {
                Ok(response) => return read(response, "the data plane").await,
                Err(e) => unreachable.push(format!("{base}: {e}")),
            }
        }
        Err(format!(
            "no data plane of the region could be reached ({})",
            unreachable.join("; ")
        ))
    }
}

/// Names are letters, digits and `_` when valid; anything else is escaped and refused there.
fn path_segment(raw: &str) -> String {
    form_urlencoded::byte_serialize(raw.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

async fn answer<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
    who: &str,
) -> ClientResult<T> {
    let response = request
        .send()
        .await
        .map_err(|e| format!("cannot reach {who}: {e}"))?;
    read(response, who).await
}

/// The answer's JSON, or the problem document's `detail` as the error.
async fn read<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
    who: &str,
) -> ClientResult<T> {
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| format!("reading {who}'s answer: {e}"))?;
    if status.is_success() {
        let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        return serde_json::from_slice(bytes).map_err(|e| format!("{who} answered {status}: {e}"));
    }
    let detail = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_owned))
        .unwrap_or_default();
    Err(format!("{who} answered {status}: {detail}"))
}
