import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (src/**/*.test.ts); black-box protocol tests
// start the real server process (test/protocol/*.test.ts).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // Most files wait on the server processes they start, so three at once keep two
    // cores busy (vitest's default here is cores - 1 = 1: the whole suite in series).
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Servers that tests start (and their children inherit this) bind the HTTP
    // listener to a free port, not 8080: many run at once.
    env: { SUPER_SERVER__HTTP__PORT: '0' },
  },
});
