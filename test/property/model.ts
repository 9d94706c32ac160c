// The model the property test checks the real server against: users, levels, who is online.

/** A permission level the model knows; 'owner' is a level the config does not have. */
export type Level = 'basic' | 'admin';

/** One account as the model sees it. */
export interface UserModel {
  name: string;
  password: string;
  level: Level;
  online: boolean;
  /** The seeded admin: always online during a run and never a level-change target. */
  root: boolean;
}

/** The whole model for one run. */
export interface Model {
  /** Fresh-name prefix for this run, so runs on one server never share a user. */
  prefix: string;
  users: UserModel[];
  /** Counter for fresh usernames within the run. */
  next: number;
}

/** A password that passes the policy (long, not common, contains no username). */
export const GOOD_PASSWORD = 'Tq7!long-pass-XY';

/** The seeded admin every run logs in first. */
export const ROOT = { name: 'root_admin', password: 'Zeta-Pw!9x-long', email: 'root@example.com' };

/** A fresh model for a run: only the seeded admin, online. */
export function initialModel(prefix: string): Model {
  return {
    prefix,
    next: 0,
    users: [{ name: ROOT.name, password: ROOT.password, level: 'admin', online: true, root: true }],
  };
}

/** The online users, in the server's order (by lower-cased username). */
export function onlineNames(m: Readonly<Model>): string[] {
  const names = m.users.filter((u) => u.online).map((u) => u.name);
  return names.sort((a, b) => cmp(a.toLowerCase(), b.toLowerCase()));
}

/** Plain code-unit comparison, as the server's binary search uses. */
function cmp(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/** Picks the `i`-th element (modulo length) of a list, or undefined when it is empty. */
export function pick<T>(list: readonly T[], i: number): T | undefined {
  return list.length === 0 ? undefined : list[i % list.length];
}

/** Online users; `withRoot` false leaves out the seeded admin. */
export function online(m: Readonly<Model>, withRoot = true): UserModel[] {
  return m.users.filter((u) => u.online && (withRoot || !u.root));
}

/** The seeded admin's entry (always the first user). */
export function rootUser(m: Readonly<Model>): UserModel {
  return m.users[0] as UserModel;
}

/** Finds a user by name without regard to case. */
export function findUser(m: Readonly<Model>, name: string): UserModel | undefined {
  const key = name.toLowerCase();
  return m.users.find((u) => u.name.toLowerCase() === key);
}
