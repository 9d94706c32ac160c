import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorReply, JsonText, MAX_DEPTH, okReply, parseRequest, replyLine } from './envelope.ts';
import { ActionError } from './errors.ts';

function code(text: string): string | undefined {
  const r = parseRequest(text);
  return r.ok ? undefined : r.error.code;
}

/** Wraps `inner` in `levels` arrays inside data (the envelope is depth 1, data depth 2). */
function nested(levels: number): string {
  return `{"action":"ping","tag":"t","data":${'['.repeat(levels)}${']'.repeat(levels)}}`;
}

describe('parseRequest', () => {
  it('accepts a well-formed request and defaults data to []', () => {
    expect(parseRequest('{"action":"ping","tag":"1"}')).toEqual({
      ok: true,
      request: { action: 'ping', tag: '1', data: [], token: undefined },
    });
  });

  it('ignores unknown extra fields', () => {
    const r = parseRequest('{"action":"ping","tag":"1","data":[],"extra":{"x":1}}');
    expect(r.ok).toBe(true);
  });

  it('answers bad_json for invalid JSON and for JSON that is not an object', () => {
    for (const text of ['{', 'nope', '[1]', '"x"', '3', 'null'])
      expect(code(text)).toBe('bad_json');
  });

  it('answers bad_request for a malformed envelope, echoing a readable tag', () => {
    expect(code('{"tag":"1"}')).toBe('bad_request');
    expect(code('{"action":"ping"}')).toBe('bad_request');
    expect(code('{"action":"ping","tag":""}')).toBe('bad_request');
    expect(code(`{"action":"ping","tag":"${'x'.repeat(65)}"}`)).toBe('bad_request');
    expect(code('{"action":"ping","tag":5}')).toBe('bad_request');
    expect(code('{"action":"ping","tag":"1","data":{}}')).toBe('bad_request');
    expect(code('{"action":"ping","tag":"1","token":7}')).toBe('bad_request');
    const r = parseRequest('{"action":"ping","tag":"keep","data":"x"}');
    expect(r.ok ? null : r.tag).toBe('keep');
  });

  it('counts tag length in code points, not UTF-16 units', () => {
    const emoji = (n: number) => '\u{1F600}'.repeat(n);
    const r = parseRequest(JSON.stringify({ action: 'ping', tag: emoji(33) }));
    expect(r.ok && r.request.tag).toBe(emoji(33));
    expect(parseRequest(JSON.stringify({ action: 'ping', tag: emoji(64) })).ok).toBe(true);
    expect(code(JSON.stringify({ action: 'ping', tag: emoji(65) }))).toBe('bad_request');
    expect(code(JSON.stringify({ action: 'ping', tag: `${emoji(64)}x` }))).toBe('bad_request');
  });

  it('refuses prototype-polluting keys at any depth', () => {
    expect(code('{"action":"ping","tag":"1","__proto__":{}}')).toBe('bad_request');
    expect(code('{"action":"ping","tag":"1","data":[{"constructor":1}]}')).toBe('bad_request');
    expect(code('{"action":"ping","tag":"1","data":[{"a":{"prototype":1}}]}')).toBe('bad_request');
  });

  it('allows nesting depth 8 and refuses depth 9', () => {
    expect(code(nested(7))).toBeUndefined();
    expect(code(nested(8))).toBe('bad_request');
  });
});

describe('replyLine', () => {
  it('gives the bytes of JSON.stringify for any reply, templated data included', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string(), { nil: null }),
        fc.jsonValue(),
        fc.boolean(),
        (tag, data, templated) => {
          const reply = okReply(
            tag as string,
            templated ? new JsonText(JSON.stringify(data)) : data,
          );
          const generic = JSON.stringify({ tag, ok: true, data: JSON.parse(JSON.stringify(data)) });
          expect(replyLine(reply)).toBe(`${generic}\n`);
          expect(`${JSON.stringify(reply)}\n`).toBe(replyLine(reply));
        },
      ),
    );
  });

  it('serialises error replies whole', () => {
    const reply = errorReply('t"1', new ActionError('rate_limited', 'slow down', 250));
    expect(replyLine(reply)).toBe(`${JSON.stringify(reply)}\n`);
  });
});

/** The stack-based check parseRequest used before, as the reference for which fault is named. */
function referenceShape(root: object): string | null {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_DEPTH) return `nesting deeper than ${MAX_DEPTH}`;
    if (Array.isArray(node)) {
      for (const item of node) stack.push([item, depth + 1]);
      continue;
    }
    for (const key of Object.keys(node)) {
      if (['__proto__', 'constructor', 'prototype'].includes(key))
        return `key "${key}" is not allowed`;
      stack.push([(node as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return null;
}

describe('parseRequest shape check', () => {
  it('names the same fault as the stack-based check for frames with several', () => {
    const key = fc.constantFrom('a', 'b', '__proto__', 'constructor', 'prototype', 'x');
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: 'medium', withCrossShrink: true },
        fc.integer(),
        fc.array(tie('tree'), { maxLength: 3 }),
        fc.dictionary(key, tie('tree'), { maxKeys: 3 }),
      ),
    }));
    fc.assert(
      fc.property(fc.array(tree, { maxLength: 3 }), (data) => {
        const text = `{"action":"ping","tag":"t","data":${JSON.stringify(data)}}`;
        const parsed = parseRequest(text);
        const expected = referenceShape(JSON.parse(text));
        expect(parsed.ok ? null : parsed.error.message).toBe(expected);
      }),
      { numRuns: 3_000 },
    );
  });
});
