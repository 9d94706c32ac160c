// Command-line parsing of the terminal client: names, aliases, quoting, rest arguments, raw actions.
import { describe, expect, it } from 'vitest';
import { commandNames, findCommand, usage } from './commands.ts';
import { parseAddress, parseArgv, parseLine, rawInputs, tokenize, whoInputs } from './parse.ts';

describe('parseLine', () => {
  it('takes the rest of the line as the text of reply', () => {
    const parsed = parseLine('reply  fine,  thanks "you"');
    expect(parsed).toMatchObject({ kind: 'command', spec: { name: 'reply' } });
    expect((parsed as { args: string[] }).args).toEqual(['fine,  thanks "you"']);
  });

  it('finds commands by friendly name, seed action name and wire alias, any case', () => {
    for (const [typed, name] of [
      ['who', 'who'],
      ['show_online_users', 'who'],
      ['WHO', 'who'],
      ['message_user bob hi', 'msg'],
      ['get_id', 'id'],
      ['get_permission_level', 'level'],
      ['change_permission_level bob admin', 'setlevel'],
      ['kill_server maintenance', 'kill'],
      ['veus', 'login'],
      ['create_user', 'register'],
      ['logout', 'exit'],
    ]) {
      const p = parseLine(typed as string);
      expect(p.kind, typed).toBe('command');
      if (p.kind === 'command') expect(p.spec.name, typed).toBe(name);
    }
  });

  it('keeps the rest of the line verbatim as message text', () => {
    const p = parseLine('msg bob   hello,   "world"  ');
    expect(p).toMatchObject({ kind: 'command', args: ['bob', 'hello,   "world"'] });
  });

  it('unquotes a rest argument that is one quoted word', () => {
    expect(parseLine('msg bob "hi there"')).toMatchObject({ args: ['bob', 'hi there'] });
    expect(parseLine("kill 'planned maintenance'")).toMatchObject({
      args: ['planned maintenance'],
    });
  });

  it('needs no quoting for apostrophes: an unclosed quote is an ordinary character', () => {
    expect(parseLine("msg bob it's fine")).toMatchObject({ args: ['bob', "it's fine"] });
  });

  it('reports missing and extra arguments with the usage line', () => {
    const missing = parseLine('msg bob');
    expect(missing.kind).toBe('usage');
    if (missing.kind === 'usage') {
      expect(missing.message).toContain('usage: msg <user|#group> <text…>');
    }
    const extra = parseLine('whois bob carol');
    expect(extra.kind).toBe('usage');
    if (extra.kind === 'usage') expect(extra.message).toContain('too many arguments');
  });

  it('refuses a password typed on the login line', () => {
    const p = parseLine('login alice secret-pass');
    expect(p.kind).toBe('usage');
    if (p.kind === 'usage') expect(p.message).toContain('asks for the password');
  });

  it('takes login --id <provider> for ID login, and nothing else after a username', () => {
    expect(parseLine('login --id keycloak')).toMatchObject({
      kind: 'command',
      args: ['--id', 'keycloak'],
    });
    const bare = parseLine('login --id');
    expect(bare.kind).toBe('usage');
    if (bare.kind === 'usage') {
      expect(bare.message).toBe('--id needs a provider; usage: login [username | --id <provider>]');
    }
    expect(parseLine('login --id keycloak extra').kind).toBe('usage');
    expect(parseLine('login alice').kind).toBe('command');
    expect(parseLine('identities')).toMatchObject({ kind: 'command', args: [] });
    expect(parseLine('link keycloak')).toMatchObject({ kind: 'command', args: ['keycloak'] });
    expect(parseLine('unlink_identity google')).toMatchObject({ args: ['google'] });
    expect(parseLine('link').kind).toBe('usage');
  });

  it('never sends an unknown word: it is an unknown command, answered locally', () => {
    for (const word of ['clear', 'new_thing', '/frob', '/']) {
      expect(parseLine(`${word} 42 "two words"`)).toEqual({
        kind: 'unknown',
        word,
        message: `unknown command: ${word} (try help)`,
      });
    }
  });

  it('takes a leading slash as IRC users type it: /msg, /quit, /help', () => {
    expect(parseLine('/msg bob hi there')).toMatchObject({
      kind: 'command',
      spec: { name: 'msg' },
      args: ['bob', 'hi there'],
    });
    for (const [typed, name] of [
      ['/quit', 'quit'],
      ['/HELP', 'help'],
      ['/who', 'who'],
      ['/whois bob', 'whois'],
    ]) {
      expect(parseLine(typed as string)).toMatchObject({ kind: 'command', spec: { name } });
    }
  });

  it('passes the JSON of raw through as typed, quotes and all', () => {
    expect(parseLine('raw who [10,"a"]')).toMatchObject({
      kind: 'command',
      spec: { name: 'raw' },
      args: ['who', '[10,"a"]'],
    });
    expect(parseLine('raw message_user ["admin","x"]')).toMatchObject({
      args: ['message_user', '["admin","x"]'],
    });
    expect(parseLine('raw message_user ["a b",  "c"]')).toMatchObject({
      args: ['message_user', '["a b",  "c"]'],
    });
    // Quoted as a whole, like in a shell: the quotes go, the JSON inside stays.
    expect(parseLine(`raw who '[10,"a"]'`)).toMatchObject({ args: ['who', '[10,"a"]'] });
    expect(rawInputs('[10,"a"]')).toEqual([10, 'a']);
  });

  it('knows the account commands and their seed names', () => {
    for (const [typed, name] of [
      ['passwd', 'passwd'],
      ['change_password', 'passwd'],
      ['forgot', 'forgot'],
      ['reset_password', 'forgot'],
      ['delete-account', 'delete-account'],
      ['delete_account', 'delete-account'],
      ['ban bob spamming the lobby', 'ban'],
      ['unban bob', 'unban'],
      ['whois bob', 'whois'],
      ['info bob', 'whois'],
      ['user_info bob', 'whois'],
      ['confirm bob 123456', 'confirm'],
    ]) {
      expect(parseLine(typed as string), typed).toMatchObject({ kind: 'command', spec: { name } });
    }
    expect(parseLine('ban bob spamming the lobby')).toMatchObject({
      args: ['bob', 'spamming the lobby'],
    });
    expect(parseLine('ban bob')).toMatchObject({ kind: 'command', args: ['bob'] });
    expect(parseLine('whois').kind).toBe('usage');
  });

  it('treats a blank line as empty', () => {
    expect(parseLine('   ')).toEqual({ kind: 'empty' });
  });
});

describe('parseArgv', () => {
  it('joins the remaining words into a rest argument', () => {
    expect(parseArgv(['msg', 'bob', 'hello', 'there'])).toMatchObject({
      kind: 'command',
      args: ['bob', 'hello there'],
    });
  });

  it('refuses unknown commands instead of sending them', () => {
    expect(parseArgv(['frobnicate', '1', 'a b'])).toMatchObject({
      kind: 'unknown',
      word: 'frobnicate',
    });
    expect(parseArgv(['raw', 'who', '[10,"a"]'])).toMatchObject({ args: ['who', '[10,"a"]'] });
  });

  it('reports usage errors', () => {
    expect(parseArgv(['setlevel', 'bob']).kind).toBe('usage');
    expect(parseArgv([])).toEqual({ kind: 'empty' });
  });
});

describe('tokenize', () => {
  it('handles double-quote escapes and glued quotes', () => {
    expect(tokenize('a "b \\"c\\"" d"e f"').map((t) => t.value)).toEqual(['a', 'b "c"', 'de f']);
  });
});

describe('helpers', () => {
  it('parses host[:port] with defaults', () => {
    const d = { host: '127.0.0.1', port: 12345 };
    expect(parseAddress(undefined, d)).toEqual(d);
    expect(parseAddress('example.org', d)).toEqual({ host: 'example.org', port: 12345 });
    expect(parseAddress('example.org:99', d)).toEqual({ host: 'example.org', port: 99 });
    expect(parseAddress(':4000', d)).toEqual({ host: '127.0.0.1', port: 4000 });
    expect(parseAddress('4000', d)).toEqual({ host: '127.0.0.1', port: 4000 });
    expect(parseAddress('[::1]:5', d)).toEqual({ host: '::1', port: 5 });
    expect(parseAddress('::1', d)).toEqual({ host: '::1', port: 12345 });
    expect(() => parseAddress('h:70000', d)).toThrow(/invalid port/);
    expect(() => parseAddress('h:abc', d)).toThrow(/invalid port/);
  });

  it('checks who inputs', () => {
    expect(whoInputs([])).toEqual({});
    expect(whoInputs(['10', 'bob'])).toEqual({ limit: 10, after: 'bob' });
    expect(() => whoInputs(['ten'])).toThrow(/whole number/);
    expect(() => whoInputs(['0'])).toThrow(/whole number/);
  });

  it('parses raw JSON inputs', () => {
    expect(rawInputs(undefined)).toEqual([]);
    expect(rawInputs('[10, "bob"]')).toEqual([10, 'bob']);
    expect(() => rawInputs('{"a":1}')).toThrow(/JSON array/);
    expect(() => rawInputs('[oops')).toThrow(/JSON array/);
  });

  it('lists names for completion and usage lines', () => {
    expect(commandNames()).toContain('who');
    expect(commandNames()).toContain('show_online_users');
    expect(commandNames()).not.toContain('listen');
    expect(commandNames('script')).not.toContain('login');
    expect(usage(findCommand('setlevel') ?? COMMAND_MISSING())).toBe('setlevel <user> <level>');
    expect(usage(findCommand('who') ?? COMMAND_MISSING())).toBe('who [limit] [after]');
  });
});

function COMMAND_MISSING(): never {
  throw new Error('command missing');
}
