.PHONY: build run cluster test bench fuzz

# Debug build of everything: sticky-proxy, demo-app and the libraries.
build:
	swift build

# Three demo backends on 127.0.0.1:9001-9003 and sticky-proxy on 127.0.0.1:8080; Ctrl-C stops them all.
run: build
	bash scripts/run-demo.sh

# The docker-compose topology as processes: 2 replicas (8080, 8081) sharing a throwaway Redis, 3 demo backends.
cluster: build
	bash scripts/cluster.sh

# Every test, with throwaway Redis and memcached servers (see scripts/test.sh).
test:
	bash scripts/test.sh

# sticky-proxy (memory, Redis, memcached) vs HAProxy's stick table and a bare nginx; writes bench/results/latest.*
# (see bench/README.md). Installs what is missing, builds in release mode, stops everything it started.
bench:
	bash scripts/bench/run.sh

# libFuzzer on the Cookie, Set-Cookie and HTTP-date parsers and the HTTP/1 request and response parsers (the
# Fuzz/ package), FUZZ_SECONDS (default 60) each; exits non-zero on a finding (saved under Fuzz/work/artifacts/).
# Not part of `make test`. See scripts/fuzz.sh.
fuzz:
	bash scripts/fuzz.sh
