// The client's ID login commands of a session: identities, link and unlink (login --id is login's).
import type { ArgSpec, CommandSpec } from './commands.ts';

const arg = (name: string, extra: Omit<ArgSpec, 'name'> = {}): ArgSpec => ({ name, ...extra });

/** The identity commands, in the order `help` lists them (after passwd). */
export const IDENTITY_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'identities',
    action: 'identities',
    aliases: [],
    args: [],
    needs: 'session',
    summary: 'list the identity providers your account is tied to (ID login)',
  },
  {
    name: 'link',
    action: 'link_identity',
    aliases: ['link_identity'],
    args: [arg('provider')],
    needs: 'session',
    summary: 'tie your identity at a provider to this account (shows a code to enter there)',
  },
  {
    name: 'unlink',
    action: 'unlink_identity',
    aliases: ['unlink_identity'],
    args: [arg('provider')],
    needs: 'session',
    summary: 'untie an identity provider (refused if it is your only way to log in)',
  },
];
