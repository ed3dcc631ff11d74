#!/bin/sh
# Runs libFuzzer harnesses built in BUILD (-Dfuzzing=true) for SECONDS each:
#
#   tests/fuzz/run-fuzzers.sh BUILD SECONDS HARNESS...
#
# Each starts from its committed seeds (tests/fuzz/corpus/HARNESS) and the
# findings kept in tests/data/fuzz/HARNESS, and grows a corpus of its own
# under BUILD/fuzz/HARNESS/corpus. A crash, a sanitizer report, a leak, an
# input slower than a second or an allocation over 1 GiB (see below for
# images and model files) stops it with the input saved under
# BUILD/fuzz/HARNESS/; the script then fails. The totals of every run are in BUILD/fuzz/HARNESS/log.
set -u
build=$1
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

failed=""
for harness in "$@"; do
  work="$build/fuzz/$harness"
  mkdir -p "$work/corpus"
  findings="$here/../data/fuzz/$harness"
  [ -d "$findings" ] || findings=""
  malloc_limit=1024
  timeout=1
  case $harness in
    image)
      # An image costs time and memory in its pixels, up to the engine's cap
      # of 2^28 (1 GiB as RGBA), not in its bytes: a 456-byte JPEG may
      # rightly claim 33 million pixels, which take GdkPixbuf 1.6 s to fill.
      malloc_limit=1100
      timeout=10
      ;;
    model)
      # A file that passes the metadata checks gets new networks to load
      # into: a fixed cost of about a second under AddressSanitizer.
      timeout=10
      ;;
  esac
  echo "fuzz: $harness for $seconds s"
  # shellcheck disable=SC2086
  "$build/tests/fuzz/fuzz-$harness" -max_total_time="$seconds" -timeout="$timeout" \
    -malloc_limit_mb="$malloc_limit" -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$work/" \
    "$work/corpus" "$here/corpus/$harness" $findings >"$work/log" 2>&1
  status=$?
  grep -E "^stat::number_of_executed_units|^Done [0-9]+ runs" "$work/log" | tail -1
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $harness FAILED (exit $status); see $work/log and the input saved in $work/" >&2
    grep -E "ERROR: |SUMMARY: |==[0-9]+==|runtime error" "$work/log" | head -5 >&2
    failed="$failed $harness"
  fi
done
if [ -n "$failed" ]; then
  echo "fuzz: findings in:$failed" >&2
  exit 1
fi
echo "fuzz: no findings"
