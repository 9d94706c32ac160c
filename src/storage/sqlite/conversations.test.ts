import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConversationContract } from '../conversation-contract.ts';
import { directKey } from '../conversations.ts';
import { describeGroupContract } from '../group-contract.ts';
import { openSqliteStorage } from './sqlite-storage.ts';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'ss-conv-')), 'db', 'super-server.db');

describeConversationContract('sqlite file', async () => openSqliteStorage(tempDb()));

// A child process appending `n` messages to one conversation in batches of 10.
const WRITER = `
import { openSqliteStorage } from './src/storage/sqlite/sqlite-storage.ts';
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
    ['--import', 'tsx', '--input-type=module', '-e', WRITER, file, String(sender), String(n)],
    {
      cwd: join(import.meta.dirname, '../../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
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

describeGroupContract('sqlite file', async () => openSqliteStorage(tempDb()));
