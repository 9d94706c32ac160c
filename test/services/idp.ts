// A real OpenID Connect identity provider for tests: test/services/idp-server.ts (panva's
// oidc-provider) as a separate process on 127.0.0.1, plus helpers that play the user's browser
// with fetch and cookies: completeDeviceFlow fills the device flow's forms, browserLogin follows
// a code flow through the IdP's login and consent forms. Test only.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IDP_CLIENTS } from './idp-users.ts';

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

/** A browser's cookies, per host:port and path. */
export class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string; host: string }>();

  /** Stores the Set-Cookie headers of a response to `url`. */
  store(url: URL, res: Response): void {
    for (const header of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = header.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const pathAttr = attrs.find((a) => a.toLowerCase().startsWith('path='));
      const path = pathAttr ? pathAttr.slice(5) : '/';
      const expired = attrs.some(
        (a) => /^expires=thu, 01 jan 1970/i.test(a) || /^max-age=0$/i.test(a),
      );
      const key = `${url.host} ${path} ${name}`;
      if (expired || value === '') this.cookies.delete(key);
      else this.cookies.set(key, { value, path, host: url.host });
    }
  }

  /** The Cookie header for a request to `url`. */
  header(url: URL): string {
    const out: string[] = [];
    for (const [key, c] of this.cookies) {
      if (c.host === url.host && url.pathname.startsWith(c.path))
        out.push(`${key.split(' ')[2]}=${c.value}`);
    }
    return out.join('; ');
  }
}

/** Where a walk through the IdP's pages ended. */
export interface BrowseResult {
  /** the last URL fetched */
  url: string;
  status: number;
  body: string;
  /** every URL fetched, in order */
  visited: string[];
}

/** How the simulated user answers the IdP's pages. */
export interface UserChoices {
  /** the login typed into the IdP's sign-in form */
  login: string;
  /** abort at the device confirmation (or consent) instead of accepting */
  deny?: boolean;
  /** the browser's cookies (a fresh jar by default); pass one to act as the same browser */
  jar?: CookieJar;
}

/** Plays the user who opens verification_uri_complete, signs in and confirms the device. */
export async function completeDeviceFlow(
  verificationUriComplete: string,
  user: UserChoices,
): Promise<BrowseResult> {
  const result = await browse(
    verificationUriComplete,
    user,
    new URL(verificationUriComplete).origin,
  );
  const done = user.deny ? /interrupted|aborted/i : /Sign-in Success/;
  if (!done.test(result.body)) {
    throw new Error(
      `device flow did not finish as expected at ${result.url} (${result.status}): ${result.body.slice(0, 400)}`,
    );
  }
  return result;
}

/**
 * Plays a browser that opens `startUrl` (e.g. the server's /oidc/<provider>/start), follows
 * redirects and fills the IdP's forms; stops at the first page that is not the IdP's and not
 * a redirect (normally what the server's callback answers).
 */
export function browserLogin(
  startUrl: string,
  idpIssuer: string,
  user: UserChoices,
): Promise<BrowseResult> {
  return browse(startUrl, user, new URL(idpIssuer).origin);
}

interface Form {
  id: string;
  action: string;
  fields: Record<string, string>;
  html: string;
}

async function browse(
  startUrl: string,
  user: UserChoices,
  idpOrigin: string,
): Promise<BrowseResult> {
  const jar = user.jar ?? new CookieJar();
  const visited: string[] = [];
  let request: { url: string; form?: Record<string, string> } = { url: startUrl };
  for (let step = 0; step < 40; step++) {
    const url = new URL(request.url);
    visited.push(url.href);
    const headers: Record<string, string> = { cookie: jar.header(url) };
    let body: string | undefined;
    if (request.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(request.form).toString();
    }
    const res = await fetch(url, {
      method: request.form ? 'POST' : 'GET',
      headers,
      body,
      redirect: 'manual',
    });
    jar.store(url, res);
    const text = await res.text();
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      request = { url: new URL(location, url).href };
      continue;
    }
    const done = { url: url.href, status: res.status, body: text, visited };
    if (url.origin !== idpOrigin) return done;
    const next = answerPage(text, url, user);
    if (!next) return done;
    request = next;
  }
  throw new Error(`browsing from ${startUrl} did not end after 40 pages: ${visited.join(' → ')}`);
}

/** What the user does on one IdP page, or undefined when the page asks for nothing. */
function answerPage(
  html: string,
  url: URL,
  user: UserChoices,
): { url: string; form?: Record<string, string> } | undefined {
  const forms = parseForms(html);
  const target = (f: Form) => new URL(f.action || url.href, url).href;
  const login = forms.find((f) => f.fields.prompt === 'login');
  if (login)
    return { url: target(login), form: { ...login.fields, login: user.login, password: 'any' } };
  const consent = forms.find((f) => f.fields.prompt === 'consent');
  if (consent) {
    if (!user.deny) return { url: target(consent), form: consent.fields };
    const abort = /href="([^"]*\/abort)"/.exec(html)?.[1];
    return abort ? { url: new URL(unescapeHtml(abort), url).href } : undefined;
  }
  const confirm = forms.find((f) => f.id === 'op.deviceConfirmForm');
  if (confirm) {
    const { confirm: _yes, ...rest } = confirm.fields;
    return { url: target(confirm), form: user.deny ? { ...rest, abort: 'yes' } : confirm.fields };
  }
  // oidc-provider's self-submitting pages (form_post): submit the hidden fields as they are.
  const auto = forms.find((f) => /document\.forms\[0\]\.submit/.test(html) && f.action);
  if (auto) return { url: target(auto), form: auto.fields };
  return undefined;
}

function parseForms(html: string): Form[] {
  const forms: Form[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = m[1] ?? '';
    const inner = m[2] ?? '';
    const fields: Record<string, string> = {};
    for (const input of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const name = attribute(input[1] ?? '', 'name');
      if (name !== undefined) fields[name] = attribute(input[1] ?? '', 'value') ?? '';
    }
    forms.push({
      id: attribute(attrs, 'id') ?? '',
      action: attribute(attrs, 'action') ?? '',
      fields,
      html: inner,
    });
  }
  return forms;
}

function attribute(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(attrs);
  return m ? unescapeHtml(m[1] ?? '') : undefined;
}

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
