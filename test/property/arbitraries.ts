// The generators of model-test commands, weighted by how often each step should occur.
import fc from 'fast-check';
import { ChangeLevel, Disconnect, Login, Message, Register, Who } from './commands.ts';
import type { Level, Model } from './model.ts';
import type { World } from './world.ts';

type Cmd = fc.AsyncCommand<Model, World>;

const n = fc.nat({ max: 999 });

/** Message text: mostly ordinary, some any-code-point, some at or past the length limits. */
const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(4_001), '😀'.repeat(4_000), ' ') },
);

/** A message command; listed twice below, as messages are the most common step. */
const message = fc
  .tuple(
    n,
    fc.constantFrom('online', 'online', 'online', 'offline', 'unknown', 'malformed'),
    n,
    fc.boolean(),
    text,
  )
  .map(([f, k, t, flip, s]) => new Message(f, k as 'online', t, flip, s));

/** The command arbitraries, weighted by repetition. */
export const COMMANDS: Array<fc.Arbitrary<Cmd>> = [
  fc
    .tuple(fc.constantFrom('ok', 'ok', 'ok', 'weak', 'taken') as fc.Arbitrary<'ok'>, n)
    .map(([v, i]) => new Register(v, i)),
  fc
    .tuple(fc.constantFrom('right', 'right', 'wrong', 'unknown') as fc.Arbitrary<'right'>, n)
    .chain(([k, i]) => fc.boolean().map((f) => new Login(k, i, f))),
  message,
  message,
  n.map((i) => new Who(i)),
  fc
    .tuple(
      fc.boolean(),
      n,
      fc.constantFrom('user', 'user', 'user', 'self', 'unknown') as fc.Arbitrary<'user'>,
      n,
      fc.constantFrom('admin', 'basic', 'owner') as fc.Arbitrary<Level>,
    )
    .map(([root, a, k, t, l]) => new ChangeLevel(root, a, k, t, l)),
  fc
    .tuple(n, fc.constantFrom('logout', 'close') as fc.Arbitrary<'logout'>)
    .map(([i, mode]) => new Disconnect(i, mode)),
];
