// The prompt's group state: the current conversation (`switch #lab`, then plain text goes to
// it, as in IRC), delete-group's confirmation, and group names for completion.
import type { Client, MemberEvent } from '../../client/index.ts';
import { UsageError } from './errors.ts';
import { groupArg, messageTarget, targetLabel } from './group-commands.ts';
import type { Notices } from './notices.ts';
import type { Style } from './style.ts';

/** What the group state needs from the prompt. */
export interface GroupPromptDeps {
  client: Client;
  notices: Notices;
  style: Style;
  ask(query: string): Promise<string>;
  info(text: string): void;
  /** the current conversation changed: redraw the prompt */
  changed(): void;
}

/** The member changes after which the user is no longer in the group. */
const GONE = new Set(['left', 'kicked', 'banned']);

/** One per prompt. */
export class GroupPrompt {
  /** where plain text goes: `#lab` or a username; undefined for nowhere */
  private target: string | undefined;

  constructor(private readonly d: GroupPromptDeps) {
    // First, so the event's line (printed by Notices) redraws the prompt already changed.
    d.client.prependListener('member', (m) => this.onMember(m));
  }

  /** The current conversation as `#lab` or `@bob`, if any. */
  get current(): string | undefined {
    return this.target === undefined ? undefined : targetLabel(this.target);
  }

  /** Where plain text goes (`#lab` or `bob`), if anywhere. */
  get plainTextTarget(): string | undefined {
    return this.target;
  }

  /** `switch [#group|@user]`: sets (or, without an argument, clears) the current conversation. */
  switchTo(word: string | undefined): void {
    if (word === undefined || word.trim() === '') {
      const was = this.current;
      this.target = undefined;
      this.d.changed();
      this.d.info(was ? `no current conversation (was ${was})` : 'no current conversation');
      return;
    }
    let target: string;
    try {
      target = messageTarget(word.trim());
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    this.target = target;
    this.d.changed();
    this.d.info(`now talking in ${this.d.style.cyan(targetLabel(target))}: plain text goes there`);
  }

  /** Forgets the current conversation (a logout). */
  clear(): void {
    this.target = undefined;
  }

  /** delete-group: asks for the group's name again, then deletes it. Resolves with what to show. */
  async deleteGroup(word: string): Promise<string> {
    let conv: string;
    try {
      conv = groupArg(word);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const s = this.d.style;
    this.d.info(s.yellow(`deleting ${conv} deletes all its messages for every member, for good`));
    const typed = (await this.d.ask(`type ${conv} to delete it: `)).trim().toLowerCase();
    if (typed !== conv && `#${typed}` !== conv) return `${conv} was not deleted`;
    await this.d.client.deleteGroup(conv);
    return `deleted ${s.cyan(conv)}`;
  }

  /** Fetches the groups the user can see, for completion; quietly does nothing on failure. */
  refreshGroups(): void {
    const { client, notices } = this.d;
    if (!client.isLoggedIn || !client.hello?.features?.includes('groups')) return;
    client.listGroupsPage({ limit: 1000 }).then(
      (page) => notices.rememberNames(page),
      () => {}, // completion only: a failure here is not worth a line
    );
  }

  private onMember(m: MemberEvent): void {
    if (this.target !== m.conv) return;
    const me = this.d.client.username;
    if (m.change === 'deleted' || (m.username === me && GONE.has(m.change))) {
      this.target = undefined;
      this.d.changed();
    }
  }
}
