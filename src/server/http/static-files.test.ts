import { describe, expect, it } from 'vitest';
import { safeRelativePath } from './static-files.ts';

describe('safeRelativePath', () => {
  it('maps plain paths under the root, / and directories to index.html', () => {
    expect(safeRelativePath('/')).toBe('index.html');
    expect(safeRelativePath('/assets/app-1a2b.js?v=1#x')).toBe('assets/app-1a2b.js');
    expect(safeRelativePath('/docs/')).toBe('docs/index.html');
    expect(safeRelativePath('/caf%C3%A9.txt')).toBe('café.txt');
  });

  it.each([
    '/../x',
    '/a/../../x',
    '/%2e%2e/x',
    '/%2E%2e%2fx',
    '/..%2f..%2fx',
    '/./x',
    '/a\\..\\x',
    '/a%5c..%5cx',
    '/x%00.js',
    '//etc/passwd',
    'etc/passwd',
    'http://host/x',
    '*',
    '/%E0%A4%A',
  ])('refuses %s', (target) => {
    expect(safeRelativePath(target)).toBeUndefined();
  });
});
