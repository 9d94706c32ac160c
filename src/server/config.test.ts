import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultHashConcurrency, loadConfig } from './config.ts';

function file(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ss-config-')), 'config.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('defaultHashConcurrency', () => {
  it('leaves one core to the event loop, at least 1 and at most 4', () => {
    expect([1, 2, 3, 4, 8, 64].map((cores) => defaultHashConcurrency(cores))).toEqual([
      1, 1, 2, 3, 4, 4,
    ]);
    expect(loadConfig().limits.hash_concurrency).toBe(defaultHashConcurrency());
  });
});

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig();
    expect(c.server).toMatchObject({ host: '127.0.0.1', port: 12_345, data_dir: './data' });
    expect(c.session).toEqual({
      hello_ttl_s: 120,
      heartbeat_interval_s: 5,
      heartbeat_timeout_s: 15,
      login_attempts: 3,
      sessions_per_user: 1,
      on_conflict: 'refuse',
    });
    expect(c.limits).toMatchObject({
      max_frame_bytes: 65_536,
      max_frame_bytes_before_login: 4_096,
      max_connections: 10_000,
      max_unauthenticated: 1_000,
      max_unauthenticated_per_ip: 8,
      user_capacity: 10_000,
      send_queue_bytes: 1_048_576,
      protocol_error_budget: 10,
    });
    expect(c.levels).toEqual({
      order: ['basic', 'admin'],
      default: 'basic',
      grants: { admin: ['admin', 'basic'] },
    });
    expect(Object.isFrozen(c.limits)).toBe(true);
  });

  it('layers file, then environment, then flags', () => {
    const c = loadConfig({
      file: file({ server: { port: 1000, host: '127.0.0.2' }, session: { hello_ttl_s: 30 } }),
      env: {
        SUPER_SERVER__SERVER__PORT: '2000',
        SUPER_SERVER__LEVELS__ORDER: '["basic","moderator","admin"]',
        OTHER: 'ignored',
      },
      flags: { 'server.port': 3000 },
    });
    expect(c.server.port).toBe(3000);
    expect(c.server.host).toBe('127.0.0.2');
    expect(c.session.hello_ttl_s).toBe(30);
    expect(c.levels.order).toEqual(['basic', 'moderator', 'admin']);
  });

  it('has the stored-message defaults and names a bad storage.sync', () => {
    const c = loadConfig();
    expect(c.messages).toEqual({
      store: true,
      replay_limit: 1_000,
      dedup_window_s: 86_400,
      read_receipts: true,
      retention_days: 0,
    });
    expect(c.storage).toEqual({
      driver: 'sqlite',
      sync: 'normal',
      postgres_url: '',
      postgres_pool_max: 10,
      postgres_statement_timeout_s: 15,
    });
    expect(loadConfig({ flags: { 'storage.sync': 'full' } }).storage.sync).toBe('full');
    expect(() => loadConfig({ flags: { 'storage.sync': 'sometimes' } })).toThrow(/storage\.sync/);
    expect(() => loadConfig({ flags: { 'messages.retention_days': -1 } })).toThrow(
      /messages\.retention_days/,
    );
  });

  it('picks PostgreSQL storage only with a postgres:// URL, and bounds its pool', () => {
    const url = 'postgres://app:secret@127.0.0.1:5432/chat';
    const c = loadConfig({ flags: { 'storage.driver': 'postgres', 'storage.postgres_url': url } });
    expect(c.storage).toMatchObject({
      driver: 'postgres',
      postgres_url: url,
      postgres_pool_max: 10,
    });
    expect(() => loadConfig({ flags: { 'storage.driver': 'postgres' } })).toThrow(
      /storage\.postgres_url: storage\.driver postgres needs/,
    );
    expect(() => loadConfig({ flags: { 'storage.driver': 'mysql' } })).toThrow(/storage\.driver/);
    expect(() => loadConfig({ flags: { 'storage.postgres_url': 'mysql://x' } })).toThrow(
      /storage\.postgres_url/,
    );
    expect(() => loadConfig({ flags: { 'storage.postgres_statement_timeout_s': 0 } })).toThrow(
      /storage\.postgres_statement_timeout_s/,
    );
    expect(() => loadConfig({ flags: { 'storage.postgres_pool_max': 0 } })).toThrow(
      /storage\.postgres_pool_max/,
    );
    const env = { SUPER_SERVER__STORAGE__POSTGRES_POOL_MAX: '25' };
    expect(loadConfig({ env }).storage.postgres_pool_max).toBe(25);
  });

  it('accepts fractional seconds', () => {
    const c = loadConfig({
      flags: { 'session.heartbeat_interval_s': 0.2, 'session.heartbeat_timeout_s': 0.5 },
    });
    expect(c.session).toMatchObject({ heartbeat_interval_s: 0.2, heartbeat_timeout_s: 0.5 });
  });

  it('names the key of an invalid value', () => {
    expect(() => loadConfig({ file: file({ limits: { max_connections: 'lots' } }) })).toThrow(
      /limits\.max_connections/,
    );
    expect(() => loadConfig({ env: { SUPER_SERVER__SESSION__LOGIN_ATTEMPTS: '0' } })).toThrow(
      /session\.login_attempts/,
    );
  });

  it('refuses a heartbeat interval that is not shorter than the timeout', () => {
    expect(() =>
      loadConfig({
        flags: { 'session.heartbeat_interval_s': 15, 'session.heartbeat_timeout_s': 15 },
      }),
    ).toThrow(/session\.heartbeat_interval_s/);
  });

  it('refuses unknown keys, naming them', () => {
    expect(() => loadConfig({ file: file({ limits: { max_conections: 5 } }) })).toThrow(
      /max_conections/,
    );
    expect(() => loadConfig({ file: file({ nonsense: {} }) })).toThrow(ConfigError);
  });

  it('refuses levels that do not line up', () => {
    expect(() => loadConfig({ flags: { 'levels.default': 'guest' } })).toThrow(/levels\.default/);
    expect(() => loadConfig({ flags: { 'levels.grants': { admin: ['root'] } } })).toThrow(
      /levels\.grants/,
    );
  });

  it('says once that the default grants need a level levels.order lacks', () => {
    const message = () => {
      try {
        loadConfig({ flags: { 'levels.order': ['basic', 'moderator'] } });
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    const lines = message().split('\n').slice(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^ {2}levels\.grants: not set, and the default grants .* name "admin"/,
    );
    expect(lines[0]).toContain('set levels.grants when you change levels.order');
    // Set, they must name known levels; each unknown one is named once.
    expect(() =>
      loadConfig({ flags: { 'levels.grants': { admin: ['admin', 'root', 'root'] } } }),
    ).toThrow(/levels\.grants\.admin: "root" not in levels\.order$/);
  });

  it('says when the default level is not in levels.order', () => {
    const order = ['guest', 'admin'];
    expect(() => loadConfig({ flags: { 'levels.order': order } })).toThrow(
      /levels\.default: not set, and its default "basic" is not in levels\.order/,
    );
    const c = loadConfig({
      flags: { 'levels.order': order, 'levels.default': 'guest', 'levels.grants': {} },
    });
    expect(c.levels).toEqual({ order, default: 'guest', grants: {} });
  });

  it('explains an unreadable or malformed file', () => {
    expect(() => loadConfig({ file: '/nonexistent/config.json' })).toThrow(
      /cannot read config file/,
    );
    expect(() => loadConfig({ file: file('{not json') })).toThrow(/not valid JSON/);
  });
});

describe('loadConfig: the broker', () => {
  it('defaults to the memory broker and a random node id', () => {
    const c = loadConfig();
    expect(c.broker).toEqual({
      driver: 'memory',
      redis_url: 'redis://127.0.0.1:6379',
      redis_prefix: 'ss:',
      heartbeat_timeout_s: 15,
    });
    expect(c.server.node_id).toBeUndefined();
  });

  it('takes redis, its URL, prefix, lease and a node id from file, environment and flags', () => {
    const c = loadConfig({
      file: file({ broker: { driver: 'redis', heartbeat_timeout_s: 5 } }),
      env: { SUPER_SERVER__BROKER__REDIS_URL: 'redis://10.0.0.5:6380/2' },
      flags: { 'server.node_id': 'eu-1', 'broker.redis_prefix': 'chat:' },
    });
    expect(c.broker).toEqual({
      driver: 'redis',
      redis_url: 'redis://10.0.0.5:6380/2',
      redis_prefix: 'chat:',
      heartbeat_timeout_s: 5,
    });
    expect(c.server.node_id).toBe('eu-1');
  });

  it('names a bad driver, URL, node id or lease', () => {
    expect(() => loadConfig({ flags: { 'broker.driver': 'kafka' } })).toThrow(/broker\.driver:/);
    expect(() => loadConfig({ flags: { 'broker.redis_url': 'http://x' } })).toThrow(
      /broker\.redis_url: must be a redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(() => loadConfig({ flags: { 'server.node_id': 'a b' } })).toThrow(/server\.node_id:/);
    expect(() => loadConfig({ flags: { 'broker.heartbeat_timeout_s': 0.5 } })).toThrow(
      /broker\.heartbeat_timeout_s:/,
    );
  });

  it('refuses the redis broker with several workers (one process per node)', () => {
    expect(() => loadConfig({ flags: { 'broker.driver': 'redis', 'server.workers': 2 } })).toThrow(
      /broker\.driver: redis runs one process per node/,
    );
  });
});
