//! Workspace > Jobs: the workspace's jobs with their latest runs and the form to create one;
//! a job's page (edit, run now, its runs, delete); and a run's page, whose log is framed from
//! the region's data plane, streaming in while the run goes on (JavaScript or not). Runs and
//! their states keep themselves current once the page is hydrated.

use leptos::prelude::*;

use crate::domain::{Job, WorkspaceRole};
use crate::fragments::{LiveFragment, LiveSource, RunFacts, RunRow, RunStatusBadge};
use crate::paths;
use crate::server_fns::work::{JobData, JobsData, RunData, job_page, jobs_page, run_page};
use crate::ui::components::{EmptyState, Notice, PageHeader, RelativeTime, loaded, path_resource};
use crate::ui::forms::{CancelRunForm, DeleteJobForm, JobFieldValues, JobForm, RunJobForm};
use crate::ui::live::Live;

/// "Every 15 minutes"-style wording is left to cron; the expression is shown as written.
fn schedule_of(job: &Job) -> String {
    job.schedule
        .as_ref()
        .map(|s| format!("{s} (UTC)"))
        .unwrap_or_else(|| "By hand".to_owned())
}

#[component]
pub fn JobsPage() -> impl IntoView {
    let data = path_resource(
        ["org", "workspace"],
        "workspace",
        || (),
        |[org, workspace], ()| jobs_page(org, workspace),
    );
    view! { {loaded(data, move |d: JobsData| view! { <Jobs data=d/> })} }
}

#[component]
fn Jobs(data: JobsData) -> impl IntoView {
    let w = data.workspace;
    let org = w.organization_id;
    let now = data.meta.now;
    let jobs = if data.jobs.is_empty() {
        view! { <EmptyState title="No jobs yet" hint="Upload code to the region's data plane (meridian deploy NAME PATH), then create a job that runs it."/> }.into_any()
    } else {
        let rows = data
            .jobs
            .into_iter()
            .map(|row| {
                let job = row.job;
                let href = paths::job(org, w.id, job.id);
                let last = match row.last_run {
                    Some(run) => view! {
                        <a href=paths::run(org, w.id, run.id)><RunStatusBadge status=run.status.clone()/></a>
                        " "<RelativeTime at=run.queued_at now/>
                    }
                    .into_any(),
                    None => view! { <span class="muted">"Never run"</span> }.into_any(),
                };
                let next = job
                    .next_run_at
                    .map(|at| view! { <RelativeTime at now/> }.into_any())
                    .unwrap_or_else(|| view! { <span class="muted">"—"</span> }.into_any());
                let run = (data.role >= WorkspaceRole::Editor).then(|| {
                    view! { <RunJobForm organization_id=org workspace_id=w.id job_id=job.id/> }
                });
                view! {
                    <tr>
                        <td><a href=href>{job.name.clone()}</a></td>
                        <td><code>{job.deployment.clone()}</code></td>
                        <td>{schedule_of(&job)}</td>
                        <td>{last}</td>
                        <td>{next}</td>
                        <td class="row-actions">{run}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll">
                <table class="table" id="jobs">
                    <thead>
                        <tr>
                            <th scope="col">"Job"</th>
                            <th scope="col">"Deployment"</th>
                            <th scope="col">"Schedule"</th>
                            <th scope="col">"Last run"</th>
                            <th scope="col">"Next run"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let deployments = (!data.deployments.is_empty()).then(|| {
        let items = data
            .deployments
            .iter()
            .map(|d| {
                view! {
                    <li><code>{d.name.clone()}</code>{format!(" version {} ({} bytes, ", d.version, d.size_bytes)}<code class="digest" title=d.digest.clone()>{d.digest.chars().take(19).collect::<String>()}</code>")"</li>
                }
            })
            .collect_view();
        view! {
            <p class="muted">"Deployments in region " {w.region_name.clone()} " (their code stays there; Meridian knows names, versions and digests):"</p>
            <ul class="plain-list">{items}</ul>
        }
    });
    let create = data.meta.can_manage.then(|| {
        view! {
            <section class="panel" aria-labelledby="create-job-heading">
                <h2 id="create-job-heading">"Create a job"</h2>
                {deployments}
                <JobForm organization_id=org workspace_id=w.id job_id=None revision=None values=JobFieldValues::default() prefix="new-job".into() label="Create job".into()/>
            </section>
        }
    });
    view! {
        <PageHeader title=format!("Jobs of {}", w.name) lead=format!("They run on the data planes of region {}; their code, secrets, output and logs stay there.", w.region_name) crumbs=vec![("Workspaces".to_owned(), paths::workspaces(org)), (w.name.clone(), paths::workspace(org, w.id))]/>
        <Notice notice=data.meta.notice/>
        <section class="panel" aria-labelledby="jobs-heading">
            <h2 id="jobs-heading">"Jobs"</h2>
            {jobs}
        </section>
        {create}
        <section class="panel" aria-labelledby="runs-heading">
            <h2 id="runs-heading">"Recent runs"</h2>
            <Live source=LiveSource::Runs { organization_id: org, workspace_id: w.id, job_id: None, run_id: None } fragment=LiveFragment::table(RunRow::all(&data.runs, now)) id="runs-live".into()/>
            <p class="help">"Kept current while the page is open (reload it without JavaScript)."</p>
        </section>
    }
}

fn job_resource() -> Resource<Result<JobData, crate::error::AppError>> {
    path_resource(
        ["org", "workspace", "job"],
        "job",
        || (),
        |[org, workspace, job], ()| job_page(org, workspace, job),
    )
}

#[component]
pub fn JobPage() -> impl IntoView {
    view! { {loaded(job_resource(), move |d: JobData| view! { <JobDetail data=d/> })} }
}

#[component]
fn JobDetail(data: JobData) -> impl IntoView {
    let w = data.workspace;
    let org = w.organization_id;
    let job = data.job;
    let now = data.meta.now;
    let deployment = match &data.deployment {
        Some(d) => view! { <code>{format!("{} version {}", d.name, d.version)}</code>" " <span class="muted">"uploaded "</span><RelativeTime at=d.created_at now/> }.into_any(),
        None => view! {
            <span class="warning-text">{format!("Nothing deployed as {} in region {} yet: runs fail until it is uploaded (meridian deploy {} PATH).", job.deployment, w.region_name, job.deployment)}</span>
        }
        .into_any(),
    };
    let manage = data.meta.can_manage.then(|| {
        let values = JobFieldValues {
            name: job.name.clone(),
            deployment: job.deployment.clone(),
            schedule: job.schedule.clone().unwrap_or_default(),
            timeout_seconds: job.timeout_seconds.to_string(),
            retries: job.retries.to_string(),
        };
        view! {
            <section class="panel" aria-labelledby="edit-job-heading">
                <h2 id="edit-job-heading">"Settings"</h2>
                <JobForm organization_id=org workspace_id=w.id job_id=Some(job.id) revision=Some(job.revision) values prefix="job".into() label="Save".into()/>
            </section>
            <section class="panel danger-zone" aria-labelledby="delete-job-heading">
                <h2 id="delete-job-heading">"Delete"</h2>
                <a class="button danger" href=paths::job_delete(org, w.id, job.id)>"Delete job…"</a>
            </section>
        }
    });
    let run = data
        .meta
        .can_manage
        .then(|| view! { <RunJobForm organization_id=org workspace_id=w.id job_id=job.id/> });
    view! {
        <PageHeader title=format!("Job {}", job.name) lead=format!("In workspace {}, region {}.", w.name, w.region_name) crumbs=vec![("Workspaces".to_owned(), paths::workspaces(org)), (w.name.clone(), paths::workspace(org, w.id)), ("Jobs".to_owned(), paths::jobs(org, w.id))]/>
        <Notice notice=data.meta.notice/>
        <section class="panel">
            <dl class="facts">
                <dt>"Deployment"</dt><dd>{deployment}</dd>
                <dt>"Schedule"</dt><dd>{schedule_of(&job)}</dd>
                <dt>"Next run"</dt><dd>{job.next_run_at.map(|at| view! { <RelativeTime at now/> }.into_any()).unwrap_or_else(|| view! { "—" }.into_any())}</dd>
                <dt>"Time limit"</dt><dd>{format!("{} s", job.timeout_seconds)}</dd>
                <dt>"Retries"</dt><dd>{job.retries}</dd>
            </dl>
            <div class="form-actions">{run}</div>
        </section>
        <section class="panel" aria-labelledby="job-runs-heading">
            <h2 id="job-runs-heading">"Runs"</h2>
            <Live source=LiveSource::Runs { organization_id: org, workspace_id: w.id, job_id: Some(job.id), run_id: None } fragment=LiveFragment::table(RunRow::all(&data.runs, now)) id="runs-live".into()/>
        </section>
        {manage}
    }
}

#[component]
pub fn DeleteJobPage() -> impl IntoView {
    view! {
        {loaded(job_resource(), move |d: JobData| {
            let w = d.workspace;
            let org = w.organization_id;
            let job = d.job;
            view! {
                <PageHeader title=format!("Delete job {}?", job.name) lead="This cannot be undone." crumbs=vec![("Workspaces".to_owned(), paths::workspaces(org)), (w.name.clone(), paths::workspace(org, w.id)), ("Jobs".to_owned(), paths::jobs(org, w.id)), (job.name.clone(), paths::job(org, w.id, job.id))]/>
                <section class="panel confirm">
                    <ul class="consequences">
                        <li>"The job and the records of its runs are deleted from the control plane."</li>
                        <li>"A run still going is stopped by its data plane within seconds."</li>
                        <li>"Its deployment, and its runs' logs and output, stay in region " {w.region_name.clone()} "."</li>
                    </ul>
                    <DeleteJobForm organization_id=org workspace_id=w.id job_id=job.id revision=job.revision cancel=paths::job(org, w.id, job.id)/>
                </section>
            }
        })}
    }
}

#[component]
pub fn RunPage() -> impl IntoView {
    let data = path_resource(
        ["org", "workspace", "run"],
        "run",
        || (),
        |[org, workspace, run], ()| run_page(org, workspace, run),
    );
    view! { {loaded(data, move |d: RunData| view! { <RunDetail data=d/> })} }
}

#[component]
fn RunDetail(data: RunData) -> impl IntoView {
    let w = data.workspace;
    let org = w.organization_id;
    let run = data.run;
    let here = paths::run(org, w.id, run.id);
    let cancel = (data.meta.can_manage && !run.status().is_final() && !run.cancel_requested)
        .then(|| view! { <CancelRunForm organization_id=org workspace_id=w.id run_id=run.id/> });
    let log = match (data.log_url, data.served_by) {
        (Some(src), Some(at)) => view! {
            <iframe class="regional-console run-log" src=src title="The run's log, served by the region's data plane" sandbox="allow-same-origin" referrerpolicy="no-referrer"></iframe>
            <p class="help">"Served by " <code>{at}</code> " straight to your browser; Meridian's control plane never receives a line of it. It streams in while the run goes on."</p>
        }
        .into_any(),
        _ if run.started_at.is_none() => view! {
            <p class="muted">"The log starts when a data plane of region " {w.region_name.clone()} " takes the run. " <a href=here.clone()>"Reload"</a> " to see it."</p>
        }
        .into_any(),
        _ => view! {
            <p class="warning">"No data plane of region " <strong>{w.region_name.clone()}</strong> " can be reached right now. The log stays in the region, so it cannot be shown until one is back."</p>
        }
        .into_any(),
    };
    view! {
        <PageHeader title=format!("Run of {}", run.job_name) lead=format!("Run {} in region {}.", run.id, w.region_name) crumbs=vec![("Workspaces".to_owned(), paths::workspaces(org)), (w.name.clone(), paths::workspace(org, w.id)), ("Jobs".to_owned(), paths::jobs(org, w.id)), (run.job_name.clone(), paths::job(org, w.id, run.job_id))]/>
        <Notice notice=data.meta.notice/>
        <section class="panel">
            <Live source=LiveSource::Runs { organization_id: org, workspace_id: w.id, job_id: None, run_id: Some(run.id) } fragment=LiveFragment::facts(RunFacts::of(&run, data.meta.now)) id="run-live".into()/>
            <div class="form-actions">
                {cancel}
                <a class="button" href=here>"Refresh"</a>
            </div>
        </section>
        <section class="panel" aria-labelledby="log-heading">
            <h2 id="log-heading">"Log"</h2>
            {log}
        </section>
    }
}
