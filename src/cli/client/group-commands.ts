// The client's group commands (join, leave, groups, members, …) and the current conversation.
import type { ArgSpec, CommandSpec } from './commands.ts';

const arg = (name: string, extra: Omit<ArgSpec, 'name'> = {}): ArgSpec => ({ name, ...extra });

/** The group commands, in the order `help` lists them (after the conversation commands). */
export const GROUP_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'switch',
    aliases: ['query'],
    args: [arg('#group|@user', { optional: true })],
    needs: 'session',
    summary: 'make it the current conversation: plain text goes there (no argument: none)',
    interactiveOnly: true,
  },
  {
    name: 'groups',
    action: 'list_groups',
    aliases: ['list_groups'],
    args: [],
    needs: 'session',
    summary: 'list the public groups and yours, with your role',
  },
  {
    name: 'create',
    action: 'create_group',
    aliases: ['create_group'],
    args: [arg('#group'), arg('private', { optional: true })],
    needs: 'session',
    summary: 'create a group (public, or private: by invitation) and own it',
  },
  {
    name: 'join',
    action: 'join_group',
    aliases: ['join_group'],
    args: [arg('#group')],
    needs: 'session',
    summary: 'join a public group, or a private one you were invited to',
  },
  {
    name: 'leave',
    action: 'leave_group',
    aliases: ['leave_group', 'part'],
    args: [arg('#group')],
    needs: 'session',
    summary: 'leave a group (an owner hands it over first, with role)',
  },
  {
    name: 'members',
    action: 'group_members',
    aliases: ['group_members'],
    args: [arg('#group')],
    needs: 'session',
    summary: 'list the members of a group, their role and who is online',
  },
  {
    name: 'invite',
    action: 'invite',
    aliases: [],
    args: [arg('#group'), arg('user')],
    needs: 'session',
    summary: 'invite a user to a group (owner, moderators)',
  },
  {
    name: 'role',
    action: 'group_role',
    aliases: ['group_role'],
    args: [arg('#group'), arg('user'), arg('owner|moderator|member')],
    needs: 'session',
    summary: "set a member's role (owner; owner hands the group over)",
  },
  {
    name: 'delete-group',
    action: 'delete_group',
    aliases: ['delete_group'],
    args: [arg('#group')],
    needs: 'session',
    summary: 'delete a group and all its messages (owner; asks you to type its name)',
    interactiveOnly: true,
  },
];

/** The group roles `role` accepts. */
export const GROUP_ROLES = ['owner', 'moderator', 'member'] as const;

/**
 * A group as typed: `#lab`, `lab` or `#Lab` → `#lab` (what the server would make of it).
 * Throws a readable Error for a name the server would refuse.
 */
export function groupArg(word: string): string {
  const name = word.trim().replace(/^#/, '').toLowerCase();
  if (!/^[a-z0-9][a-z0-9_-]{1,31}$/.test(name)) {
    throw new Error(
      `"${word}" is not a group name: 2-32 characters of a-z 0-9 _ -, starting with a letter or digit`,
    );
  }
  return `#${name}`;
}

/** A message target as typed: `#lab` (a group), `@bob` or `bob` (a user) → `#lab` or `bob`. */
export function messageTarget(word: string): string {
  if (word.startsWith('#')) return groupArg(word);
  const user = word.startsWith('@') ? word.slice(1) : word;
  if (user === '') throw new Error('name a user or a #group');
  return user;
}

/** The current conversation's label: `#lab` or `@bob`, from a target of messageTarget. */
export function targetLabel(target: string): string {
  return target.startsWith('#') ? target : `@${target}`;
}
