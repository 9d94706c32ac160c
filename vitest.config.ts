import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (src/**/*.test.ts); black-box protocol tests
// start the real server process (test/protocol/*.test.ts).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // Builds dist/ when src/ is newer: the tests start the compiled programs (test/programs.ts).
    globalSetup: ['test/global-setup.ts'],
    // One file at a time (vitest's default on 2 cores): three at once starved the
    // server and CLI processes the files start (then each through tsx) into timeouts.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Servers that tests start (and their children inherit this) bind the HTTP
    // listener to a free port, not 8080: many run at once.
    env: { SUPER_SERVER__HTTP__PORT: '0' },
  },
});
