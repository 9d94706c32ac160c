// The Lua scripts of the Redis broker: every change to presence and the session
// caps runs as one script, so claims on several nodes never overshoot a cap.
// Times come from Redis (TIME), so the nodes' clocks need not agree.
// A node is alive while its subscriber connection listens on `alive:<id>`: a node whose
// connection closed (killed, its process gone) is suspected at the next claim its sessions
// stand in the way of, or the next heartbeat of another node, and dropped at the first such
// look at least SUSPECT_MS later (`suspects`: node id -> when first seen without it), without
// waiting for its lease; a subscriber that reconnects meanwhile clears the suspicion. A node
// holds a lease only while that subscription exists.
//
// Keys under the prefix P: `nodes` (sorted set: node id → lease end, ms),
// `node:<id>` (hash: user id → sessions on that node), `sessions` (hash: user
// id → sessions on all nodes), `total` (sessions of everyone), `names` (hash:
// user id → username), `keys` (hash: user id → lower-cased key), `ids` (hash:
// key → user id), `sorted` (sorted set of keys, all score 0, for paging),
// `suspects` (hash: node id → when first seen without its `alive` subscriber, ms).
// Every script takes P as ARGV[1] and declares no keys: the broker needs one
// Redis (or one Redis Cluster hash slot), not a sharded keyspace.
// Each change of who is online is also published on the channel `P presence`: the
// user's key when one user's sessions change (claim, release), `*` when a node's
// sessions are dropped or replaced; nodes drop their found cache's entries by it
// (found-cache.ts).

/**
 * How long a node must be seen without its `alive` subscriber before it is dropped: longer
 * than a subscriber takes to reconnect (ioredis retries within 50 ms), shorter than a
 * client's second login attempt after its node died.
 */
export const SUSPECT_MS = 1_000;

/** Helpers every script starts with: the time, adding and removing sessions, reaping dead nodes. */
const COMMON = `
local p = ARGV[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function add(node, id, name, key, n)
  redis.call('HINCRBY', p .. 'sessions', id, n)
  redis.call('INCRBY', p .. 'total', n)
  redis.call('HINCRBY', p .. 'node:' .. node, id, n)
  redis.call('HSETNX', p .. 'names', id, name)
  redis.call('HSET', p .. 'keys', id, key)
  redis.call('HSET', p .. 'ids', key, id)
  redis.call('ZADD', p .. 'sorted', 0, key)
end
local function remove(id, n)
  redis.call('INCRBY', p .. 'total', -n)
  if redis.call('HINCRBY', p .. 'sessions', id, -n) > 0 then return end
  redis.call('HDEL', p .. 'sessions', id)
  redis.call('HDEL', p .. 'names', id)
  local key = redis.call('HGET', p .. 'keys', id)
  redis.call('HDEL', p .. 'keys', id)
  if key then
    redis.call('ZREM', p .. 'sorted', key)
    redis.call('HDEL', p .. 'ids', key)
  end
end
local function changed(key)
  redis.call('PUBLISH', p .. 'presence', key)
end
local function drop_node(node)
  local held = redis.call('HGETALL', p .. 'node:' .. node)
  for i = 1, #held, 2 do remove(held[i], tonumber(held[i + 1])) end
  redis.call('DEL', p .. 'node:' .. node)
  redis.call('ZREM', p .. 'nodes', node)
  redis.call('HDEL', p .. 'suspects', node)
  if #held > 0 then changed('*') end
end
local function reap(now)
  for _, node in ipairs(redis.call('ZRANGEBYSCORE', p .. 'nodes', '-inf', now)) do
    drop_node(node)
  end
end
local function alive(node)
  return redis.call('PUBSUB', 'NUMSUB', p .. 'alive:' .. node)[2] > 0
end
local function drop_dead(self, dropped, now)
  for _, node in ipairs(redis.call('ZRANGE', p .. 'nodes', 0, -1)) do
    if node ~= self then
      if alive(node) then
        redis.call('HDEL', p .. 'suspects', node)
      else
        local since = tonumber(redis.call('HGET', p .. 'suspects', node) or '')
        if not since then
          redis.call('HSET', p .. 'suspects', node, now)
        elseif now - since >= ${SUSPECT_MS} then
          drop_node(node)
          table.insert(dropped, node)
        end
      end
    end
  end
end
`;

/** One script: its Lua body (after COMMON) and how ioredis calls it. */
interface Script {
  lua: string;
}

/**
 * ARGV: P, node, lease ms, user id, username, key, per-user cap, total cap.
 * Returns {result, dropped node…}: result ok | already_logged_in | server_busy, or `lost`
 * when this node's lease had expired (the node must restore its presence first). At a cap,
 * dead nodes (no `alive` subscriber for SUSPECT_MS) are dropped first, and named after the
 * result: a killed node's users log in elsewhere after a second, not once its lease runs out.
 */
const claim: Script = {
  lua: `
local now = now_ms()
reap(now)
local node = ARGV[2]
if not redis.call('ZSCORE', p .. 'nodes', node) then return {'lost'} end
redis.call('ZADD', p .. 'nodes', now + tonumber(ARGV[3]), node)
local id = ARGV[4]
local function refused()
  if tonumber(redis.call('HGET', p .. 'sessions', id) or '0') >= tonumber(ARGV[7]) then
    return 'already_logged_in'
  end
  if tonumber(redis.call('GET', p .. 'total') or '0') >= tonumber(ARGV[8]) then
    return 'server_busy'
  end
  return nil
end
local out = {'ok'}
if refused() then
  drop_dead(node, out, now)
  local still = refused()
  if still then
    out[1] = still
    return out
  end
end
add(node, id, ARGV[5], ARGV[6], 1)
changed(ARGV[6])
return out
`,
};

/** ARGV: P, node, user id. Gives back one session this node holds; 1 if it held one. */
const release: Script = {
  lua: `
local at = p .. 'node:' .. ARGV[2]
local held = tonumber(redis.call('HGET', at, ARGV[3]) or '0')
if held <= 0 then return 0 end
if held == 1 then redis.call('HDEL', at, ARGV[3]) else redis.call('HINCRBY', at, ARGV[3], -1) end
local key = redis.call('HGET', p .. 'keys', ARGV[3])
remove(ARGV[3], 1)
if key then changed(key) end
return 1
`,
};

/**
 * ARGV: P, node, lease ms, per-user cap, then (user id, username, key, sessions) per local
 * user. Replaces what Redis holds for this node with the node's own truth and renews its
 * lease: on start, after a reconnect, and after the lease was lost. Returns {'unsubscribed'}
 * (nothing changed) while the node's `alive` subscription is missing, else {'ok', ids…}:
 * the users who now have more sessions than the cap, because another node granted them one
 * while this node was out (this node ends its own).
 */
const restore: Script = {
  lua: `
local node = ARGV[2]
if not alive(node) then return {'unsubscribed'} end
local now = now_ms()
reap(now)
drop_node(node)
redis.call('ZADD', p .. 'nodes', now + tonumber(ARGV[3]), node)
local cap = tonumber(ARGV[4])
local out = {'ok'}
for i = 5, #ARGV, 4 do
  add(node, ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]))
  if tonumber(redis.call('HGET', p .. 'sessions', ARGV[i])) > cap then table.insert(out, ARGV[i]) end
end
if #ARGV >= 5 then changed('*') end
return out
`,
};

/**
 * ARGV: P, node, lease ms. Renews the lease and drops dead nodes (no `alive` subscriber):
 * {1, dropped node…}; {0} when this node's lease had expired (restore instead).
 */
const beat: Script = {
  lua: `
local now = now_ms()
reap(now)
if not redis.call('ZSCORE', p .. 'nodes', ARGV[2]) then return {0} end
redis.call('ZADD', p .. 'nodes', now + tonumber(ARGV[3]), ARGV[2])
local out = {1}
drop_dead(ARGV[2], out, now)
return out
`,
};

/** ARGV: P, node. Takes this node and its sessions out at once (a clean stop). */
const leave: Script = {
  lua: `
drop_node(ARGV[2])
return 1
`,
};

/** ARGV: P, key. Returns {id, username, sessions} or nil. */
const find: Script = {
  lua: `
reap(now_ms())
local id = redis.call('HGET', p .. 'ids', ARGV[2])
if not id then return nil end
return {id, redis.call('HGET', p .. 'names', id), redis.call('HGET', p .. 'sessions', id)}
`,
};

/** ARGV: P, limit, exclusive cursor key ('' for none). Returns {total, id, name, id, name, …}. */
const list: Script = {
  lua: `
reap(now_ms())
local from = '-'
if ARGV[3] ~= '' then from = '(' .. ARGV[3] end
local keys = redis.call('ZRANGEBYLEX', p .. 'sorted', from, '+', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {redis.call('ZCARD', p .. 'sorted')}
for _, key in ipairs(keys) do
  local id = redis.call('HGET', p .. 'ids', key)
  table.insert(out, id)
  table.insert(out, redis.call('HGET', p .. 'names', id))
end
return out
`,
};

/** The scripts by name, each a full Lua program, for Redis#defineCommand. */
export const SCRIPTS = Object.fromEntries(
  Object.entries({ claim, release, restore, beat, leave, find, list }).map(([name, s]) => [
    name,
    COMMON + s.lua,
  ]),
) as Record<'claim' | 'release' | 'restore' | 'beat' | 'leave' | 'find' | 'list', string>;
