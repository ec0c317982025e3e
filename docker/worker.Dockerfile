# syntax=docker/dockerfile:1.7
#
# Shoptrail worker image: the daily export, imports and the job queue's runner.
#
# Build from the repository root:
#   docker buildx build -f docker/worker.Dockerfile -t shoptrail-worker:local .
#
# Stages:
#   chef     Rust toolchain + cargo-chef (pinned).
#   planner  Computes recipe.json: the dependency graph only, so the expensive
#            dependency build below is cached until Cargo.toml/Cargo.lock change.
#   builder  Builds dependencies from the recipe, then the `worker` binary.
#   runtime  debian:bookworm-slim, non-root, only the binary + CA bundles.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

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
    cargo chef cook --release --locked --recipe-path recipe.json -p worker
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    cargo build --release --locked -p worker \
    && install -D -m 0755 target/release/worker /out/worker

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
COPY --from=builder /out/worker /usr/local/bin/worker

# /healthz, /readyz and /metrics listen here (for ECS health checks and
# Prometheus); the worker serves no public traffic. Exports and uploads go to
# APP__EXPORT__DESTINATION (s3://bucket/prefix in production).
ENV APP__WORKER__LISTEN_ADDR=0.0.0.0:9090 \
    APP__TELEMETRY__LOG_FORMAT=json \
    APP__TELEMETRY__SERVICE_NAME=shoptrail-worker
USER 10001:10001
EXPOSE 9090
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["curl", "--fail", "--silent", "--show-error", "--max-time", "2", "http://127.0.0.1:9090/healthz"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/worker"]
