#!/usr/bin/env bash
# The load runs of docs/benchmarks.md, one after another, each on a fresh embedded node.
# usage: bench/scripts/run-load-series.sh [JAR] [LOG]
set -u
JAR=${1:-bench/target/sluice-bench.jar}
LOG=${2:-/tmp/sluice-load-series.log}
N=${N:-20000}
WARMUP=${WARMUP:-5000}
run() {
  echo "=== $(date -u +%H:%M:%S) load $* (uptime: $(uptime | sed 's/.*load average: //'))" | tee -a "$LOG"
  java -jar "$JAR" load --embedded --instances "$N" --warmup "$WARMUP" "$@" 2>&1 \
    | grep -v -E ' WARN |^\s+0\.0 s' | tee -a "$LOG"
}
for c in 64 16 32 128; do run --concurrency "$c"; done
run --concurrency 64 --no-wait
for s in h2-background memory; do run --concurrency 64 --store "$s"; done
grep '^RESULT' "$LOG"
