//! The one island that keeps parts of a page current: a region's data planes with their
//! health, whether a new credential's agent has connected yet, how a workspace's runs are
//! going. The server renders the part (see `fragments`), inside the page and then every few
//! seconds alone; the browser only swaps the HTML in, until nothing in it can change any more.
//! Without JavaScript the part is as of the page load.

use leptos::prelude::*;

use crate::fragments::{LiveFragment, LiveSource};
use crate::server_fns::data_planes::connection_fragment;
use crate::server_fns::regions::data_planes_fragment;
use crate::server_fns::work::runs_fragment;

/// A part of the page rendered by the server as `fragment`, refreshed from `source`.
/// `id` lets the page (and its tests) point at it.
#[island]
pub fn Live(source: LiveSource, fragment: LiveFragment, id: String) -> impl IntoView {
    let (fragment, set_fragment) = signal(fragment);
    // Effects run only in the browser: the server renders once, the page then polls.
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                if fragment.with_untracked(|f| f.done) {
                    return;
                }
                leptos::task::spawn_local(async move {
                    // Unchanged HTML is not swapped in again: that would redraw the part and
                    // have screen readers announce it anew.
                    if let Ok(fresh) = refresh(source).await
                        && fragment.with_untracked(|f| *f != fresh)
                    {
                        set_fragment.set(fresh);
                    }
                });
            },
            source.every(),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    // Health tables change too often to be read out; a connection or a run is awaited.
    let polite = source.awaited().then_some("polite");
    view! { <div class="live" id=id aria-live=polite inner_html=move || fragment.get().html></div> }
}

/// The part rendered as it is now.
async fn refresh(source: LiveSource) -> Result<LiveFragment, crate::error::AppError> {
    match source {
        LiveSource::DataPlanes {
            organization_id,
            region_id,
            only,
        } => data_planes_fragment(organization_id, region_id, only).await,
        LiveSource::AgentConnection {
            organization_id,
            data_plane_id,
            credential_id,
        } => connection_fragment(organization_id, data_plane_id, credential_id).await,
        LiveSource::Runs {
            organization_id,
            workspace_id,
            job_id,
            run_id,
        } => runs_fragment(organization_id, workspace_id, job_id, run_id).await,
    }
}
