//! One data plane at work: the agent reporting in to the control plane, and the regional API
//! serving the region's clients from the region's store. The agent tells the API which region
//! it serves; the store remembers it, with the control plane's public keys, so a data plane
//! restarted while the control plane is down keeps serving the tokens it issued.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::agent::{self, AgentConfig, ControlPlane, Exit};
use super::regional::{self, Regional};
use super::store;
use super::verify::Verifier;
use super::worker::{self, WorkerConfig};
use crate::sealed::SecretBox;

/// How often the control plane's keys are fetched even when no token names a new one, so a
/// rotation is known before the control plane goes away.
const KEY_REFRESH_EVERY: Duration = Duration::from_secs(600);
/// How long requests in flight may take to finish at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What a data plane runs with.
pub struct Node {
    pub agent: AgentConfig,
    /// The region's store (`DATAPLANE_DATABASE_URL`, or the private embedded one).
    pub pool: sqlx::PgPool,
    /// Seals secrets at rest (`DATAPLANE_ENCRYPTION_KEY`).
    pub sealer: SecretBox,
    /// Where the regional API listens; `None` serves none (the agent only reports in).
    pub listener: Option<std::net::TcpListener>,
    /// TLS for the regional API; plain HTTP (behind the operator's terminator) without.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Where people's browsers reach the control plane (scheme, host, port each): the pages
    /// that may call the regional API and frame its console. Default: the agent's address.
    pub control_plane_origins: Vec<String>,
    /// How it runs the region's work.
    pub worker: WorkerConfig,
}

/// Runs until `shutdown` completes (then drains: takes no new run and finishes those under
/// way) or the control plane refuses the credentials.
pub async fn run(node: Node, shutdown: impl std::future::Future<Output = ()> + Send) -> Exit {
    if let Err(e) = store::MIGRATOR.run(&node.pool).await {
        tracing::error!(error = %e, "cannot bring the data plane's store up to date");
        return Exit::Config;
    }
    let http = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        // The key set comes from the control plane itself, never from where it redirects.
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            tracing::error!(error = %e, "cannot build an HTTP client");
            return Exit::Config;
        }
    };
    let control_plane = match ControlPlane::new(&node.agent) {
        Ok(control_plane) => Arc::new(control_plane),
        Err(e) => {
            tracing::error!(error = %e, "cannot build an HTTP client");
            return Exit::Config;
        }
    };
    let verifier = match Verifier::load(&node.agent.url, http, node.pool.clone()).await {
        Ok(verifier) => Arc::new(verifier),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the data plane's store");
            return Exit::Config;
        }
    };
    let (identities, mut identity) =
        tokio::sync::watch::channel::<Option<super::protocol::Identity>>(None);
    let (stop, stopped) = tokio::sync::watch::channel(false);

    // Keys: at once, then now and then (a token naming a key not seen yet fetches sooner).
    let refresher = tokio::spawn({
        let verifier = verifier.clone();
        async move {
            let mut every = tokio::time::interval(KEY_REFRESH_EVERY);
            loop {
                every.tick().await;
                verifier.refresh().await;
            }
        }
    });
    // The region: what the control plane says, checked against the store's owner.
    let follower = tokio::spawn({
        let verifier = verifier.clone();
        let pool = node.pool.clone();
        async move {
            while identity.changed().await.is_ok() {
                let Some(region) = identity.borrow_and_update().as_ref().map(|i| i.region_id)
                else {
                    continue;
                };
                // Retried until the store answers: data planes of a region starting together
                // race to record it, and the store may be briefly away.
                loop {
                    match store::claim_region(&pool, region).await {
                        Ok(Ok(())) => {
                            if verifier.region() != Some(region) {
                                tracing::info!(%region, "serving the region's clients");
                            }
                            verifier.set_region(region);
                        }
                        Ok(Err(owner)) => {
                            tracing::error!(
                                %region, store_region = %owner,
                                "this store belongs to another region: not serving it (point DATAPLANE_DATABASE_URL at this region's store)"
                            );
                            verifier.clear_region();
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "recording the region in the store; retrying");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            continue;
                        }
                    }
                    break;
                }
            }
        }
    });

    let uploaded = Arc::new(tokio::sync::Notify::new());
    let sealer = Arc::new(node.sealer.clone());
    let reporter = tokio::spawn(worker::report_deployments(
        control_plane.clone(),
        node.pool.clone(),
        uploaded.clone(),
    ));
    let (drain, draining) = tokio::sync::watch::channel(false);
    let work = tokio::spawn(worker::run(
        control_plane.clone(),
        node.pool.clone(),
        sealer.clone(),
        node.worker.clone(),
        draining,
    ));
    let server = node.listener.map(|listener| {
        let listings = regional::Listings::default();
        listings.follow(node.pool.clone());
        let app = regional::router(Regional {
            listings,
            pool: node.pool.clone(),
            verifier: verifier.clone(),
            sealer: sealer.clone(),
            uploaded: uploaded.clone(),
            control_plane_origins: if node.control_plane_origins.is_empty() {
                vec![crate::domain::origin_of(&node.agent.url).to_owned()]
            } else {
                node.control_plane_origins.clone()
            },
        });
        let addr = listener.local_addr().ok();
        let tls = node.tls.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let served = serve(listener, tls, app, async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await;
            if let Err(e) = served {
                tracing::error!(error = %e, ?addr, "the regional API stopped");
            }
        })
    });
    if let Some(url) = &node.agent.public_url {
        tracing::info!(%url, "regional API served");
    }

    // At shutdown it drains before it stops reporting in: its runs keep their leases and the
    // dashboard keeps seeing it alive until they are done.
    let work_handle = work.abort_handle();
    let drained = async move {
        shutdown.await;
        tracing::info!("draining: taking no new runs");
        let _ = drain.send(true);
        let _ = work.await;
    };
    let exit = agent::run_reporting(&control_plane, node.agent, identities, drained).await;
    // Refused credentials end it without draining: its processes go with it.
    work_handle.abort();
    reporter.abort();
    let _ = stop.send(true);
    refresher.abort();
    follower.abort();
    if let Some(server) = server {
        let _ = tokio::time::timeout(SHUTDOWN_GRACE + Duration::from_secs(1), server).await;
    }
    exit
}

/// Serves `app` on `listener` until `shutdown`, over TLS when configured.
pub async fn serve(
    listener: std::net::TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: axum::Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        Some(config) => {
            let handle = axum_server::Handle::new();
            tokio::spawn({
                let handle = handle.clone();
                async move {
                    shutdown.await;
                    handle.graceful_shutdown(Some(SHUTDOWN_GRACE));
                }
            });
            axum_server::from_tcp_rustls(
                listener,
                axum_server::tls_rustls::RustlsConfig::from_config(config),
            )
            .handle(handle)
            .serve(service)
            .await
        }
        None => {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            axum::serve(listener, service)
                .with_graceful_shutdown(shutdown)
                .await
        }
    }
}

/// TLS from a PEM certificate chain and private key, with the ring provider (the one the rest
/// of the binary already uses).
pub fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|found| found.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate found", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| format!("certificate and key: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
