# syntax=docker/dockerfile:1
# sticky-proxy and the demo backend in one small image.
#
#   docker build -t sticky-proxy:local .
#   docker run --rm -e STICKY_BACKENDS=web1=host.docker.internal:9001 -p 8080:8080 sticky-proxy:local
#   docker run --rm sticky-proxy:local sticky-proxy check --config-only --backend web1=10.0.0.1:80

# --- build: the Swift toolchain and the C libraries' headers --------------------------------------------------------
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libhiredis-dev libmemcached-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
COPY scripts/build-release.sh ./scripts/
RUN scripts/build-release.sh --static-swift-stdlib --product sticky-proxy \
    && scripts/build-release.sh --static-swift-stdlib --product demo-app \
    && mkdir /out \
    && bin="$(scripts/build-release.sh --static-swift-stdlib --show-bin-path)" \
    && cp "$bin/sticky-proxy" "$bin/demo-app" /out/

# --- run: Debian with the two shared libraries the stores need ------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libhiredis0.14 libmemcached11 libmemcachedutil2 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home sticky
COPY --from=build /out/sticky-proxy /out/demo-app /usr/local/bin/
USER sticky
# The client listener and the admin listener (/metrics, /healthz, /readyz, /backends). In a container the admin
# listener must not stay on loopback to be scraped: set STICKY_ADMIN_LISTEN=0.0.0.0:9090.
ENV STICKY_LISTEN=0.0.0.0:8080
EXPOSE 8080 9090
# SIGTERM drains: the listener closes, requests in flight finish (STICKY_SHUTDOWN_TIMEOUT), exit 0.
STOPSIGNAL SIGTERM
CMD ["sticky-proxy"]
