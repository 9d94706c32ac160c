// The history file: its path, loading and saving, and lines that must never be kept.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { historyPath, isSecretLine, loadHistory, saveHistory } from './history.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('history', () => {
  it('lives in the home directory unless SUPER_CLIENT_HISTORY says otherwise', () => {
    expect(historyPath({}, '/home/x')).toBe('/home/x/.super-client_history');
    expect(historyPath({ SUPER_CLIENT_HISTORY: '/tmp/h' }, '/home/x')).toBe('/tmp/h');
    for (const off of ['', 'off', '0']) {
      expect(historyPath({ SUPER_CLIENT_HISTORY: off }, '/home/x')).toBeUndefined();
    }
  });

  it('round-trips newest-first lines through an owner-only file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'super-client-hist-'));
    dirs.push(dir);
    const file = path.join(dir, 'h');
    expect(loadHistory(file)).toEqual([]);
    saveHistory(file, ['who', 'ping']);
    expect(fs.readFileSync(file, 'utf8')).toBe('ping\nwho\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadHistory(file)).toEqual(['who', 'ping']);
    expect(loadHistory(undefined)).toEqual([]);
  });

  it('never keeps a login or register line that carries more than a username', () => {
    expect(isSecretLine('login alice hunter2-long')).toBe(true);
    expect(isSecretLine('veus alice pw')).toBe(true);
    expect(isSecretLine('raw veus ["alice","pw"]')).toBe(true);
    expect(isSecretLine('login alice')).toBe(false);
    expect(isSecretLine('login --id keycloak')).toBe(false);
    expect(isSecretLine('login --id keycloak hunter2-long')).toBe(true);
    expect(isSecretLine('msg bob login a b')).toBe(false);
    expect(isSecretLine('confirm alice 123456')).toBe(true);
    expect(isSecretLine('confirm alice')).toBe(false);
    expect(isSecretLine('raw change_password ["old-one","new-one"]')).toBe(true);
    expect(isSecretLine('raw reset_password_confirm ["a","123456","pw"]')).toBe(true);
    expect(isSecretLine('raw delete_account ["pw"]')).toBe(true);
  });
});
