// A real OpenID Connect identity provider for tests: test/services/idp-server.ts (panva's
// oidc-provider) as a separate process on 127.0.0.1, with its control switches; and (from
// idp-browser.ts) the helpers that play the user's browser. Test only.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { IDP_CLIENTS } from './idp-users.ts';

export {
  type BrowseResult,
  browserLogin,
  CookieJar,
  completeDeviceFlow,
  type UserChoices,
} from './idp-browser.ts';
export { IDP_CLIENTS, testUserClaims } from './idp-users.ts';

const SCRIPT = fileURLToPath(new URL('./idp-server.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/** How the test IdP spoils the next ID token it issues. */
export type TamperMode = 'forged' | 'expired' | 'wrong_aud' | 'wrong_nonce' | 'wrong_iss';

/** Options for startIdp. */
export interface IdpOptions {
  /** seconds a device code lives (default 600) */
  deviceTtlS?: number;
  /** the device flow's polling interval it announces, seconds (default 1) */
  intervalS?: number;
  /** listen on this port (default: a free one) */
  port?: number;
}

/** Counters the test IdP keeps. */
export interface IdpStats {
  token_requests: number;
  device_authorizations: number;
  tamper_pending: boolean;
}

/** A running test IdP. */
export interface IdpService {
  issuer: string;
  port: number;
  /** A provider entry for the server's identity.providers (the confidential client). */
  providerConfig(name?: string, extra?: Record<string, unknown>): Record<string, unknown>;
  /** The NEXT token response carries an ID token spoiled this way. */
  tamper(mode: TamperMode): Promise<void>;
  /** The next token requests fail with these OAuth errors, in order (e.g. slow_down). */
  failTokenRequests(errors: string[]): Promise<void>;
  /** From now on the ID tokens of `login` carry these claims over the rule-based ones (null removes one). */
  setClaims(login: string, claims: Record<string, unknown>): Promise<void>;
  /** The next device authorization hands out the previous (already used) device code again. */
  replayDeviceCode(): Promise<void>;
  stats(): Promise<IdpStats>;
  /** Freezes the process (SIGSTOP): connections are accepted by the kernel but never answered. */
  pause(): void;
  /** Lets a paused IdP run again (SIGCONT). */
  resume(): void;
  /** Kills the process (the IdP is down); restart() brings it back on the same port. */
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/** Starts the test IdP; call stop() in afterAll. */
export async function startIdp(opts: IdpOptions = {}): Promise<IdpService> {
  let child: ChildProcess | undefined;
  let port = opts.port ?? 0;
  let issuer = '';
  const launch = async () => {
    const args = ['--import', 'tsx', SCRIPT, '--port', String(port)];
    if (opts.deviceTtlS !== undefined) args.push('--device-ttl', String(opts.deviceTtlS));
    if (opts.intervalS !== undefined) args.push('--interval', String(opts.intervalS));
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const ready = await readReadyLine(proc);
    port = ready.port;
    issuer = ready.issuer;
  };
  await launch();
  const control = async (path: string, body: unknown = {}) => {
    const res = await fetch(`${issuer}/__test/${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`test IdP control ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<unknown>;
  };
  return {
    get issuer() {
      return issuer;
    },
    get port() {
      return port;
    },
    providerConfig(name = 'testidp', extra = {}) {
      return {
        name,
        label: 'Test IdP',
        issuer,
        client_id: IDP_CLIENTS.confidential.id,
        client_secret: IDP_CLIENTS.confidential.secret,
        allow_insecure_loopback: true,
        ...extra,
      };
    },
    tamper: async (mode) => void (await control('tamper', { mode })),
    failTokenRequests: async (errors) => void (await control('token-errors', { errors })),
    setClaims: async (login, claims) => void (await control('claims', { login, claims })),
    replayDeviceCode: async () => void (await control('replay-device-code')),
    stats: async () => (await control('stats')) as IdpStats,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async stop() {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      });
    },
    restart: launch,
  };
}

function readReadyLine(proc: ChildProcess): Promise<{ issuer: string; port: number }> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`test IdP did not start within ${START_TIMEOUT_MS} ms: ${err}`));
    }, START_TIMEOUT_MS);
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString('utf8');
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`test IdP exited (${code}) before listening: ${err}`));
    });
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { issuer: string; port: number });
      }
    });
  });
}

/** Starts the test IdP before the tests of the calling scope and stops it after; returns it. */
export function useIdp(opts: IdpOptions = {}): () => IdpService {
  let idp: IdpService | undefined;
  beforeAll(async () => {
    idp = await startIdp(opts);
  });
  afterAll(async () => {
    await idp?.stop();
  });
  return () => {
    if (!idp) throw new Error('the test IdP is not started');
    return idp;
  };
}
