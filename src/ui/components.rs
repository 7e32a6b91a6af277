//! Small pieces every page uses: loading data, form fields with their errors, notices,
//! badges, relative times, empty states.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;
use serde::{Serialize, de::DeserializeOwned};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{AppError, ErrorKind, FORM_INPUT};

/// A path parameter parsed as an id; `None` when absent or malformed.
pub fn use_id_param(name: &'static str) -> Memo<Option<Uuid>> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get(name)
            .and_then(|raw| Uuid::parse_str(&raw).ok())
    })
}

/// A page's data, loaded for the ids in its path (`params`, e.g. `["org", "region"]`) and
/// loaded again whenever `key` changes (typically the versions of the page's actions). A
/// malformed id in the path is a page about a `what` that does not exist.
pub fn path_resource<const N: usize, K, T, Fut>(
    params: [&'static str; N],
    what: &'static str,
    key: impl Fn() -> K + Send + Sync + 'static,
    load: impl Fn([Uuid; N], K) -> Fut + Send + Sync + Clone + 'static,
) -> Resource<Result<T, AppError>>
where
    K: PartialEq + Clone + Send + Sync + 'static,
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    let ids = params.map(use_id_param);
    Resource::new(
        move || (ids.map(|id| id.get()), key()),
        move |(ids, key)| {
            let load = load.clone();
            async move {
                let mut found = [Uuid::nil(); N];
                for (slot, id) in found.iter_mut().zip(ids) {
                    *slot = id.ok_or_else(|| AppError::not_found(what))?;
                }
                load(found, key).await
            }
        },
    )
}

/// The failure of the last submission of a form, if it failed. Without JavaScript the
/// framework carries it over the redirect back to the form, so this works in both modes.
pub fn failure<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let value = action.value();
    Signal::derive(move || value.get().and_then(|result| result.err()))
}

/// [`failure`] for one of several forms of the same server function on a page (the rows of
/// a table): only errors of the submission of the form named `form`, which must carry that
/// name in a hidden [`FORM_INPUT`] field. Errors carried back without JavaScript name their
/// form (`server_fns::form_errors`); with JavaScript each form's action has its own errors.
pub fn failure_of<S>(action: ServerAction<S>, form: String) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    only_form(failure(action), form)
}

/// The errors of the form named `form` (not generic: one copy in the browser's code).
fn only_form(error: Signal<Option<AppError>>, form: String) -> Signal<Option<AppError>> {
    Signal::derive(move || {
        error
            .get()
            .filter(|e| e.input(FORM_INPUT).is_none_or(|name| name == form))
    })
}

/// Shows `render(data)` once `data` has loaded, or what went wrong.
pub fn loaded<T, V>(
    data: Resource<Result<T, AppError>>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(value) => render(value).into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A page-level failure: not found, not allowed, signed out, or our fault.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(options), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::StatusCode::from_u16(error.status()),
    ) {
        options.set_status(status);
        if let Some(seconds) = error.retry_after {
            options.insert_header(axum::http::header::RETRY_AFTER, seconds.into());
        }
    }
    let title = match error.kind {
        ErrorKind::NotFound => "Not found",
        ErrorKind::Forbidden => "Not allowed",
        ErrorKind::Unauthenticated => "Signed out",
        ErrorKind::TooManyRequests => "Too many attempts",
        ErrorKind::Unavailable => "Temporarily unavailable",
        _ => "Something went wrong",
    };
    let sign_in = (error.kind == ErrorKind::Unauthenticated)
        .then(|| view! { <p><a href="/login" rel="external">"Sign in again"</a></p> });
    view! {
        <section class="panel error-panel" role="alert">
            <h2>{title}</h2>
            <p>{error.message}</p>
            {sign_in}
        </section>
    }
}

/// The page's title and the one line saying what it is for.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(into)] lead: String,
    /// The pages above this one, outermost first, as (label, link): a breadcrumb trail.
    #[prop(optional)]
    crumbs: Vec<(String, String)>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let trail = (!crumbs.is_empty()).then(|| {
        let links = crumbs
            .into_iter()
            .map(|(label, href)| view! { <li><a href=href>{label}</a></li> })
            .collect_view();
        view! {
            <nav class="breadcrumbs" aria-label="Breadcrumb">
                <ol>{links}<li aria-current="page">{title.clone()}</li></ol>
            </nav>
        }
    });
    view! {
        <leptos_meta::Title text=title.clone()/>
        {trail}
        <header class="page-header">
            <div>
                <h1>{title}</h1>
                <p class="lead">{lead}</p>
            </div>
            {children.map(|c| view! { <div class="page-actions">{c()}</div> })}
        </header>
    }
}

/// The one-shot notice left by the previous action.
#[component]
pub fn Notice(notice: Option<String>) -> impl IntoView {
    notice.map(|text| view! { <div class="notice" role="status">{text}</div> })
}

/// The summary at the top of a form: what went wrong overall.
#[component]
pub fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! { <div class="form-error" role="alert">{e.message}</div> }
        })
    }
}

/// A labelled text input with help text, its error beside it, and what the user typed kept
/// after a failed submission.
#[component]
pub fn TextField(
    /// The form field's name, which is also the server function argument's name.
    name: &'static str,
    /// Unique id within the page (several forms may share a field name).
    id: String,
    #[prop(into)] label: String,
    #[prop(optional, into)] value: String,
    #[prop(optional, into)] help: Option<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autofocus: bool,
    /// The id of a `<datalist>` of suggestions (the field stays free text).
    #[prop(optional)]
    list: Option<&'static str>,
    /// The domain rule the server applies, checked as the user leaves the field once the page
    /// is hydrated; the server checks again on submit.
    #[prop(optional)]
    check: Option<fn(&str) -> Option<String>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let local = RwSignal::new(None::<String>);
    // A new server answer replaces whatever the browser said before it.
    Effect::new(move |_| {
        error.track();
        local.set(None);
    });
    let message = move || {
        local
            .get()
            .or_else(|| error.get().and_then(|e| e.field(name).map(str::to_owned)))
    };
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(check) = check {
            local.set(check(&event_target_value(&ev)));
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        // Once a problem is shown, clear it as soon as the input is fixed.
        if let (Some(check), true) = (check, local.with_untracked(Option::is_some)) {
            local.set(check(&event_target_value(&ev)));
        }
    };
    let shown_value = {
        let value = value.clone();
        move || {
            // A password is never sent back to the browser.
            if kind == "password" {
                return String::new();
            }
            error
                .get()
                .and_then(|e| e.input(name).map(str::to_owned))
                .unwrap_or_else(|| value.clone())
        }
    };
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    let has_help = help.is_some();
    let described_by = {
        let (help_id, error_id) = (help_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if has_help {
                ids.push(help_id.clone());
            }
            if message().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                value=shown_value
                autocomplete=autocomplete
                required=required
                autofocus=autofocus
                list=list
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=described_by
                on:change=on_change
                on:input=on_input
            />
            {help.map(|h| view! { <p class="help" id=help_id>{h}</p> })}
            {move || message().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
    }
}

/// The rule for names, as a field check.
pub fn name_rule(raw: &str) -> Option<String> {
    crate::domain::Name::parse(raw).err()
}

/// The rule for email addresses, as a field check.
pub fn email_rule(raw: &str) -> Option<String> {
    crate::domain::Email::parse(raw).err()
}

/// The error of a field that is not a text input (a select, a hidden id).
#[component]
pub fn FieldMessage(
    name: &'static str,
    id: String,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    move || {
        error
            .get()
            .and_then(|e| e.field(name).map(str::to_owned))
            .map(|m| view! { <p class="field-error" id=id.clone()>{m}</p> })
    }
}

/// Why a region's workspaces cannot run right now, if they cannot: the region is disabled, or
/// none of its data planes is healthy. Nothing when all is well.
#[component]
pub fn RegionAlert(enabled: bool, healthy_planes: usize) -> impl IntoView {
    if !enabled {
        Some(view! { <span class="badge badge-disabled" title="No work is taken in a disabled region; enable it or move its workspaces">"Region disabled"</span> }.into_any())
    } else if healthy_planes == 0 {
        Some(view! { <span class="badge badge-unhealthy" title="Work waits until a data plane of the region reports in">"No healthy data plane"</span> }.into_any())
    } else {
        None
    }
}

/// An organization role: admins stand out (filled, with a mark), members stay plain.
#[component]
pub fn RoleBadge(role: crate::domain::OrgRole) -> impl IntoView {
    match role {
        crate::domain::OrgRole::Admin => {
            view! { <span class="badge badge-admin" title="May change the organization's settings"><span aria-hidden="true">"★ "</span>"admin"</span> }.into_any()
        }
        crate::domain::OrgRole::Member => {
            view! { <span class="badge badge-member" title="May look; changes go through workspace roles">"member"</span> }.into_any()
        }
    }
}

/// "42 s ago" with the exact UTC time on hover.
#[component]
pub fn RelativeTime(at: OffsetDateTime, now: OffsetDateTime) -> impl IntoView {
    let exact = format_utc(at);
    let iso = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    view! { <time datetime=iso title=exact>{relative(at, now)}</time> }
}

/// `2026-11-22 14:03:07 UTC`.
pub fn format_utc(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

pub use crate::fragments::{EmptyState, EnabledBadge};
pub use crate::wording::relative;

#[cfg(test)]
mod tests {
    use super::relative;
    use time::macros::datetime;

    #[test]
    fn relative_times_use_the_largest_whole_unit() {
        let now = datetime!(2026-11-22 12:00:00 UTC);
        assert_eq!(relative(now, now), "just now");
        assert_eq!(
            relative(datetime!(2026-11-22 11:59:18 UTC), now),
            "42 s ago"
        );
        assert_eq!(
            relative(datetime!(2026-11-22 11:55:00 UTC), now),
            "5 min ago"
        );
        assert_eq!(relative(datetime!(2026-11-22 09:00:00 UTC), now), "3 h ago");
        assert_eq!(
            relative(datetime!(2026-11-21 09:00:00 UTC), now),
            "yesterday"
        );
        assert_eq!(
            relative(datetime!(2026-11-12 12:00:00 UTC), now),
            "10 days ago"
        );
        assert_eq!(
            relative(datetime!(2026-11-29 12:00:00 UTC), now),
            "in 7 days"
        );
        assert_eq!(
            relative(datetime!(2026-11-22 12:10:00 UTC), now),
            "in 10 min"
        );
    }
}

/// A client id and secret shown once, with a snippet that uses them. Leaving the page is the
/// only way on. `children` says where the snippet goes.
#[component]
pub fn CredentialsOnce(
    client_id: String,
    client_secret: String,
    #[prop(into)] snippet_title: String,
    snippet: String,
    back: String,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="panel secret-card" aria-labelledby="secret-heading">
            <h2 id="secret-heading">"Client credentials"</h2>
            <p class="warning" role="note">
                <strong>"Copy the client secret now."</strong>
                " It will not be shown again: Meridian stores only its hash."
            </p>
            <dl class="secret-fields">
                <dt>"Client ID"</dt>
                <dd>
                    <code id="client-id">{client_id}</code>
                    <button type="button" class="button small copy" data-copy="client-id">"Copy"</button>
                </dd>
                <dt>"Client secret"</dt>
                <dd>
                    <code id="client-secret">{client_secret}</code>
                    <button type="button" class="button small copy" data-copy="client-secret">"Copy"</button>
                </dd>
            </dl>
            <h3>{snippet_title}</h3>
            <p class="help">{children()}</p>
            <div class="snippet">
                <pre id="credentials-snippet">{snippet}</pre>
                <button type="button" class="button small copy" data-copy="credentials-snippet">"Copy"</button>
            </div>
            <p><a class="button primary" href=back>"I have saved the secret"</a></p>
        </section>
    }
}

/// What a page that showed a secret once says on any later visit.
#[component]
pub fn CredentialsGone(
    #[prop(into)] title: String,
    #[prop(into)] lead: String,
    #[prop(into)] remedy: String,
    back: String,
    #[prop(into)] back_label: String,
) -> impl IntoView {
    view! {
        <PageHeader title lead/>
        <section class="panel">
            <p>"Meridian keeps only a hash of the secret, so it cannot show it again. " {remedy}</p>
            <p><a class="button" href=back>{back_label}</a></p>
        </section>
    }
}

/// A block of text to paste elsewhere (a command, a configuration file), with a copy button.
#[component]
pub fn Snippet(
    /// The element id the copy button copies from.
    #[prop(into)]
    id: String,
    #[prop(into)] title: String,
    #[prop(into)] help: String,
    text: String,
) -> impl IntoView {
    view! {
        <h3>{title}</h3>
        <p class="help">{help}</p>
        <div class="snippet">
            <pre id=id.clone()>{text}</pre>
            <button type="button" class="button small copy" data-copy=id>"Copy"</button>
        </div>
    }
}

/// Workspaces named on another object's page, each a link to its own page, or to moving it
/// when `moving` (they stand in the way of what the page is about); "and N more" past the
/// listed ones, linking to all of them.
#[component]
pub fn WorkspaceLinks(
    org: Uuid,
    workspaces: Vec<crate::server_fns::WorkspaceLink>,
    total: i64,
    #[prop(optional)] moving: bool,
) -> impl IntoView {
    let more = total - workspaces.len() as i64;
    let items = workspaces
        .into_iter()
        .map(|w| {
            let page = crate::paths::workspace(org, w.id);
            let action = moving.then(|| {
                view! { " " <a href=format!("{page}/move") class="button small">{format!("Move {}…", w.name)}</a> }
            });
            view! { <li><a href=page>{w.name}</a>{action}</li> }
        })
        .collect_view();
    let more = (more > 0).then(|| {
        view! { <li><a href=crate::paths::workspaces(org)>{format!("and {more} more")}</a></li> }
    });
    view! { <ul class="workspace-links">{items}{more}</ul> }
}

/// What a long list's address asks for: `?search=…&page=…` as (search text, 0-based page).
pub fn use_list_query() -> impl Fn() -> (String, i64) + Clone + Send + Sync + 'static {
    let query = leptos_router::hooks::use_query_map();
    move || {
        let q = query.read();
        let page = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
        (q.get("search").unwrap_or_default(), page)
    }
}

/// The buttons of a confirmation the page knows the server would refuse: "Cancel", and the
/// action switched off, described by the note with id `reason` that says why.
#[component]
pub fn RefusedAction(cancel: String, label: &'static str, reason: &'static str) -> impl IntoView {
    view! {
        <div class="form-actions">
            <a class="button" href=cancel>"Cancel"</a>
            <button type="button" class="button danger" disabled=true aria-describedby=reason>{label}</button>
        </div>
    }
}

/// The search box of a long list: a plain GET form, so every search is a link. `extra` holds
/// further filters (a region picker); "Clear" shows once anything is asked for.
#[component]
pub fn ListSearch(
    /// The list's page.
    action: String,
    /// What the box searches, e.g. "Search workspaces by name".
    label: &'static str,
    value: String,
    /// Whether a search or filter is in effect.
    filtered: bool,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let clear = filtered.then(|| view! { <a class="button" href=action.clone()>"Clear"</a> });
    view! {
        <form method="get" action=action.clone() class="list-search" role="search">
            <div class="field">
                <label for="list-search">{label}</label>
                <input id="list-search" type="search" name="search" value=value/>
            </div>
            {children.map(|c| c())}
            <div class="form-actions">
                {clear}
                <button type="submit" class="button">"Search"</button>
            </div>
        </form>
    }
}

/// "1–50 of 123" and the links to the pages before and after, keeping the search (`query`).
#[component]
pub fn Pager(
    base: String,
    query: Vec<(&'static str, String)>,
    paging: crate::server_fns::Paging,
    rows: usize,
    /// What a row is, e.g. "workspace" (regular plural).
    noun: &'static str,
) -> impl IntoView {
    let link = move |page: i64| {
        let mut pairs = query.clone();
        if page > 0 {
            pairs.push(("page", page.to_string()));
        }
        crate::paths::with_query(&base, &pairs)
    };
    let plural = |n: i64| {
        if n == 1 {
            noun.to_owned()
        } else {
            format!("{noun}s")
        }
    };
    // All on one page: how many; otherwise which ones of how many.
    let shown = paging.shown(rows).map(|(first, last)| {
        if paging.page == 0 && !paging.has_more() {
            format!("{} {}", paging.total, plural(paging.total))
        } else {
            format!(
                "{first}–{last} of {} {}",
                paging.total,
                plural(paging.total)
            )
        }
    });
    let previous = (paging.page > 0).then(|| {
        view! { <a class="button" href=link(paging.page - 1) rel="prev">"Previous"</a> }
    });
    let next = paging
        .has_more()
        .then(|| view! { <a class="button" href=link(paging.page + 1) rel="next">"Next"</a> });
    view! {
        <nav class="pager" aria-label=format!("Pages of {noun}s")>
            <span class="muted small">{shown}</span>
            <span class="spacer"></span>
            {previous}
            {next}
        </nav>
    }
}

/// Suggestions for the fields saying where a region is (`list` of its text fields): rendered
/// by the page so they stay out of the forms' bundle.
#[component]
pub fn PlaceSuggestions() -> impl IntoView {
    let providers = crate::domain::KNOWN_PROVIDERS
        .iter()
        .map(|p| view! { <option value=*p></option> })
        .collect_view();
    let jurisdictions = crate::domain::KNOWN_JURISDICTIONS
        .iter()
        .map(|(code, name)| view! { <option value=*code>{*name}</option> })
        .collect_view();
    view! {
        <datalist id="known-providers">{providers}</datalist>
        <datalist id="known-jurisdictions">{jurisdictions}</datalist>
    }
}

/// Where a region is, in a few words (`AWS · DE-HE · EU`), or that nobody said.
#[component]
pub fn PlaceSummary(region: crate::domain::Region) -> impl IntoView {
    let summary = region.place_summary();
    if summary.is_empty() {
        view! { <span class="badge badge-unset" title="No provider, location or jurisdiction set">"Location not set"</span> }.into_any()
    } else {
        view! { <span class="badge badge-place" title="Provider · location · jurisdiction">{summary}</span> }.into_any()
    }
}

/// A workspace's classifications as badges (nothing when it has none).
#[component]
pub fn Classifications(words: Vec<String>) -> impl IntoView {
    words
        .into_iter()
        .map(|w| view! { " "<span class="badge badge-class">{w}</span> })
        .collect_view()
}
