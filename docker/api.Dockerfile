# syntax=docker/dockerfile:1.7
#
# Shoptrail API image.
#
# Build from the repository root:
#   docker buildx build -f docker/api.Dockerfile -t shoptrail-api:local .
#
# Stages:
#   chef     Rust toolchain + cargo-chef (pinned).
#   planner  Computes recipe.json: the dependency graph only, so the expensive
#            dependency build below is cached until Cargo.toml/Cargo.lock change.
#   builder  Builds dependencies from the recipe, then the `api` binary.
#   sdk      Copies analytics-next's standalone bundle from the npm package pinned in
#            compat/browser/package-lock.json (served to Segment's standard snippet).
#   runtime  debian:bookworm-slim, non-root, only the binary, the SDK bundle + CA bundles.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm
ARG NODE_VERSION=20.19

FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS chef
ARG CARGO_CHEF_VERSION=0.1.78
RUN cargo install --locked cargo-chef --version "${CARGO_CHEF_VERSION}"
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
# Dependencies only: this layer is reused while the lockfile is unchanged.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    cargo chef cook --release --locked --recipe-path recipe.json -p api
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    cargo build --release --locked -p api \
    && install -D -m 0755 target/release/api /out/api

FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS sdk
WORKDIR /sdk
COPY compat/browser/package.json compat/browser/package-lock.json compat/browser/build-bundle.mjs ./
# No install scripts: only the files of @segment/analytics-next are needed here.
RUN npm ci --ignore-scripts --no-audit --no-fund \
    && node build-bundle.mjs

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
# curl is only for the HEALTHCHECK below; ca-certificates for outbound TLS
# (Secrets Manager, S3, MongoDB Atlas). /exports is where a file:// export
# destination (the compose stack's shared volume) is writable. Versions follow the Debian release
# pinned above, which is what security updates need.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 shoptrail \
    && useradd --system --uid 10001 --gid shoptrail --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin shoptrail \
    && install -d -o 10001 -g 10001 /exports
# Amazon DocumentDB only accepts TLS connections signed by the Amazon RDS CA,
# which is not in the public root store. Point the MongoDB URI at it with
# tlsCAFile=/etc/ssl/certs/rds-global-bundle.pem.
ADD --chmod=0644 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
COPY --from=builder /out/api /usr/local/bin/api
COPY --from=sdk /sdk/dist /usr/share/shoptrail/browser-sdk

# The app binds 127.0.0.1 by default; in a container it must listen on all
# interfaces for the load balancer to reach it.
ENV APP__SERVER__HOST=0.0.0.0 \
    APP__SERVER__PORT=8080 \
    APP__SERVER__BROWSER_SDK_DIR=/usr/share/shoptrail/browser-sdk \
    APP__TELEMETRY__LOG_FORMAT=json
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["curl", "--fail", "--silent", "--show-error", "--max-time", "2", "http://127.0.0.1:8080/healthz"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/api"]
