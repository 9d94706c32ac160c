// Fuzz run: 100,000+ random and mutated frames through the framer and dispatcher of an
// in-process server on real SQLite. Nothing may throw, every server frame must be a
// well-formed reply or event, none may carry a password or another connection's token,
// and afterwards the server must still log a fresh client in.
// Reproduce with FUZZ_SEED=<seed>; FUZZ_FRAMES sets the count.
import { afterAll, describe, expect, it } from 'vitest';
import { FuzzRun } from './driver.ts';
import { fuzzSeed } from './rng.ts';
import { errorLogs, tempDb } from './server-harness.ts';

const SEED = fuzzSeed(0x5eed_f00d);
const FRAMES = Number(process.env.FUZZ_FRAMES ?? 100_000);
/** Frames allowed to reach argon2 (veus / create_user with a live hello token). */
const HASH_BUDGET = 200;

/** Collects uncaught exceptions and unhandled rejections while installed. */
function trapProcessErrors(): { problems: string[]; remove: () => void } {
  const problems: string[] = [];
  const onError = (err: unknown) => problems.push(`uncaught: ${(err as Error)?.stack ?? err}`);
  const onRejection = (err: unknown) =>
    problems.push(`unhandled rejection: ${(err as Error)?.stack ?? err}`);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onRejection);
  return {
    problems,
    remove: () => {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onRejection);
    },
  };
}

describe('fuzz: frames through the framer and dispatcher', () => {
  const db = tempDb();
  afterAll(db.remove);

  it(`survives ${FRAMES} random and mutated frames (seed ${SEED})`, async () => {
    const trap = trapProcessErrors();
    const run = new FuzzRun(SEED, db.file, HASH_BUDGET, FRAMES);
    const started = Date.now();
    try {
      await run.setup();
      await run.run(Math.floor(FRAMES / 2));
      const busy = await run.hashBurst(80);
      await run.run(FRAMES - Math.floor(FRAMES / 2));
      await run.settle();
      const ms = Date.now() - started;
      console.info(
        `fuzz seed ${SEED}: ${run.steps} frames in ${ms} ms ` +
          `(${Math.round((run.steps * 1000) / ms)}/s), ${run.audit.frames} server frames, ` +
          `${run.relogins} harness logins, ${run.restarts} restarts, ` +
          `${run.hashed}/${HASH_BUDGET} frames reached argon2`,
      );
      console.info(`replies: ${JSON.stringify(Object.fromEntries(run.audit.codes))}`);
      expect(busy, 'logins refused server_busy in a burst of 80').toBeGreaterThanOrEqual(1);
      expect(await run.freshLoginAndPing(), 'fresh login and ping').toBe('pong');
      await run.hangUpAll();
      expect(run.server.services.sessions.size, 'sessions left after every client left').toBe(0);
    } catch (err) {
      console.error(`fuzz failed with seed ${SEED} (rerun: FUZZ_SEED=${SEED})`);
      throw err;
    } finally {
      trap.remove();
      await run.server.shutdown('fuzz over', null);
    }
    expect(trap.problems, `seed ${SEED}`).toEqual([]);
    expect(run.audit.violations, `seed ${SEED}: ${run.audit.problems} problems`).toEqual([]);
    expect(errorLogs, `seed ${SEED}: server error logs`).toEqual([]);
    expect(run.audit.internal, `seed ${SEED}: internal replies`).toBe(0);
    expect(run.steps).toBeGreaterThanOrEqual(FRAMES);
  }, 120_000);
});
