// How the identity commands' replies look: identities (one line each), link (one-shot), unlink.
import type { Style } from './style.ts';

type Str = (v: unknown) => string;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The text for `identities`, `link` and `unlink`, or undefined for other commands. */
export function formatIdentityReply(
  command: string,
  args: string[],
  data: unknown,
  s: Style,
  str: Str,
): string | undefined {
  if (command === 'link' && isObject(data)) {
    return `your ${s.bold(str(data.linked))} identity is now tied to this account`;
  }
  if (command === 'unlink')
    return `your ${s.bold(str(args[0]))} identity is no longer tied to this account`;
  if (command !== 'identities') return undefined;
  const list = Array.isArray(data) ? data : isObject(data) ? data.identities : undefined;
  if (!Array.isArray(list)) return undefined;
  if (list.length === 0) {
    return 'no identity provider is tied to your account (link <provider> ties one)';
  }
  const rows = list.filter(isObject);
  const width = Math.max(...rows.map((r) => str(r.provider).length));
  const lines = rows.map((r) => {
    const email = typeof r.email === 'string' ? `  ${str(r.email)}` : '';
    const since = typeof r.linked_at === 'string' ? `  since ${str(r.linked_at).slice(0, 10)}` : '';
    return `  ${s.bold(str(r.provider).padEnd(width))}${email}${since}  ${s.dim(`(${str(r.issuer)}, subject ${str(r.subject)})`)}`;
  });
  const n = rows.length;
  return [`${n} identit${n === 1 ? 'y' : 'ies'} tied to your account:`, ...lines].join('\n');
}
