// Plays the user's browser at the test IdP with fetch and cookies, no browser needed:
// completeDeviceFlow fills the device flow's forms, browserLogin follows a code flow through
// the IdP's login and consent forms to the relying party's callback. Test only.

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
