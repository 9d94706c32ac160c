// Schema migrations for SQLite, applied in order and recorded in PRAGMA user_version.

/** Each entry moves the schema one version up; never edit a shipped entry, append a new one. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE users (
     id            INTEGER PRIMARY KEY AUTOINCREMENT,
     username      TEXT NOT NULL,
     username_key  TEXT NOT NULL,
     email         TEXT NOT NULL,
     phone         TEXT,
     password_hash TEXT NOT NULL,
     level         TEXT NOT NULL,
     created_at    TEXT NOT NULL
   );
   CREATE UNIQUE INDEX users_username_key ON users (username_key);
   CREATE UNIQUE INDEX users_email ON users (email);
   CREATE UNIQUE INDEX users_phone ON users (phone) WHERE phone IS NOT NULL;
   CREATE INDEX users_level ON users (level);`,
  `ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE users ADD COLUMN last_failed_at INTEGER;`,
  `ALTER TABLE users ADD COLUMN pending_until INTEGER;
   CREATE INDEX users_pending ON users (pending_until) WHERE pending_until IS NOT NULL;
   CREATE TABLE email_codes (
     user_id       INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
     code_hash     TEXT NOT NULL,
     expires_at    INTEGER NOT NULL,
     attempts_left INTEGER NOT NULL
   );`,
  `CREATE TABLE audit (
     id      INTEGER PRIMARY KEY AUTOINCREMENT,
     at      TEXT NOT NULL,
     actor   TEXT,
     action  TEXT NOT NULL,
     target  TEXT,
     outcome TEXT NOT NULL,
     detail  TEXT,
     address TEXT
   );
   CREATE INDEX audit_at ON audit (at);`,
  // Account lifecycle: deletion keeps the row (ids are never reused) but drops its
  // personal data and holds the name for a while; bans; reset codes beside confirmation codes.
  `ALTER TABLE users ADD COLUMN deleted_at INTEGER;
   ALTER TABLE users ADD COLUMN banned_at INTEGER;
   ALTER TABLE users ADD COLUMN ban_reason TEXT;
   DROP INDEX users_email;
   CREATE UNIQUE INDEX users_email ON users (email) WHERE deleted_at IS NULL;
   CREATE TABLE codes (
     user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     purpose       TEXT NOT NULL,
     code_hash     TEXT NOT NULL,
     expires_at    INTEGER NOT NULL,
     attempts_left INTEGER NOT NULL,
     PRIMARY KEY (user_id, purpose)
   ) WITHOUT ROWID;
   INSERT INTO codes (user_id, purpose, code_hash, expires_at, attempts_left)
     SELECT user_id, 'confirm', code_hash, expires_at, attempts_left FROM email_codes;
   DROP TABLE email_codes;`,
  // Conversations (issue 11): one B-tree row per message, seq per conversation.
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
   INSERT INTO meta (key, value) VALUES ('epoch', lower(hex(randomblob(16))));
   CREATE TABLE conversations (
     id       INTEGER PRIMARY KEY,
     key      TEXT NOT NULL UNIQUE,
     kind     TEXT NOT NULL,
     last_seq INTEGER NOT NULL DEFAULT 0,
     last_at  INTEGER
   );
   CREATE TABLE conv_members (
     user_id       INTEGER NOT NULL,
     conv_id       INTEGER NOT NULL,
     delivered_seq INTEGER NOT NULL DEFAULT 0,
     read_seq      INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (user_id, conv_id)
   ) WITHOUT ROWID;
   CREATE INDEX conv_members_conv ON conv_members (conv_id);
   CREATE TABLE messages (
     conv_id   INTEGER NOT NULL,
     seq       INTEGER NOT NULL,
     sender_id INTEGER NOT NULL,
     text      TEXT NOT NULL,
     sent_at   INTEGER NOT NULL,
     client_id TEXT,
     PRIMARY KEY (conv_id, seq)
   ) WITHOUT ROWID;
   CREATE TABLE client_ids (
     sender_id INTEGER NOT NULL,
     client_id TEXT NOT NULL,
     conv_id   INTEGER NOT NULL,
     seq       INTEGER NOT NULL,
     at        INTEGER NOT NULL,
     delivered INTEGER NOT NULL
   );
   CREATE UNIQUE INDEX client_ids_key ON client_ids (sender_id, client_id);`,
  // Groups (issue 12): a group is a conversation with a name, a visibility and roles on its
  // members; bans and invitations beside them. #global is created here, public and owned by
  // nobody, and every active account joins it at its current position.
  `CREATE TABLE groups (
     conv_id    INTEGER PRIMARY KEY,
     name       TEXT NOT NULL UNIQUE,
     visibility TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   ALTER TABLE conv_members ADD COLUMN role TEXT;
   CREATE INDEX conv_members_role ON conv_members (user_id, role) WHERE role = 'owner';
   CREATE TABLE group_bans (
     conv_id INTEGER NOT NULL,
     user_id INTEGER NOT NULL,
     at      INTEGER NOT NULL,
     PRIMARY KEY (conv_id, user_id)
   ) WITHOUT ROWID;
   CREATE TABLE group_invites (
     conv_id INTEGER NOT NULL,
     user_id INTEGER NOT NULL,
     at      INTEGER NOT NULL,
     PRIMARY KEY (conv_id, user_id)
   ) WITHOUT ROWID;
   INSERT INTO conversations (key, kind) VALUES ('#global', 'group');
   INSERT INTO groups (conv_id, name, visibility, created_at)
     SELECT id, 'global', 'public', CAST(unixepoch('subsec') * 1000 AS INTEGER)
     FROM conversations WHERE key = '#global';
   INSERT INTO conv_members (user_id, conv_id, delivered_seq, read_seq, role)
     SELECT u.id, c.id, c.last_seq, c.last_seq, 'member' FROM users u, conversations c
     WHERE c.key = '#global' AND u.deleted_at IS NULL AND u.pending_until IS NULL;`,
  // ID login (issue 16): identities at OpenID Connect providers, one account each.
  `CREATE TABLE identities (
     issuer    TEXT NOT NULL,
     subject   TEXT NOT NULL,
     user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
     provider  TEXT NOT NULL,
     email     TEXT,
     linked_at INTEGER NOT NULL,
     PRIMARY KEY (issuer, subject)
   ) WITHOUT ROWID;
   CREATE INDEX identities_user ON identities (user_id);`,
  // One-time login codes of the web ID login (issue 16): hashes only, 60 s, taken once.
  `CREATE TABLE login_codes (
     code_hash    TEXT PRIMARY KEY,
     binding_hash TEXT NOT NULL,
     provider     TEXT NOT NULL,
     identity     TEXT NOT NULL,
     expires_at   INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX login_codes_expiry ON login_codes (expires_at);`,
];
