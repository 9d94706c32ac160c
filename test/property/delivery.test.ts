// Property test of section C (CONVERSATIONS.md) against the real server process: random
// send / group send / leave and join the group / ack / drop / login / restart (kill -9 or
// graceful, on the same data directory) sequences of three users who start as the members
// of one group. Checked against the model at every step: each ok'd message
// reaches its recipient at least once, in seq order per conversation within a session,
// never twice within one session, and a new session gets again everything above the
// acked cursor and nothing at or below it. Reproduce with FC_SEED=<seed> FC_PATH=<path>.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { cleanup, type ServerHandle, startServer } from '../protocol/harness.ts';
import {
  Ack,
  Drop,
  JoinGroup,
  LeaveGroup,
  Login,
  Restart,
  Send,
  SendGroup,
} from './delivery-commands.ts';
import { type DeliveryModel, newModel } from './delivery-model.ts';
import { DELIVERY_CONFIG, DeliveryWorld } from './delivery-world.ts';

const SEED = Number(process.env.FC_SEED ?? 110_011);
const NUM_RUNS = Number(process.env.FC_RUNS ?? 20);
const MAX_COMMANDS = 18;
const USERS = 3;

type Cmd = fc.AsyncCommand<DeliveryModel, DeliveryWorld>;
const n = fc.nat({ max: 99 });
const send = fc
  .tuple(n, n, fc.string({ minLength: 1, maxLength: 12 }))
  .map(([f, t, text]) => new Send(f, t, text));
const sendGroup = fc
  .tuple(n, fc.string({ minLength: 1, maxLength: 12 }))
  .map(([f, text]) => new SendGroup(f, text));
const COMMANDS: Array<fc.Arbitrary<Cmd>> = [
  send,
  send,
  send,
  sendGroup,
  sendGroup,
  n.map((u) => new LeaveGroup(u)),
  n.map((u) => new JoinGroup(u)),
  fc.tuple(n, n).map(([u, i]) => new Ack(u, i)),
  fc.tuple(n, n).map(([u, i]) => new Ack(u, i)),
  n.map((u) => new Drop(u)),
  n.map((u) => new Login(u)),
  n.map((u) => new Login(u)),
  fc.constantFrom('kill', 'stop').map((how) => new Restart(how as 'kill')),
];

describe('section C property: delivery at least once, in order, across drops and restarts', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({ config: DELIVERY_CONFIG });
  });
  afterAll(cleanup);

  it('random send / ack / drop / login / restart sequences keep the promise', async () => {
    let run = 0;
    const property = fc.asyncProperty(
      fc.commands(COMMANDS, { maxCommands: MAX_COMMANDS, size: 'max' }),
      async (cmds) => {
        run++;
        const users = Array.from({ length: USERS }, (_, i) => `dl${run}x${i}`);
        const model = newModel(users);
        const world = new DeliveryWorld(server);
        try {
          for (const user of users) await world.register(model, user);
          await world.group(model, `#dg${run}`);
          await fc.asyncModelRun(() => ({ model, real: world }), cmds);
          await world.finish(model);
        } finally {
          world.close();
          server = world.server;
        }
      },
    );
    const started = Date.now();
    try {
      await fc.assert(property, {
        seed: SEED,
        numRuns: NUM_RUNS,
        path: process.env.FC_PATH,
        endOnFailure: true,
      });
    } catch (err) {
      console.error(`delivery property failed with seed ${SEED} (rerun: FC_SEED=${SEED})`);
      throw err;
    }
    console.info(`delivery property: ${run} runs in ${Date.now() - started} ms, seed ${SEED}`);
  }, 240_000);
});
