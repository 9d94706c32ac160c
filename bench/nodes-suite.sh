#!/usr/bin/env sh
# Issue 15 (docs/benchmarks.md, Stop 12; results in Stop 14): two nodes on the bench's own PostgreSQL and
# Redis. Cross-node dm-latency at 1,000 x 2 msg/s, dm-throughput on PostgreSQL against
# SQLite (interleaved by --vs-storage, at sync normal and full), and kill -9 of a node
# with 200 clients; the cross-node latency also at 1 and 0.5 msg/s per client, where
# the machine is not saturated, and at 2 msg/s with a client_id on every send (as the
# SDK sends). Each command runs ROUNDS runs (default 3) into
# bench/results/stop14-*.jsonl, deleted first. About 18 minutes on a quiet machine.
set -eu
cd "$(dirname "$0")/.."
out=bench/results
rounds=${ROUNDS:-3}
one() {
  name=$1
  shift
  rm -f "$out/$name.jsonl"
  echo "=== $name: $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  npm run --silent bench -- "$@" --runs "$rounds" --json "$out/$name.jsonl" || true
}
one stop14-dm-latency-2nodes dm-latency --clients 1000 --rate 2 --duration 10 --nodes 2 --broker redis
one stop14-dm-latency-2nodes-client-ids dm-latency --clients 1000 --rate 2 --duration 10 --nodes 2 --broker redis --client-ids
one stop14-dm-latency-2nodes-rate1 dm-latency --clients 1000 --rate 1 --duration 10 --nodes 2 --broker redis
one stop14-dm-latency-2nodes-rate0.5 dm-latency --clients 1000 --rate 0.5 --duration 10 --nodes 2 --broker redis
one stop14-dm-throughput-vs-storage dm-throughput --clients 200 --window 32 --duration 10 --vs-storage
one stop14-dm-throughput-vs-storage-full dm-throughput --clients 200 --window 32 --duration 10 --vs-storage --sync full
one stop14-failover-200 failover --clients 200 --rate 2 --duration 10
