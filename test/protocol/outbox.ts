// Reading the development outbox (data/dev-outbox.jsonl) the way a user on a
// development server reads their email.
import fs from 'node:fs';
import path from 'node:path';

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
