#!/usr/bin/env sh
# Issue 12: group-fanout at 100, 1,000 and 10,000 members and replay 1,000 x 1,000,
# interleaved: each round runs all four once, so a machine whose load drifts skews
# them alike. ROUNDS rounds (default 3) into bench/results/*.jsonl. About 20 minutes.
set -eu
cd "$(dirname "$0")/.."
out=bench/results
rounds=${ROUNDS:-3}
for name in group-fanout-100 group-fanout-1000 group-fanout-10000 replay-1000x1000; do
  rm -f "$out/$name.jsonl"
done
one() { name=$1; shift; npm run --silent bench -- "$@" --json "$out/$name.jsonl" || true; }
i=1
while [ "$i" -le "$rounds" ]; do
  echo "=== round $i of $rounds: $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  one replay-1000x1000 replay --clients 1000 --messages 1000
  one group-fanout-100 group-fanout --members 100
  one group-fanout-1000 group-fanout --members 1000
  one group-fanout-10000 group-fanout --members 10000
  i=$((i + 1))
done
