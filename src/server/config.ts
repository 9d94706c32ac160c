// The server's configuration: one zod schema with defaults, read from a JSON
// file, then SUPER_SERVER__SECTION__KEY environment variables, then flags.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { BrokerSection, NodeId } from './broker-config.ts';
import { IdentitySection, providerLevels } from './identity-config.ts';
import { LevelsSection } from './levels-config.ts';
import { parseCidr } from './security/addresses.ts';

/**
 * argon2 operations at once by default: one core fewer than the machine has
 * (at least 1, at most the 4 threads of libuv's pool). Hashing on every core
 * starves the event loop: on 2 cores, 4 at once made its lag p99 125 ms during
 * a login storm, 1 at once 14 ms (docs/benchmarks.md).
 */
export function defaultHashConcurrency(cores = availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1));
}

const seconds = z.number().positive().max(86_400);
const positiveCount = z.number().int().positive();

const ServerSection = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(12_345),
  data_dir: z.string().min(1).default('./data'),
  name: z.string().min(1).default('super-server'),
  shutdown_grace_s: seconds.default(4),
  // On a drain for a restart (SIGUSR2): how long /healthz answers 503 before the clients
  // are told, so a load balancer's health check notices first.
  drain_delay_s: z.number().min(0).max(3_600).default(0),
  // Server processes sharing the port (Node's cluster); 1 serves from this process.
  workers: z.number().int().min(1).max(64).default(1),
  // This node's name among several (broker.driver redis); random when not set.
  node_id: NodeId.optional(),
});

const MetricsSection = z.strictObject({
  enabled: z.boolean().default(false),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(9_464),
});

/** An origin as a browser sends it: scheme, host and port, nothing after. */
const OriginString = z.string().refine((o) => {
  try {
    return new URL(o).origin === o;
  } catch {
    return false;
  }
}, 'must be an origin like https://chat.example.com (scheme, host, port; no path)');

const HttpSection = z.strictObject({
  // The one HTTP listener: /ws, /healthz, /metrics and the web client.
  enabled: z.boolean().default(true),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(8_080),
  // The built web client; when missing, / says how to build it.
  web_dir: z.string().min(1).default('web/dist'),
  // The address browsers reach this server at (e.g. https://chat.example.com behind a proxy),
  // for the web ID login's redirect URI; unset: the page's own origin, as for /ws.
  public_url: OriginString.optional(),
  // Origins a browser may open /ws from; empty: the server's own origin only.
  allowed_origins: z.array(OriginString).default([]),
  // Peers whose X-Forwarded-For is believed (its first address); none by default.
  trusted_proxies: z
    .array(z.string().refine((c) => parseCidr(c) !== undefined, 'must be a CIDR like 10.0.0.0/8'))
    .default([]),
  // Serve /metrics on this listener (single process only; --workers sums them on metrics.port).
  metrics: z.boolean().default(true),
  // WebSocket upgrade requests in progress at once, and how long one may take.
  max_upgrades: positiveCount.default(64),
  upgrade_timeout_s: seconds.default(10),
});

const LogSection = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const SessionSection = z
  .strictObject({
    hello_ttl_s: seconds.default(120),
    heartbeat_interval_s: seconds.default(5),
    heartbeat_timeout_s: seconds.default(15),
    login_attempts: positiveCount.default(3),
    sessions_per_user: positiveCount.default(1),
    // What a login beyond sessions_per_user does: refuse it, or end the user's oldest session.
    on_conflict: z.enum(['refuse', 'replace']).default('refuse'),
  })
  .refine((s) => s.heartbeat_interval_s < s.heartbeat_timeout_s, {
    path: ['heartbeat_interval_s'],
    message: 'must be shorter than session.heartbeat_timeout_s',
  });

const LimitsSection = z.strictObject({
  max_frame_bytes: z.number().int().min(256).default(65_536),
  max_frame_bytes_before_login: z.number().int().min(256).default(4_096),
  max_connections: positiveCount.default(10_000),
  max_unauthenticated: positiveCount.default(1_000),
  max_unauthenticated_per_ip: positiveCount.default(8),
  user_capacity: positiveCount.default(10_000),
  send_queue_bytes: z.number().int().min(4_096).default(1_048_576),
  protocol_error_budget: positiveCount.default(10),
  inbox_frames: positiveCount.default(64),
  hash_concurrency: positiveCount.default(defaultHashConcurrency()),
  hash_queue: z.number().int().min(0).default(64),
  registrations_per_ip: positiveCount.default(3),
  registrations_per_ip_window_s: z.number().int().positive().default(3_600),
  registrations_global: positiveCount.default(30),
  registrations_global_window_s: z.number().int().positive().default(600),
  exempt_cidrs: z
    .array(z.string().refine((c) => parseCidr(c) !== undefined, 'must be a CIDR like 127.0.0.0/8'))
    .default(['127.0.0.0/8', '::1/128']),
});

const RateClass = z.strictObject({
  points: positiveCount,
  duration_s: z.number().int().positive(),
  burst_points: z.number().int().min(0),
  burst_duration_s: z.number().int().positive(),
});

const RateLimitsSection = z.strictObject({
  // About 100 a minute, up to 10 at once.
  chat: RateClass.default({ points: 5, duration_s: 3, burst_points: 5, burst_duration_s: 60 }),
  // About 10 a second, up to 20 at once.
  default: RateClass.default({ points: 10, duration_s: 1, burst_points: 10, burst_duration_s: 10 }),
  // Login-phase actions, per connection.
  auth: RateClass.default({ points: 10, duration_s: 60, burst_points: 0, burst_duration_s: 60 }),
  excess_disconnect_s: seconds.default(30),
});

const LoginSection = z.strictObject({
  backoff_after: positiveCount.default(5),
  backoff_initial_s: seconds.default(1),
  backoff_max_s: seconds.default(900),
  lock_after: positiveCount.default(100),
  ip_failures: positiveCount.default(20),
  ip_window_s: z.number().int().positive().default(600),
  ip_block_s: z.number().int().positive().default(600),
});

const PasswordSection = z
  .strictObject({
    min_length: z.number().int().min(1).max(128).default(8),
    max_length: z.number().int().min(8).max(1_024).default(128),
    reject_common: z.boolean().default(true),
  })
  .refine((p) => p.min_length <= p.max_length, {
    path: ['min_length'],
    message: 'must not exceed passwords.max_length',
  });

const AccountsSection = z.strictObject({
  require_email_confirmation: z.boolean().default(true),
  code_ttl_s: z.number().int().positive().default(900),
  code_attempts: positiveCount.default(5),
  pending_ttl_s: z
    .number()
    .int()
    .positive()
    .default(32 * 3_600),
  // How long a deleted account's username stays reserved, so nobody can take it over.
  deleted_name_hold_days: z.number().int().min(0).max(3_650).default(30),
  // Password reset requests (reset_password) per address and per account.
  resets_per_ip: positiveCount.default(5),
  resets_per_ip_window_s: z.number().int().positive().default(3_600),
  resets_per_account: positiveCount.default(3),
  resets_per_account_window_s: z.number().int().positive().default(3_600),
  // Who may make new accounts: anyone (create_user and ID login), only through ID login
  // (oidc_register), or nobody (the operator's `user add` only).
  registration: z.enum(['open', 'identity_only', 'closed']).default('open'),
});

const MailSection = z.strictObject({
  transport: z.enum(['log', 'smtp']).default('log'),
  from: z.string().min(3).default('super-server <no-reply@localhost>'),
  smtp_host: z.string().min(1).default('127.0.0.1'),
  smtp_port: z.number().int().min(1).max(65_535).default(25),
  smtp_secure: z.boolean().default(false),
  smtp_user: z.string().default(''),
  smtp_password: z.string().default(''),
});

const TlsSection = z
  .strictObject({
    cert_file: z.string().default(''),
    key_file: z.string().default(''),
    handshake_timeout_s: seconds.default(10),
  })
  .refine((t) => (t.cert_file === '') === (t.key_file === ''), {
    path: ['cert_file'],
    message: 'tls.cert_file and tls.key_file go together: set both or neither',
  });

const MessagesSection = z.strictObject({
  // Benchmark only: false keeps the old in-memory path (offline recipients get not_online).
  store: z.boolean().default(true),
  replay_limit: z.number().int().min(1).max(100_000).default(1_000),
  dedup_window_s: z
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .default(86_400),
  read_receipts: z.boolean().default(true),
  // 0 keeps messages forever.
  retention_days: z.number().int().min(0).max(36_500).default(0),
});

const GroupsSection = z.strictObject({
  // Groups one user may own at once.
  max_owned: z.number().int().min(0).max(10_000).default(20),
  // Members of one group (#global has no cap).
  max_members: z.number().int().min(2).max(10_000_000).default(10_000),
});

const StorageSection = z
  .strictObject({
    // sqlite: the file in server.data_dir; postgres: the database at postgres_url.
    driver: z.enum(['sqlite', 'postgres']).default('sqlite'),
    // SQLite only. normal: WAL + synchronous=NORMAL (survives kill -9); full: fsync per commit.
    sync: z.enum(['normal', 'full']).default('normal'),
    // postgres://user:password@host:port/database (a secret: never logged).
    postgres_url: z
      .string()
      .refine((u) => u === '' || /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// URL')
      .default(''),
    // Connections per server process.
    postgres_pool_max: z.number().int().min(1).max(1_000).default(10),
    // A statement without an answer for this long fails (server_busy) and its connection is
    // dropped: a hung database must not hold the node's commits forever.
    postgres_statement_timeout_s: z.number().min(1).max(3_600).default(15),
  })
  .refine((s) => s.driver !== 'postgres' || s.postgres_url !== '', {
    message: 'storage.driver postgres needs storage.postgres_url',
    path: ['postgres_url'],
  });

/** The whole configuration schema; every key has a default. */
export const ConfigSchema = z
  .strictObject({
    server: ServerSection.default(ServerSection.parse({})),
    log: LogSection.default(LogSection.parse({})),
    session: SessionSection.default(SessionSection.parse({})),
    limits: LimitsSection.default(LimitsSection.parse({})),
    levels: LevelsSection.default(LevelsSection.parse({})),
    passwords: PasswordSection.default(PasswordSection.parse({})),
    login: LoginSection.default(LoginSection.parse({})),
    rate_limits: RateLimitsSection.default(RateLimitsSection.parse({})),
    accounts: AccountsSection.default(AccountsSection.parse({})),
    mail: MailSection.default(MailSection.parse({})),
    tls: TlsSection.default(TlsSection.parse({})),
    metrics: MetricsSection.default(MetricsSection.parse({})),
    http: HttpSection.default(HttpSection.parse({})),
    messages: MessagesSection.default(MessagesSection.parse({})),
    storage: StorageSection.default(StorageSection.parse({})),
    groups: GroupsSection.default(GroupsSection.parse({})),
    broker: BrokerSection.default(BrokerSection.parse({})),
    identity: IdentitySection.default(IdentitySection.parse({})),
  })
  .refine((c) => c.broker.driver === 'memory' || c.server.workers === 1, {
    path: ['broker', 'driver'],
    message: 'redis runs one process per node: start several nodes instead of server.workers > 1',
  })
  .superRefine((c, ctx) => {
    const known = new Set(c.levels.order);
    for (const { path, level } of providerLevels(c.identity.providers)) {
      if (!known.has(level))
        ctx.addIssue({ code: 'custom', path, message: `"${level}" is not in levels.order` });
    }
  });

/** The validated, frozen configuration. */
export type Config = z.infer<typeof ConfigSchema>;

/** Raised for any invalid configuration; its message names the offending key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Tree = Record<string, unknown>;

/** The sources to merge, lowest precedence first. */
export interface ConfigSources {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Dotted keys from command-line flags, e.g. `{ 'server.port': 0 }`. */
  flags?: Record<string, unknown>;
}

const ENV_PREFIX = 'SUPER_SERVER__';

/** Loads, merges and validates the configuration; throws ConfigError naming the bad key. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const tree: Tree = sources.file ? readConfigFile(sources.file) : {};
  const secrets = new Map<string, string>();
  for (const [name, raw] of Object.entries(sources.env ?? {})) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    if (path.length === 3 && path[0] === 'identity' && path[1] === 'client_secret') {
      secrets.set(path[2] as string, raw);
      continue;
    }
    if (path.length !== 2 || path.some((p) => p === '')) {
      throw new ConfigError(`environment variable ${name}: expected ${ENV_PREFIX}SECTION__KEY`);
    }
    setPath(tree, path, parseEnvValue(raw));
  }
  for (const [dotted, value] of Object.entries(sources.flags ?? {})) {
    if (value !== undefined) setPath(tree, dotted.split('.'), value);
  }
  applyProviderSecrets(tree, secrets);
  const result = ConfigSchema.safeParse(tree);
  if (!result.success) {
    const lines = result.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `${[...issue.path, key].join('.')}: unknown key`);
      }
      return [`${issue.path.join('.') || '(root)'}: ${issue.message}`];
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return deepFreeze(result.data);
}

/** Puts SUPER_SERVER__IDENTITY__CLIENT_SECRET__<NAME> values on the providers they name. */
function applyProviderSecrets(tree: Tree, secrets: Map<string, string>): void {
  if (secrets.size === 0) return;
  const providers = (tree.identity as Tree | undefined)?.providers;
  const list = Array.isArray(providers) ? (providers as Tree[]) : [];
  for (const [name, secret] of secrets) {
    const provider = list.find((p) => typeof p === 'object' && p !== null && p.name === name);
    if (!provider) {
      throw new ConfigError(
        `environment variable ${ENV_PREFIX}IDENTITY__CLIENT_SECRET__${name.toUpperCase()}: no provider named "${name}" in identity.providers`,
      );
    }
    provider.client_secret = secret;
  }
}

function readConfigFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`config file ${file} must hold a JSON object`);
  }
  return value as Tree;
}

/** Environment values are JSON when they parse as JSON (numbers, lists), else plain strings. */
function parseEnvValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1] as string] = value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
