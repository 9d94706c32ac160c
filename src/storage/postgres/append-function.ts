// The append path's server-side function (schema version 4): one call stores a whole
// group commit, so an append is ONE statement and ONE round trip, with no BEGIN and
// COMMIT around it, and the conversations' row locks are held only while the function
// runs, never across round trips (where the other nodes' commits would wait for them).
//
// What it does, in order, for the messages of one batch (each client_id once; append.ts
// answers resends within the batch itself):
// 1. claims the client_ids, one at a time in (sender, client_id) order, on client_ids'
//    unique index: a new one, or one last used before p_since, gets a placeholder place;
//    one held inside the window is a duplicate (its stored place is returned). A claim
//    waits on the index for a concurrent one of the same id, and sees its committed place.
// 2. creates the direct conversations it is asked to (p_create) with their members;
// 3. locks the conversations in id order (FOR UPDATE; so two nodes never deadlock) and
//    reads their last_seq;
// 4. in one statement: numbers the messages per conversation after last_seq in batch
//    order, inserts them, fills in their client_ids' places, moves the counters, moves
//    each sender's cursors over its own run of messages (as SqliteAppend does: the
//    delivered cursor only when it stood right below the run), and frees the client_ids
//    of messages whose group is gone.
// Returns one row per message, in order: r_state 'stored', 'duplicate' or 'gone'.
//
// A shipped version is never edited: a change is a new migration with CREATE OR REPLACE.

/** CREATE FUNCTION ss_append, as migration 4 installs it. */
export const APPEND_FUNCTION_V4 = `
CREATE FUNCTION ss_append(
  p_key text[], p_sender bigint[], p_text text[], p_at bigint[], p_client text[],
  p_online int[], p_m1 bigint[], p_m2 bigint[], p_create boolean[], p_since bigint
) RETURNS TABLE (
  r_n int, r_conv bigint, r_seq bigint, r_at bigint, r_state text, r_online int, r_key text
) LANGUAGE plpgsql AS $fn$
DECLARE
  total int := cardinality(p_key);
  is_dup boolean[] := array_fill(false, ARRAY[total]);
  dup_conv bigint[] := array_fill(NULL::bigint, ARRAY[total]);
  dup_seq bigint[] := array_fill(NULL::bigint, ARRAY[total]);
  dup_at bigint[] := array_fill(NULL::bigint, ARRAY[total]);
  dup_online int[] := array_fill(NULL::int, ARRAY[total]);
  dup_key text[] := array_fill(NULL::text, ARRAY[total]);
  fresh_keys text[];
  l_id bigint[];
  l_key text[];
  l_last bigint[];
  idx int;
  attempt int;
  held record;
BEGIN
  -- 1. client_ids
  FOR idx IN
    SELECT b.n FROM unnest(p_sender, p_client) WITH ORDINALITY AS b(s, c, n)
    WHERE b.c IS NOT NULL ORDER BY b.s, b.c COLLATE "C"
  LOOP
    FOR attempt IN 1..2 LOOP
      INSERT INTO client_ids (sender_id, client_id, conv_id, seq, at, delivered)
      VALUES (p_sender[idx], p_client[idx], 0, 0, p_at[idx], p_online[idx])
      ON CONFLICT (sender_id, client_id) DO NOTHING;
      EXIT WHEN FOUND;
      -- Under READ COMMITTED a row updated meanwhile is read again after the wait, so the
      -- window is checked against the committed at.
      UPDATE client_ids ci SET conv_id = 0, seq = 0, at = p_at[idx], delivered = p_online[idx]
      WHERE ci.sender_id = p_sender[idx] AND ci.client_id = p_client[idx] AND ci.at < p_since;
      EXIT WHEN FOUND;
      SELECT ci.conv_id, ci.seq, ci.at, ci.delivered, c.key INTO held
      FROM client_ids ci LEFT JOIN conversations c ON c.id = ci.conv_id
      WHERE ci.sender_id = p_sender[idx] AND ci.client_id = p_client[idx];
      IF FOUND THEN
        is_dup[idx] := true;
        dup_conv[idx] := held.conv_id;
        dup_seq[idx] := held.seq;
        dup_at[idx] := held.at;
        dup_online[idx] := held.delivered;
        dup_key[idx] := held.key;
        EXIT;
      END IF;
      -- Deleted meanwhile (its group deleted): claimed anew once, then the call runs again.
      IF attempt = 2 THEN
        RAISE EXCEPTION 'client_id claims kept changing; retrying' USING ERRCODE = '40001';
      END IF;
    END LOOP;
  END LOOP;

  -- 2. new direct conversations (concurrent creators meet on the key: ON CONFLICT skips)
  IF true = ANY (p_create) THEN
    WITH want AS (
      SELECT DISTINCT ON (b.k) b.k, b.m1, b.m2
      FROM unnest(p_key, p_create, p_m1, p_m2, is_dup) AS b(k, cr, m1, m2, d)
      WHERE b.cr AND NOT b.d ORDER BY b.k
    ), made AS (
      INSERT INTO conversations (key, kind)
      SELECT w.k, 'direct' FROM want w
      WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.key = w.k)
      ON CONFLICT (key) DO NOTHING RETURNING id, key
    )
    INSERT INTO conv_members (user_id, conv_id)
    SELECT u.uid, made.id FROM made JOIN want w ON w.k = made.key
      CROSS JOIN LATERAL (VALUES (w.m1), (w.m2)) AS u(uid)
    WHERE u.uid IS NOT NULL
    ON CONFLICT DO NOTHING;
  END IF;

  -- 3. lock the conversations in id order
  SELECT array_agg(DISTINCT b.k) INTO fresh_keys
  FROM unnest(p_key, is_dup) AS b(k, d) WHERE NOT b.d;
  SELECT array_agg(x.id ORDER BY x.id), array_agg(x.key ORDER BY x.id),
         array_agg(x.last_seq ORDER BY x.id)
  INTO l_id, l_key, l_last
  FROM (SELECT c.id, c.key, c.last_seq FROM conversations c
        WHERE c.key = ANY (fresh_keys) ORDER BY c.id FOR UPDATE) x;

  -- 4. number, store, move counters and the senders' cursors
  RETURN QUERY
  WITH input AS (
    SELECT b.k, b.s, b.t, b.a, b.c, b.d, b.n::int AS n
    FROM unnest(p_key, p_sender, p_text, p_at, p_client, is_dup)
      WITH ORDINALITY AS b(k, s, t, a, c, d, n)
  ), locked AS (
    SELECT * FROM unnest(l_id, l_key, l_last) AS l(id, k, last)
  ), placed AS (
    SELECT i.n, i.s, i.t, i.a, i.c, l.id AS conv,
      l.last + row_number() OVER (PARTITION BY l.id ORDER BY i.n) AS q
    FROM input i JOIN locked l ON l.k = i.k WHERE NOT i.d
  ), stored AS (
    INSERT INTO messages (conv_id, seq, sender_id, text, sent_at, client_id)
    SELECT p.conv, p.q, p.s, p.t, p.a, p.c FROM placed p
  ), places AS (
    UPDATE client_ids ci SET conv_id = p.conv, seq = p.q FROM placed p
    WHERE p.c IS NOT NULL AND ci.sender_id = p.s AND ci.client_id = p.c
  ), counters AS (
    UPDATE conversations c SET last_seq = v.q, last_at = v.a
    FROM (SELECT DISTINCT ON (p.conv) p.conv, p.q, p.a FROM placed p ORDER BY p.conv, p.q DESC) v
    WHERE c.id = v.conv
  ), changes AS (
    SELECT p.conv, p.s, p.q,
      CASE WHEN p.s = lag(p.s) OVER (PARTITION BY p.conv ORDER BY p.q) THEN 0 ELSE 1 END AS chg
    FROM placed p
  ), islands AS (
    SELECT g.conv, g.s, g.q, sum(g.chg) OVER (PARTITION BY g.conv ORDER BY g.q) AS isl
    FROM changes g
  ), runs AS (
    SELECT r.conv, r.s, min(r.q) AS first, max(r.q) AS last, min(r.isl) AS isl0
    FROM islands r GROUP BY r.conv, r.s
  ), run_ends AS (
    SELECT r.conv, r.s, r.first, r.last, max(x.q) AS run_end
    FROM runs r JOIN islands x ON x.conv = r.conv AND x.s = r.s AND x.isl = r.isl0
    GROUP BY r.conv, r.s, r.first, r.last
  ), cursors AS (
    UPDATE conv_members m SET
      delivered_seq = CASE WHEN m.delivered_seq = r.first - 1 THEN r.run_end ELSE m.delivered_seq END,
      read_seq = greatest(m.read_seq, r.last)
    FROM run_ends r WHERE m.user_id = r.s AND m.conv_id = r.conv
  ), unclaimed AS (
    DELETE FROM client_ids ci USING input i
    WHERE NOT i.d AND i.c IS NOT NULL AND NOT EXISTS (SELECT 1 FROM locked l WHERE l.k = i.k)
      AND ci.sender_id = i.s AND ci.client_id = i.c
  )
  SELECT i.n,
    CASE WHEN i.d THEN dup_conv[i.n] ELSE p.conv END,
    CASE WHEN i.d THEN dup_seq[i.n] ELSE p.q END,
    CASE WHEN i.d THEN dup_at[i.n] ELSE i.a END,
    CASE WHEN i.d THEN 'duplicate' WHEN p.n IS NULL THEN 'gone' ELSE 'stored' END,
    CASE WHEN i.d THEN dup_online[i.n] END,
    CASE WHEN i.d THEN dup_key[i.n] END
  FROM input i LEFT JOIN placed p ON p.n = i.n
  ORDER BY i.n;
END
$fn$`;
