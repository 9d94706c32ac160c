// Help texts: the command list at the prompt (`help`), one command's help, and --help's epilog.
import { COMMANDS, type CommandSpec, findCommand, usage } from './commands.ts';
import type { Style } from './style.ts';

const aliasNote = (c: CommandSpec) => (c.aliases.length ? ` (also: ${c.aliases.join(', ')})` : '');

/** The commands available at the prompt, one per line, aligned. */
export function promptHelp(s: Style): string {
  const list = COMMANDS.filter((c) => !c.scriptOnly);
  const width = Math.max(...list.map((c) => usage(c).length));
  const lines = list.map((c) => `  ${s.bold(usage(c).padEnd(width))}  ${c.summary}`);
  return [
    'Commands:',
    ...lines,
    '',
    'A leading / is optional (/msg, /quit). Other words are not sent to the server; use',
    'raw <action> <json-array> for any other action. Messages are 1-4,000 characters.',
    'After switch #group (or switch @user), a line that is not a command is a message',
    'there, as in IRC; the prompt shows where. A group is #name (the # may be left out',
    'where only a group fits: join lab); kick, ban and unban act on a group with #.',
    'Tab completes commands, user and group names; Ctrl-C clears the line, Ctrl-D quits.',
  ].join('\n');
}

/** Help for one command, or a hint when there is no such command. */
export function commandHelp(name: string, s: Style): string {
  const c = findCommand(name.replace(/^\//, ''));
  if (!c) return `unknown command: ${name} (type help for the list, raw <action> for others)`;
  const action = c.action ? `\n  sends: ${c.action}` : '';
  return `${s.bold(usage(c))}\n  ${c.summary}${aliasNote(c)}${action}`;
}

/** The text after the flags in `super-client --help`. */
export function programHelpEpilog(): string {
  const script = COMMANDS.filter((c) => !c.interactiveOnly);
  const width = Math.max(...script.map((c) => usage(c).length));
  const lines = script.map((c) => `  ${usage(c).padEnd(width)}  ${c.summary}`);
  return `
Without a command, super-client starts the interactive prompt (type help there).

With a command it runs it once and exits (flags go before the command; the words
after it are the command's arguments, passed as they are):
${lines.join('\n')}

Commands also answer to the seed's action names (show_online_users, message_user,
get_id, get_permission_level, change_permission_level, kill_server, user_info) and
to the group actions' names (create_group, join_group, list_groups, …). A group is
#name: msg '#lab' hi, kick '#lab' bob (quote the # in a shell).
Other words are refused (exit 2): send any other action with raw <action> [json-array].

Exit status: 0 ok, 1 the server answered with an error, 2 usage error,
3 connection failure (refused, lost, or no reply in time).

Examples:
  super-client ping
  echo "$PW" | super-client --user alice --password-stdin msg bob "hi there"
  echo "$PW" | super-client --user alice --password-stdin --json who
  echo "$PW" | super-client --user alice --password-stdin --json listen
  super-client --id keycloak identities    # ID login: open the page it shows, enter the code
  super-client --id keycloak               # the prompt, logged in through keycloak

Environment: NO_COLOR / FORCE_COLOR (colours), SUPER_CLIENT_HISTORY (history file,
default ~/.super-client_history; empty turns it off). See docs/client.md.`;
}
