// The web client's colours against WCAG 2.x AA, in the light and the dark scheme: every text
// colour on every background it is shown on at least 4.5:1, the focus ring and the failed
// outline (non-text) at least 3:1. The colours are read from web/src/style.css itself.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const CSS = fs.readFileSync(new URL('../../web/src/style.css', import.meta.url), 'utf8');

/** The custom properties of the first `:root { … }` block in `css`. */
function customProperties(css: string): Record<string, string> {
  const block = /:root\s*{([^}]*)}/.exec(css)?.[1] ?? '';
  const props: Record<string, string> = {};
  for (const m of block.matchAll(/--([\w-]+)\s*:\s*(#[0-9a-fA-F]{6})\s*;/g)) {
    props[m[1] as string] = (m[2] as string).toLowerCase();
  }
  return props;
}

/** WCAG relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** The WCAG contrast ratio of two colours (1 to 21). */
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Text colours and the backgrounds style.css shows them on (its rules, read by hand). */
const TEXT_PAIRS: Array<[string, string]> = [
  ...['bg', 'panel', 'theirs', 'mine'].flatMap(
    (bg): Array<[string, string]> => [
      ['fg', bg],
      ['muted', bg], // .meta under each message, .day, .conv-last, .muted
    ],
  ),
  ['error', 'bg'], // [role=alert]
  ['accent-fg', 'accent'], // buttons, the unread badge
  ['warn-fg', 'warn-bg'], // the offline banner
];

/** Non-text colours that must stand out (WCAG 1.4.11): the focus ring, the failed outline. */
const UI_PAIRS: Array<[string, string]> = [
  ['accent', 'bg'],
  ['accent', 'panel'],
  ['error', 'mine'],
];

const darkCss = CSS.slice(CSS.indexOf('prefers-color-scheme: dark'));
const schemes = { light: customProperties(CSS), dark: customProperties(darkCss) };

describe('web client colours (WCAG AA)', () => {
  it('computes contrast ratios as WCAG defines them', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(contrast('#ffffff', '#ffffff')).toBe(1);
  });

  for (const [name, props] of Object.entries(schemes)) {
    it(`${name}: every colour the pairs use is defined`, () => {
      for (const [fg, bg] of [...TEXT_PAIRS, ...UI_PAIRS]) {
        expect(props[fg], `--${fg}`).toMatch(/^#[0-9a-f]{6}$/);
        expect(props[bg], `--${bg}`).toMatch(/^#[0-9a-f]{6}$/);
      }
    });

    it(`${name}: text at least 4.5:1, focus and outlines at least 3:1`, () => {
      const low: string[] = [];
      const check = (pairs: Array<[string, string]>, min: number) => {
        for (const [fg, bg] of pairs) {
          const ratio = contrast(props[fg] ?? '#000000', props[bg] ?? '#000000');
          if (ratio < min) low.push(`--${fg} on --${bg}: ${ratio.toFixed(2)} < ${min}`);
        }
      };
      check(TEXT_PAIRS, 4.5);
      check(UI_PAIRS, 3);
      expect(low).toEqual([]);
    });
  }
});
