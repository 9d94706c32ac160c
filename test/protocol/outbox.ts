// Reading the development outbox (data/dev-outbox.jsonl) the way a user on a
// development server reads their email.
import fs from 'node:fs';
import path from 'node:path';
import { pollUntil } from './util.ts';

/** One mail the server wrote to the outbox. */
export interface OutboxMail {
  to: string;
  subject: string;
  text: string;
}

/** Every mail to `email` in the outbox of `dataDir`, oldest first. */
export function mailsTo(dataDir: string, email: string): OutboxMail[] {
  const file = path.join(dataDir, 'dev-outbox.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as OutboxMail)
    .filter((m) => m.to === email);
}

/** The six-digit code in a mail's text, if any. */
export function codeIn(text: string): string | undefined {
  return /\b(\d{6})\b/.exec(text)?.[1];
}

/**
 * Waits up to 3 s for the `count`th mail to `email` and returns the code in the
 * last one; fails when none comes or it has no code (or lacks `word`).
 */
export async function outboxCode(
  dataDir: string,
  email: string,
  count = 1,
  word?: string,
): Promise<string> {
  const arrived = await pollUntil(async () => mailsTo(dataDir, email).length >= count, 3_000);
  if (!arrived) throw new Error(`no mail to ${email} in the outbox`);
  const text = mailsTo(dataDir, email).at(-1)?.text ?? '';
  const code = codeIn(text);
  if (!code || (word !== undefined && !text.includes(word))) {
    throw new Error(`no ${word ?? ''} code in ${text}`);
  }
  return code;
}
