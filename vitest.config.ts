import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (src/**/*.test.ts); black-box protocol tests
// start the real server process (test/protocol/*.test.ts).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
