// The connection pool under the PostgreSQL storage: bigints parsed to numbers, one
// transaction helper that retries deadlocks, and the errors of an unreachable database
// turned into StorageUnavailable (the client hears server_busy; the pool reconnects alone).
import pg from 'pg';
import { StorageUnavailable } from '../storage.ts';

/** How the PostgreSQL storage connects. */
export interface PostgresOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Connections in the pool (storage.postgres_pool_max). */
  poolMax?: number;
  /** How long a request waits for a connection before it fails (ms). */
  connectTimeoutMs?: number;
  /**
   * How long a statement may go unanswered (ms; storage.postgres_statement_timeout_s): then it
   * fails as unavailable and its connection is dropped. Not for migrations (on the pool).
   */
  statementTimeoutMs?: number;
  /** Told about a lost idle connection (the pool replaces it by itself). */
  onError?: (err: Error) => void;
}

/** What a statement runs on: the pool, or one transaction's client. */
export interface Queryable {
  /** Runs a statement; `name` makes it a prepared statement kept per connection. */
  q<R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
    name?: string,
  ): Promise<pg.QueryResult<R>>;
}

// Every int8 we store (ids, seqs, ms times, counts) is far below 2^53.
const INT8 = 20;
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** SQLSTATEs (and Node codes) of a database that is gone for now: down, restarting, full. */
const UNAVAILABLE = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
/**
 * Set on each new connection: every statement of the server finds its rows by an index
 * (a user's conversations, a batch's conversations and member rows). On small tables
 * PostgreSQL's costs prefer reading the whole table into a hash join, and under constant
 * updates those tables hold many dead row versions to step over (a one-message commit's
 * PostgreSQL CPU: 275 -> 238 µs interleaved, 425 -> 225 µs run back to back;
 * docs/benchmarks.md, "Stop 17"). Off, not forbidden: a statement with no usable index
 * still scans.
 */
const PLANNER = 'SET enable_seqscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off';
/**
 * Also set on each new connection: a named statement is planned once per connection. By
 * default PostgreSQL plans a statement with array parameters again at every call (its
 * estimate for the real array size always beats the generic one), and the per-turn ack
 * lookup spent three times its execution time planning (docs/benchmarks.md, "Stop 18").
 * With the settings above every generic plan is the index plan a custom one would pick.
 */
const GENERIC_PLANS = 'SET plan_cache_mode = force_generic_plan';
/** SQLSTATEs where running the transaction again is the cure. */
const RETRY = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 4;

/** True for pg's error when a statement went unanswered past its query_timeout. */
function isTimeout(err: unknown): boolean {
  return (err as Error)?.message === 'Query read timeout';
}

/** A StorageUnavailable for the errors of an unreachable database; others as they are. */
export function mapError(err: unknown): unknown {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? '';
  const message = e?.message ?? '';
  const gone =
    UNAVAILABLE.has(code) ||
    code.startsWith('08') ||
    /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed|Query read timeout/i.test(
      message,
    );
  if (!gone) return err;
  return new StorageUnavailable(`PostgreSQL is unreachable: ${message || code}`, { cause: err });
}

/** The pool and the two ways to use it. */
export class PgDb implements Queryable {
  readonly pool: pg.Pool;
  private readonly timeout: number;

  constructor(options: PostgresOptions) {
    this.timeout = options.statementTimeoutMs ?? 15_000;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      application_name: 'super-server',
      types: TYPES,
    });
    // An idle connection lost (server restart): without a listener this would crash the process.
    this.pool.on('error', (err) => options.onError?.(err));
    // Queued on the new connection before anything else; a failure leaves the defaults (and a
    // broken connection fails its first real statement all the same).
    this.pool.on('connect', (client) => {
      client.query(`${PLANNER}; ${GENERIC_PLANS}`).catch(() => {});
    });
  }

  async q<R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
    name?: string,
  ): Promise<pg.QueryResult<R>> {
    // Not pool.query: that drops the connection after ANY error, and an expected one (a
    // unique violation the append path answers) would cost a new backend each time.
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapError(err);
    }
    let broken: Error | undefined;
    try {
      return await client.query<R>(this.statement(text, values, name));
    } catch (err) {
      const mapped = mapError(err);
      // A connection that timed out or failed is dropped; a statement's error keeps it.
      if (isTimeout(err) || mapped !== err) broken = err as Error;
      throw mapped;
    } finally {
      client.release(broken);
    }
  }

  /**
   * q() for one statement that may deadlock with a transaction (it is its own transaction:
   * no BEGIN and COMMIT round trips), run again on a deadlock or serialization failure.
   */
  async retrying<R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values: readonly unknown[],
    name: string,
  ): Promise<pg.QueryResult<R>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.q<R>(text, values, name);
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (!RETRY.has(code) || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  /**
   * Runs `work` in one transaction (READ COMMITTED), committing when it resolves and rolling
   * back when it throws; a deadlock or serialization failure runs it again (bounded).
   */
  async tx<T>(work: (t: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        throw mapError(err);
      }
      const t: Queryable = {
        q: (text, values, name) => client.query(this.statement(text, values, name)),
      };
      let broken: Error | undefined;
      try {
        await client.query(this.statement('BEGIN'));
        const result = await work(t);
        await client.query(this.statement('COMMIT'));
        return result;
      } catch (err) {
        if (isTimeout(err)) {
          // The connection still waits for the unanswered statement: a ROLLBACK would wait
          // behind it. Dropping the connection ends the transaction on the server.
          broken = err as Error;
        } else {
          await client.query(this.statement('ROLLBACK')).catch((e: Error) => {
            broken = e;
          });
        }
        const code = (err as { code?: string }).code ?? '';
        if (!RETRY.has(code) || attempt >= MAX_ATTEMPTS || broken) throw mapError(err);
      } finally {
        // A connection whose ROLLBACK failed is dropped, not reused.
        client.release(broken);
      }
    }
  }

  /** A statement's config, with the statement timeout. */
  private statement(text: string, values?: readonly unknown[], name?: string): pg.QueryConfig {
    return {
      text,
      values: values as unknown[],
      name,
      query_timeout: this.timeout,
    } as pg.QueryConfig;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
