# syntax=docker/dockerfile:1.7
#
# Shoptrail console image: the React + Vite build of frontend/, served by an
# unprivileged nginx with an SPA fallback. Used by the local stack
# (docker/compose.yaml); in AWS the same `npm run build` output goes to S3 +
# CloudFront (.github/workflows/terraform-apply.yml), so no image is pushed.
#
# Build from the repository root:
#   docker buildx build -f docker/console.Dockerfile -t shoptrail-console:local .
#
# Stages:
#   build    node slim: `npm ci` (cached until package-lock.json changes), then
#            `npm run build` (type check + vite build) into frontend/dist.
#   runtime  nginx-unprivileged (uid 101, port 8080): dist + docker/nginx/console.conf.
#
# VITE_API_BASE_URL (build argument) is empty by default: the console calls the
# API on its own origin (the compose load balancer and CloudFront both route
# /v1/ to the API).

ARG NODE_VERSION=20
ARG NGINX_VERSION=1.28

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src/frontend
ENV CI=true \
    NPM_CONFIG_AUDIT=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false
COPY frontend/package.json frontend/package-lock.json ./
# Dependencies only: this layer is reused while the lockfile is unchanged.
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci
COPY frontend/ ./
ARG VITE_API_BASE_URL=""
RUN VITE_API_BASE_URL="${VITE_API_BASE_URL}" npm run build \
    && test -f dist/index.html

FROM nginxinc/nginx-unprivileged:${NGINX_VERSION}-alpine AS runtime
COPY --chmod=0644 docker/nginx/console.conf /etc/nginx/conf.d/default.conf
COPY --from=build /src/frontend/dist /usr/share/nginx/html
# The image's nginx user; the copied files stay root-owned and read-only to it.
USER 101:101
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
    CMD ["wget", "--quiet", "--spider", "http://127.0.0.1:8080/healthz"]
STOPSIGNAL SIGQUIT
