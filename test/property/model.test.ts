// Model-based property test: random sequences of register, login, message, who, level
// changes and disconnects against the real server process, checked step by step against
// a model of who is online, each user's level and what each live session was sent.
// Reproduce a failure with FC_SEED=<seed> (and FC_PATH=<path> to replay the shrunk case).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { cleanup, type ServerHandle, startServer } from '../protocol/harness.ts';
import { COMMANDS } from './arbitraries.ts';
import { Register } from './commands.ts';
import { initialModel, ROOT } from './model.ts';
import { TALLY, World } from './world.ts';

const SEED = Number(process.env.FC_SEED ?? 424_242);
const NUM_RUNS = Number(process.env.FC_RUNS ?? 25);
const PRELUDE_USERS = 2;
const MAX_COMMANDS = 25;

describe('model-based property: the server agrees with the model', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({
      users: [{ username: ROOT.name, password: ROOT.password, email: ROOT.email, level: 'admin' }],
      config: {
        // Backoff after failed logins depends on wall time, which the model does not
        // keep; throttling has its own tests (test/protocol/cases/throttling.case.ts).
        login: { backoff_after: 1_000, lock_after: 1_000 },
        // Sessions idle through a slow run must not time out.
        session: { heartbeat_timeout_s: 300 },
        limits: { max_unauthenticated_per_ip: 1_000 },
      },
    });
  });
  afterAll(cleanup);

  it('random command sequences keep replies, who and deliveries as the model says', async () => {
    let run = 0;
    const property = fc.asyncProperty(
      fc.commands(COMMANDS, { maxCommands: MAX_COMMANDS, size: 'max' }),
      async (cmds) => {
        run++;
        const world = new World(server.port);
        await world.start();
        try {
          const model = initialModel(`p${run}_`);
          // Two users online before the random steps, so even short runs have peers.
          for (let i = 0; i < PRELUDE_USERS; i++) await new Register('ok', 0).run(model, world);
          await fc.asyncModelRun(() => ({ model, real: world }), cmds);
          await world.checkpoint(model, ROOT.name);
        } finally {
          await world.stop();
        }
      },
    );
    const started = Date.now();
    try {
      await fc.assert(property, {
        seed: SEED,
        numRuns: NUM_RUNS,
        path: process.env.FC_PATH,
        interruptAfterTimeLimit: 100_000,
      });
    } catch (err) {
      console.error(`model test failed with seed ${SEED} (rerun: FC_SEED=${SEED})`);
      throw err;
    }
    console.info(`model test: ${run} runs in ${Date.now() - started} ms, seed ${SEED}`);
    console.info(`checked replies: ${JSON.stringify(TALLY)}`);
  }, 150_000);
});
