#!/usr/bin/env bash
# Fuzzes the session parsers and the HTTP/1 framing with libFuzzer (`make fuzz`): builds the Fuzz/ package in release
# mode with -sanitize=fuzzer,address, then runs each fuzzer for a bounded time, seeded from Fuzz/corpus/NAME.
#
# Settings (environment):
#   FUZZ_SECONDS   seconds per fuzzer (default 60)
#   FUZZ_TARGETS   which fuzzers, space-separated (default: "cookie set-cookie http-date request-parser
#                  response-parser")
#   FUZZ_ARGS      extra libFuzzer flags, e.g. "-use_value_profile=1"
#
# Inputs that add coverage go to Fuzz/work/corpus/NAME (git-ignored; kept between runs and read again), crashes and
# broken invariants to Fuzz/work/artifacts/NAME/ (git-ignored), each run's output to Fuzz/work/logs/NAME.log.
# A finding is a crash, a broken invariant, a timeout or running out of memory; the input is saved and the script
# exits 1 after running the other fuzzers. Replay one with: Fuzz/.build/release/FuzzCookie ARTIFACT
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'fuzz.sh: %s\n' "$*" >&2; }

FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
FUZZ_TARGETS="${FUZZ_TARGETS:-cookie set-cookie http-date request-parser response-parser}"
read -r -a EXTRA_ARGS <<<"${FUZZ_ARGS:-}"

# 1. What is needed. libFuzzer and AddressSanitizer come with the swift.org toolchain on Linux (Xcode's toolchain
#    has no libFuzzer); llvm-symbolizer, for readable stack traces, too, or else from Debian's llvm package.
command -v swift >/dev/null || { log "swift is not on PATH"; exit 1; }
if ! command -v llvm-symbolizer >/dev/null; then
    toolchain_bin="$(dirname "$(command -v swift)")"
    if [ -x "$toolchain_bin/llvm-symbolizer" ]; then
        export ASAN_SYMBOLIZER_PATH="$toolchain_bin/llvm-symbolizer"
    elif command -v dpkg-query >/dev/null; then
        bash scripts/install-packages.sh llvm || log "no llvm-symbolizer: stack traces will not be symbolized"
    fi
fi

# 2. Build. Every Swift module, StickyCore's dependencies too, gets coverage and ASan instrumentation.
log "building the fuzzers (release, -sanitize=fuzzer,address)"
swift build --package-path Fuzz -c release \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
BIN_DIR="$(swift build --package-path Fuzz -c release --show-bin-path)"

# 3. Run.
binary_of() {
    case "$1" in
        cookie) echo FuzzCookie ;;
        set-cookie) echo FuzzSetCookie ;;
        http-date) echo FuzzHTTPDate ;;
        request-parser) echo FuzzRequestParser ;;
        response-parser) echo FuzzResponseParser ;;
        *) return 1 ;;
    esac
}
# Longest input: a few headers' worth of cookies (IDs up to and past the 4 KiB limit); a date is short; a few
# pipelined messages past the parsers' fuzzing limits (1 KiB of fields), each fed three ways.
max_len_of() {
    case "$1" in
        http-date) echo 128 ;;
        request-parser | response-parser) echo 4096 ;;
        *) echo 8192 ;;
    esac
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:symbolize=1}"
# Swift's own crash backtracer would catch the trap of a broken invariant before libFuzzer does, and can hang there.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"
failed=()
for target in $FUZZ_TARGETS; do
    binary="$(binary_of "$target")" || { log "unknown fuzz target '$target'"; exit 2; }
    corpus="Fuzz/work/corpus/$target"
    artifacts="Fuzz/work/artifacts/$target"
    mkdir -p "$corpus" "$artifacts" Fuzz/work/logs
    log "$target: $FUZZ_SECONDS s, -max_len=$(max_len_of "$target"), new corpus in $corpus, findings in $artifacts/"
    set +e
    "$BIN_DIR/$binary" "$corpus" "Fuzz/corpus/$target" \
        -max_total_time="$FUZZ_SECONDS" \
        -max_len="$(max_len_of "$target")" \
        -timeout=10 \
        -rss_limit_mb=2048 \
        -dict="Fuzz/dict/$target.dict" \
        -artifact_prefix="$artifacts/" \
        -print_final_stats=1 \
        "${EXTRA_ARGS[@]}" \
        2>&1 | tee "Fuzz/work/logs/$target.log" | grep -E --line-buffered '(DONE|INFO: (Loaded|seed corpus)|ERROR|invariant broken|Fatal error|Test unit written|SUMMARY|stat::)'
    status=${PIPESTATUS[0]}
    set -e
    executed="$(sed -n 's/^stat::number_of_executed_units: *//p' "Fuzz/work/logs/$target.log" | tail -1)"
    if [ "$status" -ne 0 ]; then
        log "$target: FINDING (libFuzzer exit $status) after ${executed:-?} inputs; see Fuzz/work/logs/$target.log and $artifacts/"
        failed+=("$target")
    else
        log "$target: no finding in ${executed:-?} inputs ($FUZZ_SECONDS s)"
    fi
done

if [ "${#failed[@]}" -ne 0 ]; then
    log "findings in: ${failed[*]}"
    exit 1
fi
log "no findings"
