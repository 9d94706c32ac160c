// The bench's usage text, printed with a bad command line.

/** How to call run.ts. */
export const USAGE = `usage: npm run bench -- <scenario> [options]
scenarios:
  dm-throughput  --clients 200 --window 32 --duration 10 --warmup 2
  dm-latency     --clients 1000 --rate 2 --duration 10 --warmup 1
  idle-sessions  --clients 20000
  login-storm    --clients 500
  fanout         --clients 1000
  replay         --clients 1000 --messages 1000 (stored per user; all log in at once)
  group-fanout   --members 1000 --rate R (the sender's messages/s; default 30,000 / members)
  sweep          --clients 50,100,200,500,1000 (dm-throughput at each; its options apply)
  failover       --clients 200 --rate 2 --duration 10 (then kill -9 of node 1; all reconnect
                 to node 2 as the SDK does; --nodes 2, PostgreSQL and Redis by default)
group-fanout, dm-latency: --ack-ms 1000 (each receiver acks as the SDK does: once 64 are
                 unacked, else after a random wait between half of this and all of it)
dm-throughput, dm-latency (and sweep):
                 --store on|off  --sync normal|full
                 --client-ids (every send carries a client_id, as the SDK's do)
                 --compare store (stored, in-memory, sync full alternately, R runs each)
                 --transport tcp|ws (the clients' transport; ws: ws://127.0.0.1:<http_port>/ws)
                 --vs-transport (tcp and ws alternately, R runs each; ratio ws ÷ tcp)
dm-throughput, dm-latency, group-fanout, sweep:
                 --vs-baseline (super-server and bench/baseline/ alternately, R runs each; ratio)
                 --vs-bin PATH (the default server and PATH's alternately, R runs each; ratio)
storage and nodes (issue 15):
                 --storage sqlite|postgres (dm-*, sweep, idle-sessions, login-storm, group-fanout,
                 failover; postgres: the bench's own PostgreSQL 15, a fresh database per run)
                 --vs-storage (dm-*, sweep: sqlite and postgres alternately; ratio postgres ÷ sqlite)
                 --nodes N --broker redis (dm-*, sweep, failover: N server processes on one Redis,
                 and on PostgreSQL unless --storage sqlite; each client's partner on another node)
                 --heartbeat-timeout S (broker.heartbeat_timeout_s, the nodes' lease; default 15)
common: --runs R  --json FILE  --threads T  --workers K (passed to the server)  --timeout S
        --server-bin PATH (a checkout or its bin/super-server: its compiled server; or a .js)`;
