// Schema migrations for PostgreSQL, recorded in schema_migrations and applied once per
// cluster: under pg_advisory_lock, so nodes starting together migrate once and the others
// find the work done. Version 1 is the SQLite schema as of its version 7 (same tables,
// same columns); keys that are sorted are COLLATE "C", as SQLite compares bytes.
import type pg from 'pg';
import { mapError } from './db.ts';

/** Each entry moves the schema one version up; never edit a shipped entry, append a new one. */
export const PG_MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   INSERT INTO meta (key, value) VALUES ('epoch', replace(gen_random_uuid()::text, '-', ''));
   CREATE TABLE users (
     id             BIGSERIAL PRIMARY KEY,
     username       TEXT NOT NULL,
     username_key   TEXT COLLATE "C" NOT NULL,
     email          TEXT NOT NULL,
     phone          TEXT,
     password_hash  TEXT NOT NULL,
     level          TEXT NOT NULL,
     created_at     TEXT NOT NULL,
     failed_logins  INTEGER NOT NULL DEFAULT 0,
     last_failed_at BIGINT,
     pending_until  BIGINT,
     deleted_at     BIGINT,
     banned_at      BIGINT,
     ban_reason     TEXT
   );
   CREATE UNIQUE INDEX users_username_key ON users (username_key);
   CREATE UNIQUE INDEX users_email ON users (email) WHERE deleted_at IS NULL;
   CREATE UNIQUE INDEX users_phone ON users (phone) WHERE phone IS NOT NULL;
   CREATE INDEX users_level ON users (level);
   CREATE INDEX users_pending ON users (pending_until) WHERE pending_until IS NOT NULL;
   CREATE TABLE codes (
     user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     purpose       TEXT NOT NULL,
     code_hash     TEXT NOT NULL,
     expires_at    BIGINT NOT NULL,
     attempts_left INTEGER NOT NULL,
     PRIMARY KEY (user_id, purpose)
   );
   CREATE TABLE audit (
     id      BIGSERIAL PRIMARY KEY,
     at      TEXT COLLATE "C" NOT NULL,
     actor   TEXT,
     action  TEXT NOT NULL,
     target  TEXT,
     outcome TEXT NOT NULL,
     detail  TEXT,
     address TEXT
   );
   CREATE INDEX audit_at ON audit (at);
   CREATE TABLE conversations (
     id       BIGSERIAL PRIMARY KEY,
     key      TEXT COLLATE "C" NOT NULL UNIQUE,
     kind     TEXT NOT NULL,
     last_seq BIGINT NOT NULL DEFAULT 0,
     last_at  BIGINT
   );
   CREATE TABLE conv_members (
     user_id       BIGINT NOT NULL,
     conv_id       BIGINT NOT NULL,
     delivered_seq BIGINT NOT NULL DEFAULT 0,
     read_seq      BIGINT NOT NULL DEFAULT 0,
     role          TEXT,
     PRIMARY KEY (user_id, conv_id)
   );
   CREATE INDEX conv_members_conv ON conv_members (conv_id);
   CREATE INDEX conv_members_owner ON conv_members (user_id) WHERE role = 'owner';
   CREATE TABLE messages (
     conv_id   BIGINT NOT NULL,
     seq       BIGINT NOT NULL,
     sender_id BIGINT NOT NULL,
     text      TEXT NOT NULL,
     sent_at   BIGINT NOT NULL,
     client_id TEXT,
     PRIMARY KEY (conv_id, seq)
   );
   CREATE TABLE client_ids (
     id        BIGSERIAL PRIMARY KEY,
     sender_id BIGINT NOT NULL,
     client_id TEXT NOT NULL,
     conv_id   BIGINT NOT NULL,
     seq       BIGINT NOT NULL,
     at        BIGINT NOT NULL,
     delivered INTEGER NOT NULL,
     UNIQUE (sender_id, client_id)
   );
   CREATE TABLE groups (
     conv_id    BIGINT PRIMARY KEY,
     name       TEXT COLLATE "C" NOT NULL UNIQUE,
     visibility TEXT NOT NULL,
     created_at BIGINT NOT NULL
   );
   CREATE TABLE group_bans (
     conv_id BIGINT NOT NULL,
     user_id BIGINT NOT NULL,
     at      BIGINT NOT NULL,
     PRIMARY KEY (conv_id, user_id)
   );
   CREATE TABLE group_invites (
     conv_id BIGINT NOT NULL,
     user_id BIGINT NOT NULL,
     at      BIGINT NOT NULL,
     PRIMARY KEY (conv_id, user_id)
   );
   INSERT INTO conversations (key, kind) VALUES ('#global', 'group');
   INSERT INTO groups (conv_id, name, visibility, created_at)
     SELECT id, 'global', 'public', (extract(epoch FROM now()) * 1000)::bigint
     FROM conversations WHERE key = '#global';`,
  // ID login (issue 16): identities at OpenID Connect providers, one account each.
  `CREATE TABLE identities (
     issuer    TEXT COLLATE "C" NOT NULL,
     subject   TEXT COLLATE "C" NOT NULL,
     user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     provider  TEXT NOT NULL,
     email     TEXT,
     linked_at BIGINT NOT NULL,
     CONSTRAINT identities_pkey PRIMARY KEY (issuer, subject)
   );
   CREATE INDEX identities_user ON identities (user_id);`,
  // One-time login codes of the web ID login (issue 16): hashes only, 60 s, taken once.
  `CREATE TABLE login_codes (
     code_hash    TEXT PRIMARY KEY,
     binding_hash TEXT NOT NULL,
     provider     TEXT NOT NULL,
     identity     TEXT NOT NULL,
     expires_at   BIGINT NOT NULL
   );
   CREATE INDEX login_codes_expiry ON login_codes (expires_at);`,
];

/** An arbitrary constant: the advisory lock every node takes to migrate. */
const MIGRATION_LOCK = 7_715_015;

/** Thrown when the database was migrated by a newer server. */
export class SchemaTooNew extends Error {
  override name = 'SchemaTooNew';
}

/** Brings the schema up to date, once per cluster (see the file comment). */
export async function migrate(pool: pg.Pool): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw mapError(err);
  }
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version    INTEGER PRIMARY KEY,
           applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )`,
      );
      const { rows } = await client.query<{ v: number | null }>(
        'SELECT max(version) AS v FROM schema_migrations',
      );
      const current = rows[0]?.v ?? 0;
      if (current > PG_MIGRATIONS.length) {
        throw new SchemaTooNew(
          `PostgreSQL schema version ${current} is newer than this server's (${PG_MIGRATIONS.length}): ` +
            'it was written by a newer super-server; run that version, or restore a backup',
        );
      }
      for (let v = current; v < PG_MIGRATIONS.length; v++) {
        await client.query('BEGIN');
        try {
          await client.query(PG_MIGRATIONS[v] as string);
          await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v + 1]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } catch (err) {
    throw mapError(err);
  } finally {
    client.release();
  }
}
