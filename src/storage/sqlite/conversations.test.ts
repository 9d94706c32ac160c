import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DIST_DIR } from '../../../test/programs.ts';
import { describeConversationContract } from '../conversation-contract.ts';
import { directKey, type NewMessage } from '../conversations.ts';
import { describeGroupContract } from '../group-contract.ts';
import { describeLoginCodeContract } from '../login-code-contract.ts';
import { openSqliteStorage } from './sqlite-storage.ts';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'ss-conv-')), 'db', 'super-server.db');

describeConversationContract('sqlite file', async () => openSqliteStorage(tempDb()));

// The compiled module (test/global-setup.ts builds it from this source): no tsx per child.
const COMPILED = pathToFileURL(join(DIST_DIR, 'storage/sqlite/sqlite-storage.js')).href;
// A child process appending `n` messages to one conversation in batches of 10.
const WRITER = `
import { openSqliteStorage } from ${JSON.stringify(COMPILED)};
const [file, sender, n] = process.argv.slice(1);
const s = openSqliteStorage(file);
const seqs = [];
for (let i = 0; i < Number(n); i += 10) {
  const batch = Array.from({ length: 10 }, (_, j) => ({
    key: 'dm:00001:00002', kind: 'direct', members: [1, 2], senderId: Number(sender),
    text: sender + ':' + (i + j), sentAt: Date.now(), clientId: null, delivered: false }));
  for (const r of await s.conversations.append(batch, 0)) seqs.push(r.seq);
}
await s.close();
process.stdout.write(JSON.stringify(seqs));
`;

function writer(file: string, sender: number, n: number): Promise<number[]> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', WRITER, file, String(sender), String(n)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer exited ${code}`)),
    ),
  );
}

describe('SQLite conversations across processes', () => {
  it('keeps seq gapless and ordered with two processes writing one conversation', async () => {
    const file = tempDb();
    await openSqliteStorage(file).close();
    const [one, two] = await Promise.all([writer(file, 1, 500), writer(file, 2, 500)]);
    for (const seqs of [one, two]) {
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    }
    const all = [...(one ?? []), ...(two ?? [])].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
    const s = openSqliteStorage(file);
    const conv = await s.conversations.findConversation(directKey(1, 2));
    expect(conv?.lastSeq).toBe(1_000);
    const page = await s.conversations.history(conv?.id as number, null, 1_000);
    expect(page.messages.map((m) => m.seq)).toEqual(all);
    await s.close();
  });
});

describe('SQLite conversations: the seqs kept between appends', () => {
  const message = (sender: number, text: string): NewMessage => ({
    key: directKey(1, 2),
    kind: 'direct',
    members: [1, 2],
    senderId: sender,
    text,
    sentAt: 1_000,
    clientId: null,
    delivered: false,
  });

  it('leaves no gap after an append that failed and was rolled back', async () => {
    const s = openSqliteStorage(tempDb());
    const c = s.conversations;
    expect((await c.append([message(1, 'one')], 0)).map((r) => r.seq)).toEqual([1]);
    // The second message breaks a NOT NULL constraint after the first was given seq 2.
    const broken = { ...message(1, 'never'), text: null as unknown as string };
    await expect(c.append([message(1, 'lost'), broken], 0)).rejects.toThrow(/NOT NULL/);
    expect((await c.append([message(2, 'two')], 0)).map((r) => r.seq)).toEqual([2]);
    const conv = await c.findConversation(directKey(1, 2));
    const page = await c.history(conv?.id as number, null, 10);
    expect(page.messages.map((m) => [m.seq, m.text])).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    await s.close();
  });

  it('reads the seq again when another connection appended in between', async () => {
    const file = tempDb();
    const one = openSqliteStorage(file);
    const two = openSqliteStorage(file);
    const seqs: number[] = [];
    for (let i = 0; i < 6; i++) {
      const s = i % 3 === 0 ? two : one;
      for (const r of await s.conversations.append([message(1, `m${i}`), message(2, `n${i}`)], 0)) {
        seqs.push(r.seq);
      }
    }
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const conv = await one.conversations.findConversation(directKey(1, 2));
    expect(conv?.lastSeq).toBe(12);
    await one.close();
    await two.close();
  });
});

describeGroupContract('sqlite file', async () => openSqliteStorage(tempDb()));
describeLoginCodeContract('sqlite file', async () => openSqliteStorage(tempDb()));
