// Groups on SQLite: the groups table beside conversations, roles in conv_members.role,
// bans and invitations in their own tables. Every change is one transaction.
import type Database from 'better-sqlite3';
import {
  type GroupListing,
  type GroupMember,
  type GroupRecord,
  GroupRefused,
  type GroupRole,
  type GroupStanding,
  type GroupStore,
  type Visibility,
} from '../groups.ts';
import { GROUP_FROM as FROM, GROUP_COLUMNS as GROUP, type GroupRow, toGroup } from '../sql-rows.ts';

/** The SQLite implementation of GroupStore; `forget` drops a deleted conversation's cached id. */
export class SqliteGroups implements GroupStore {
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly forget: (key: string) => void,
  ) {
    const p = <A extends unknown[], R = unknown>(sql: string) => db.prepare<A, R>(sql);
    this.s = {
      byName: p<[string], GroupRow>(`SELECT ${GROUP} FROM ${FROM} WHERE g.name = ?`),
      owned: p<[number], { n: number }>(
        `SELECT count(*) AS n FROM conv_members WHERE user_id = ? AND role = 'owner'`,
      ),
      insertConv: p<[string], { id: number }>(
        `INSERT INTO conversations (key, kind) VALUES (?, 'group') RETURNING id`,
      ),
      insertGroup: p<[number, string, string, number]>(
        'INSERT INTO groups (conv_id, name, visibility, created_at) VALUES (?, ?, ?, ?)',
      ),
      role: p<[number, number], { role: GroupRole | null }>(
        'SELECT role FROM conv_members WHERE user_id = ? AND conv_id = ?',
      ),
      invited: p<[number, number], { at: number }>(
        'SELECT at FROM group_invites WHERE conv_id = ? AND user_id = ?',
      ),
      banned: p<[number, number], { at: number }>(
        'SELECT at FROM group_bans WHERE conv_id = ? AND user_id = ?',
      ),
      count: p<[number], { n: number }>('SELECT count(*) AS n FROM conv_members WHERE conv_id = ?'),
      join: p<[number, string, number]>(
        `INSERT OR IGNORE INTO conv_members (user_id, conv_id, delivered_seq, read_seq, role)
         SELECT ?, id, last_seq, last_seq, ? FROM conversations WHERE id = ?`,
      ),
      leave: p<[number, number]>('DELETE FROM conv_members WHERE user_id = ? AND conv_id = ?'),
      setRole: p<[string, number, number]>(
        'UPDATE conv_members SET role = ? WHERE user_id = ? AND conv_id = ?',
      ),
      invite: p<[number, number, number]>(
        'INSERT OR IGNORE INTO group_invites (conv_id, user_id, at) VALUES (?, ?, ?)',
      ),
      uninvite: p<[number, number]>('DELETE FROM group_invites WHERE conv_id = ? AND user_id = ?'),
      ban: p<[number, number, number]>(
        'INSERT OR IGNORE INTO group_bans (conv_id, user_id, at) VALUES (?, ?, ?)',
      ),
      unban: p<[number, number]>('DELETE FROM group_bans WHERE conv_id = ? AND user_id = ?'),
      members: p<[number, string, number], { user_id: number; username: string; role: GroupRole }>(
        `SELECT m.user_id, u.username, m.role FROM conv_members m JOIN users u ON u.id = m.user_id
         WHERE m.conv_id = ? AND u.username_key > ? ORDER BY u.username_key LIMIT ?`,
      ),
      list: p<[number, string, number], GroupRow & { role: GroupRole | null; members: number }>(
        `SELECT ${GROUP}, m.role,
           (SELECT count(*) FROM conv_members a WHERE a.conv_id = g.conv_id) AS members
         FROM ${FROM} LEFT JOIN conv_members m ON m.conv_id = g.conv_id AND m.user_id = ?
         WHERE (g.visibility = 'public' OR m.role IS NOT NULL) AND g.name > ?
         ORDER BY g.name LIMIT ?`,
      ),
      listTotal: p<[number], { n: number }>(
        `SELECT count(*) AS n FROM groups g
         LEFT JOIN conv_members m ON m.conv_id = g.conv_id AND m.user_id = ?
         WHERE g.visibility = 'public' OR m.role IS NOT NULL`,
      ),
      groupsOf: p<[number], { conv_id: number; delivered_seq: number }>(
        'SELECT conv_id, delivered_seq FROM conv_members WHERE user_id = ? AND role IS NOT NULL',
      ),
      ownerOf: p<[number], { user_id: number; username: string }>(
        `SELECT m.user_id, u.username FROM conv_members m JOIN users u ON u.id = m.user_id
         WHERE m.conv_id = ? AND m.role = 'owner'`,
      ),
      keyOf: p<[number], { key: string }>('SELECT key FROM conversations WHERE id = ?'),
      dropMessages: p<[number]>('DELETE FROM messages WHERE conv_id = ?'),
      dropMembers: p<[number]>('DELETE FROM conv_members WHERE conv_id = ?'),
      dropBans: p<[number]>('DELETE FROM group_bans WHERE conv_id = ?'),
      dropInvites: p<[number]>('DELETE FROM group_invites WHERE conv_id = ?'),
      dropClientIds: p<[number]>('DELETE FROM client_ids WHERE conv_id = ?'),
      dropGroup: p<[number]>('DELETE FROM groups WHERE conv_id = ?'),
      // The row stays under a key no conv can have, so its id (in message ids) is never reused.
      retireConv: p<[number]>(
        `UPDATE conversations SET key = 'deleted:' || id, last_seq = 0, last_at = NULL WHERE id = ?`,
      ),
    };
  }

  async create(
    name: string,
    visibility: Visibility,
    ownerId: number,
    at: number,
    maxOwned: number,
  ): Promise<GroupRecord> {
    return this.db
      .transaction(() => {
        if (this.s.byName.get(name)) throw new GroupRefused('name_taken');
        if ((this.s.owned.get(ownerId)?.n ?? 0) >= maxOwned) throw new GroupRefused('max_owned');
        const convId = (this.s.insertConv.get(`#${name}`) as { id: number }).id;
        this.s.insertGroup.run(convId, name, visibility, at);
        this.s.join.run(ownerId, 'owner', convId);
        return { convId, name, conv: `#${name}`, visibility, lastSeq: 0 };
      })
      .immediate();
  }

  async find(name: string): Promise<GroupRecord | undefined> {
    const row = this.s.byName.get(name);
    return row && toGroup(row);
  }

  async standing(convId: number, userId: number): Promise<GroupStanding> {
    return {
      role: this.s.role.get(userId, convId)?.role ?? null,
      invited: this.s.invited.get(convId, userId) !== undefined,
      banned: this.s.banned.get(convId, userId) !== undefined,
    };
  }

  async join(
    convId: number,
    userId: number,
    maxMembers: number | null,
  ): Promise<'joined' | 'full'> {
    return this.db
      .transaction(() => {
        if (maxMembers !== null && (this.s.count.get(convId)?.n ?? 0) >= maxMembers) return 'full';
        this.s.join.run(userId, 'member', convId);
        this.s.uninvite.run(convId, userId);
        return 'joined' as const;
      })
      .immediate();
  }

  async leave(convId: number, userId: number): Promise<boolean> {
    return this.s.leave.run(userId, convId).changes > 0;
  }

  async setRole(convId: number, userId: number, role: GroupRole): Promise<void> {
    this.s.setRole.run(role, userId, convId);
  }

  async ownerOf(convId: number): Promise<{ userId: number; username: string } | undefined> {
    const row = this.s.ownerOf.get(convId);
    return row && { userId: row.user_id, username: row.username };
  }

  async handOver(convId: number, from: number, to: number): Promise<void> {
    this.db.transaction(() => {
      this.s.setRole.run('moderator', from, convId);
      this.s.setRole.run('owner', to, convId);
    })();
  }

  async invite(convId: number, userId: number, at: number): Promise<void> {
    this.s.invite.run(convId, userId, at);
  }

  async ban(convId: number, userId: number, at: number): Promise<void> {
    this.db.transaction(() => {
      this.s.leave.run(userId, convId);
      this.s.uninvite.run(convId, userId);
      this.s.ban.run(convId, userId, at);
    })();
  }

  async unban(convId: number, userId: number): Promise<void> {
    this.s.unban.run(convId, userId);
  }

  async members(
    convId: number,
    limit: number,
    after?: string,
  ): Promise<{ members: GroupMember[]; total: number }> {
    const rows = this.s.members.all(convId, (after ?? '').toLowerCase(), limit);
    return {
      members: rows.map((r) => ({ userId: r.user_id, username: r.username, role: r.role })),
      total: this.s.count.get(convId)?.n ?? 0,
    };
  }

  async list(
    userId: number,
    limit: number,
    after?: string,
  ): Promise<{ groups: GroupListing[]; total: number }> {
    const rows = this.s.list.all(userId, after ?? '', limit);
    return {
      groups: rows.map((r) => ({ ...toGroup(r), members: r.members, role: r.role })),
      total: this.s.listTotal.get(userId)?.n ?? 0,
    };
  }

  async groupsOf(userId: number): Promise<Array<{ convId: number; deliveredSeq: number }>> {
    return this.s.groupsOf
      .all(userId)
      .map((r) => ({ convId: r.conv_id, deliveredSeq: r.delivered_seq }));
  }

  async delete(convId: number): Promise<void> {
    const key = this.s.keyOf.get(convId)?.key;
    this.db
      .transaction(() => {
        this.s.dropMessages.run(convId);
        this.s.dropMembers.run(convId);
        this.s.dropBans.run(convId);
        this.s.dropInvites.run(convId);
        this.s.dropClientIds.run(convId);
        this.s.dropGroup.run(convId);
        this.s.retireConv.run(convId);
      })
      .immediate();
    if (key !== undefined) this.forget(key);
  }
}
