# syntax=docker/dockerfile:1
#
# Meridian's container image: the `meridian` server with its site (stylesheet, WebAssembly,
# assets) and the `meridian-dataplane` agent, on Debian bookworm with the PostgreSQL server so
# that `docker run` with no configuration works (the embedded database under /data).
# Production sets DATABASE_URL and uses its own Postgres; see the README, "Running in production".
#
#   docker build -t meridian .
#   docker run -p 3000:3000 -v meridian-data:/data meridian
#
# Needs BuildKit (the default builder since Docker 23) for the build cache mount below.

# ---------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder

# The build tools at the versions scripts/setup installs. wasm-bindgen must equal the
# `wasm-bindgen = "=0.2.130"` pin in Cargo.toml; binaryen is end2end/package.json's.
ARG CARGO_LEPTOS_VERSION=0.3.10
ARG WASM_BINDGEN_VERSION=0.2.130
ARG BINARYEN_VERSION=132.0.0

# The slowest layers first, since they change only with the versions above. wasm-opt (which
# `cargo leptos build --release` requires) comes from npm's binaryen, as in scripts/setup:
# Debian bookworm's own binaryen (108) predates the WebAssembly features Rust 1.95 emits.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
RUN npm install --global --no-audit --no-fund "binaryen@${BINARYEN_VERSION}" \
 && wasm-opt --version
RUN rustup target add wasm32-unknown-unknown
# --features no_downloads: cargo-leptos takes wasm-bindgen and wasm-opt from PATH and never
# fetches tools of its own. A cold build of it takes 20-30 minutes on two cores.
RUN cargo install "cargo-leptos@${CARGO_LEPTOS_VERSION}" --locked --features no_downloads
# Not --locked: its lockfile names a crate version missing from the registry.
RUN cargo install "wasm-bindgen-cli@${WASM_BINDGEN_VERSION}" \
 && wasm-bindgen --version

WORKDIR /build

# Dependencies: downloaded again only when Cargo.toml or Cargo.lock change. The placeholder
# sources only let cargo read the manifest; the real ones replace them below.
# .cargo/config.toml sets SQLX_OFFLINE (queries checked against .sqlx/, no database needed)
# and LEPTOS_OUTPUT_NAME for the plain cargo build of the agent.
COPY Cargo.toml Cargo.lock ./
COPY .cargo .cargo
RUN mkdir -p src/bin \
 && touch src/lib.rs \
 && echo 'fn main() {}' > src/main.rs \
 && echo 'fn main() {}' > src/bin/meridian-dataplane.rs \
 && cargo fetch --locked

# The sources: everything the two builds read, and nothing else (tests, end2end, docs and
# bench stay out, so editing them does not rebuild the image).
COPY .sqlx .sqlx
COPY migrations migrations
COPY public public
COPY style style
COPY src src

# The server and the site (target/site) through cargo-leptos, then the agent with plain cargo.
# target/ is a cache kept between builds (compiled dependencies are reused; the site is made
# afresh); what the image needs is copied out of it to /out. CARGO_NET_OFFLINE: everything
# was fetched above.
RUN --mount=type=cache,id=meridian-target,target=/build/target,sharing=locked \
    export CARGO_NET_OFFLINE=true \
 && rm -rf target/site \
 && cargo leptos build --release \
 && cargo build --release --locked --features ssr --bin meridian-dataplane \
 && mkdir -p /out \
 && cp target/release/meridian target/release/meridian-dataplane /out/ \
 && cp -r target/site /out/site \
 && test -f /out/site/pkg/meridian.js \
 && test -f /out/site/pkg/meridian.css \
 && ls /out/site/pkg/*.wasm

# ---------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim

# ca-certificates: TLS to identity providers, webhook endpoints and the database.
# postgresql: initdb, pg_ctl and postgres for the embedded database (used only without
#   DATABASE_URL). Its packaging would create a cluster of its own at install; told not to.
# curl: the health check.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates curl postgresql-common \
 && sed -ri 's/^#?\s*create_main_cluster\s*=.*$/create_main_cluster = false/' \
      /etc/postgresql-common/createcluster.conf \
 && grep -qx 'create_main_cluster = false' /etc/postgresql-common/createcluster.conf \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql \
 && rm -rf /var/lib/apt/lists/* /var/lib/postgresql/* \
 && ls /usr/lib/postgresql/*/bin/initdb

# A fixed, unprivileged user. Postgres refuses to run as root; run as this user, Meridian runs
# the embedded server as itself (initdb needs the uid to have an entry in /etc/passwd, which is
# why a different `--user` than 10001 is not supported with the embedded database).
RUN groupadd --gid 10001 meridian \
 && useradd --uid 10001 --gid 10001 --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin meridian \
 && mkdir -p /data \
 && chown 10001:10001 /data \
 && chmod 0750 /data

COPY --from=builder /out/meridian /out/meridian-dataplane /usr/local/bin/
COPY --from=builder /out/site /usr/share/meridian/site

# The server reads LEPTOS_SITE_ROOT and LEPTOS_ENV at run time; the package directory (`pkg`)
# and the bundle's name (`meridian`) are fixed at build time by Cargo.toml's
# [package.metadata.leptos] and .cargo/config.toml. MERIDIAN_LISTEN wins over LEPTOS_SITE_ADDR.
ENV MERIDIAN_DATA_DIR=/data \
    MERIDIAN_LISTEN=0.0.0.0:3000 \
    LEPTOS_SITE_ROOT=/usr/share/meridian/site \
    LEPTOS_ENV=PROD

# Relative paths (the agent's default ./.meridian-dataplane) land in the volume too.
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001
EXPOSE 3000

# Liveness only (/healthz never touches the database), on the port MERIDIAN_LISTEN names. The
# start period covers a first start: initdb, migrations, the admin's password hash.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD ["sh", "-c", "curl -fsS -o /dev/null \"http://127.0.0.1:${MERIDIAN_LISTEN##*:}/healthz\""]

# SIGTERM: /readyz turns 503 for MERIDIAN_SHUTDOWN_DELAY_SECS (5), requests in flight get
# MERIDIAN_SHUTDOWN_GRACE_SECS (30), then the embedded database is stopped cleanly. Give
# `docker stop` longer than that: `docker run --stop-timeout 45` (its default is 10 s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["meridian"]
CMD ["serve"]
