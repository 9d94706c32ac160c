// Runs the group commands and the group forms of msg, kick, ban and unban on an SDK Client.
import type { Client, GroupRole } from '../../client/index.ts';
import { UsageError } from './errors.ts';
import { GROUP_ROLES, groupArg, messageTarget } from './group-commands.ts';

/** The commands that act on a group when their first argument is a `#group`. */
const GROUP_FORMS: Record<string, string> = {
  msg: 'message_group',
  kick: 'group_kick',
  ban: 'group_ban',
  unban: 'group_unban',
};

/** The wire action of a command that has a group form, when `first` names a group. */
export function groupFormAction(name: string, first: string | undefined): string | undefined {
  return first?.startsWith('#') ? GROUP_FORMS[name] : undefined;
}

/** Sends `text` to a user (`bob`, `@bob`) or a group (`#lab`) with the reliable send. */
export function sendMessage(client: Client, to: string, text: string): Promise<unknown> {
  const target = usageOf(() => messageTarget(to));
  return target.startsWith('#')
    ? client.messageGroup(target, text)
    : client.messageUser(target, text);
}

/**
 * Runs a group command (or the group form of kick, ban, unban); undefined when `name` with
 * these arguments is not one, so the caller runs it as a server-wide command.
 */
export function runGroupCommand(
  client: Client,
  name: string,
  args: string[],
): Promise<unknown> | undefined {
  const [a0 = '', a1 = '', a2 = ''] = args;
  const group = () => usageOf(() => groupArg(a0));
  switch (name) {
    case 'groups':
      return client.listGroupsPage({ limit: 100 });
    case 'create':
      return client.createGroup(group(), visibility(args[1]));
    case 'join':
      return client.joinGroup(group());
    case 'leave':
      return client.leaveGroup(group());
    case 'members':
      return client.groupMembersPage(group(), { limit: 1000 });
    case 'invite':
      return client.invite(group(), a1);
    case 'role':
      return client.setGroupRole(group(), a1, role(a2));
    case 'kick':
    case 'ban':
    case 'unban':
      return groupModeration(client, name, args);
    default:
      return undefined;
  }
}

function groupModeration(client: Client, name: string, args: string[]) {
  const [a0 = '', a1] = args;
  if (!a0.startsWith('#')) {
    if (name !== 'ban' && a1 !== undefined) {
      throw new UsageError(`${name} takes one user; for a group: ${name} #group user`);
    }
    return undefined;
  }
  const conv = usageOf(() => groupArg(a0));
  const user = a1?.trim() ?? '';
  if (user === '' || /\s/.test(user)) {
    throw new UsageError(`usage: ${name} #group user (one user, no reason for a group ${name})`);
  }
  if (name === 'kick') return client.groupKick(conv, user);
  if (name === 'ban') return client.groupBan(conv, user);
  return client.groupUnban(conv, user);
}

function visibility(word: string | undefined): 'public' | 'private' | undefined {
  if (word === undefined) return undefined;
  const v = word.toLowerCase();
  if (v === 'private' || v === 'public') return v;
  throw new UsageError(`create takes "private" (or "public", the default), not "${word}"`);
}

function role(word: string): GroupRole {
  const r = word.toLowerCase();
  if ((GROUP_ROLES as readonly string[]).includes(r)) return r as GroupRole;
  throw new UsageError(`a role is owner, moderator or member, not "${word}"`);
}

function usageOf<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
