// Reading stored conversations page by page: history backwards, and the conversation list.
import type { ChatMessage, Conversation, ConversationPage, HistoryPage } from './types.ts';

/** Sends one request and resolves with its data (Client.call). */
type Call = (action: string, data: unknown[]) => Promise<unknown>;

/** The largest history page the server sends. */
export const MAX_HISTORY_PAGE = 200;

/** Options of Client.history(). */
export interface HistoryOptions {
  /** messages per request (default 100, at most 200) */
  pageSize?: number;
  /** start below this seq (exclusive; default: below the newest) */
  beforeSeq?: number;
}

/**
 * Every message of `conv`, newest first (descending seq), fetched `pageSize` at a time as the
 * loop asks for more; stop early with `break`.
 */
export async function* historyBackwards(
  call: Call,
  conv: string,
  opts: HistoryOptions = {},
): AsyncGenerator<ChatMessage, void, undefined> {
  const size = Math.min(MAX_HISTORY_PAGE, Math.max(1, opts.pageSize ?? 100));
  let before: number | null = opts.beforeSeq ?? null;
  for (;;) {
    const page = (await call('history', [conv, before, size])) as HistoryPage;
    const messages = page.messages;
    for (let i = messages.length - 1; i >= 0; i--) yield messages[i] as ChatMessage;
    const oldest = messages[0];
    if (!page.more || oldest === undefined) return;
    before = oldest.seq;
  }
}

/** Every conversation of the user, most recent activity first, `pageSize` per request. */
export async function* allConversations(
  call: Call,
  pageSize = 100,
): AsyncGenerator<Conversation, void, undefined> {
  const size = Math.max(1, pageSize);
  let after: string | undefined;
  let seen = 0;
  for (;;) {
    const data = after === undefined ? [size] : [size, after];
    const page = (await call('conversations', data)) as ConversationPage;
    for (const c of page.conversations) yield c;
    seen += page.conversations.length;
    const last = page.conversations[page.conversations.length - 1];
    if (last === undefined || page.conversations.length < size || seen >= page.total) return;
    after = last.conv;
  }
}
