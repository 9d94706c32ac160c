import { describe, expect, it } from 'vitest';
import { event } from '../../protocol/envelope.ts';
import { systemRandom } from '../clock.ts';
import { messageFrame, messageId } from './messages.ts';

describe('messageFrame', () => {
  it('is byte for byte what JSON.stringify of the event gives, whatever the text', () => {
    const texts = [
      'hello',
      'quote " backslash \\ slash /',
      'line\nbreak\ttab\r\u0000\u001f',
      'ünïcödé 日本語 🎉 \u2028\u2029',
      '</script><!--',
      'lone surrogate \ud800 end',
    ];
    for (const text of texts) {
      const id = messageId(1_795_000_000_000, systemRandom);
      const data = { id, from: 'Al.ice-1', to: 'b_ob', text, sent_at: '2026-11-24T18:00:00.000Z' };
      const frame = messageFrame(id, data.from, data.to, text, data.sent_at);
      expect(frame).toBe(`${JSON.stringify(event('message', 'chat', data))}\n`);
      expect(JSON.parse(frame).data.text).toBe(text);
    }
  });
});

describe('messageId', () => {
  it('sorts by time and does not repeat', () => {
    const ids = new Set<string>();
    let last = '';
    for (let t = 0; t < 2_000; t++) {
      const id = messageId(1_795_000_000_000 + t, systemRandom);
      expect(id).toMatch(/^m_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(id.slice(0, 12) >= last.slice(0, 12)).toBe(true);
      ids.add(id);
      last = id;
    }
    expect(ids.size).toBe(2_000);
  });
});
