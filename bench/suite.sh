#!/usr/bin/env sh
# Runs every scenario the way docs/benchmarks.md reports it, 3 runs each, into
# bench/results/*.jsonl (one JSON object per run), then draws the chart.
# About 40 minutes on a 2-core machine; run it on an otherwise idle machine.
set -eu
cd "$(dirname "$0")/.."
out=bench/results
mkdir -p "$out"
bench() { name=$1; shift; rm -f "$out/$name.jsonl"; npm run --silent bench -- "$@" --runs 3 --json "$out/$name.jsonl"; }

bench dm-throughput-200 dm-throughput --clients 200 --window 32 --duration 10
bench dm-throughput-200-workers2 dm-throughput --clients 200 --window 32 --duration 10 --workers 2
bench dm-throughput-1000 dm-throughput --clients 1000 --window 32 --duration 10
bench dm-latency-1000 dm-latency --clients 1000 --rate 2 --duration 10
# Issue 11: stored vs in-memory vs sync full, interleaved; stored latency; replay after login.
bench stored-dm-throughput-200 dm-throughput --clients 200 --window 32 --duration 10 --compare store
bench stored-dm-latency-1000 dm-latency --clients 1000 --rate 2 --duration 10
bench replay-1000x1000 replay --clients 1000 --messages 1000
node --import tsx bench/store-figures.ts size 1000000 > "$out/store-size-1m.jsonl"
bench login-storm-500 login-storm --clients 500
bench fanout-1000 fanout --clients 1000
# 20,000 needs an open-files hard limit above ~20,300 (server and generator each hold one
# socket per client); where `ulimit -Hn` is 20,000 the largest run that fits is 19,000.
bench idle-sessions idle-sessions --clients "${IDLE_CLIENTS:-19000}"
bench sweep sweep --clients 50,100,200,500,1000 --duration 5
node --import tsx bench/chart.ts "$out/sweep.jsonl" docs/bench-dm-throughput.svg
