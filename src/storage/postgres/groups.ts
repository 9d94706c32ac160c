// Groups on PostgreSQL: the same tables as SQLite's (groups beside conversations, roles in
// conv_members.role, bans and invitations). Changes that check then write lock first: the
// group's conversation row (join's cap), or the owner (create's max_owned).
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
import type { PgDb, Queryable } from './db.ts';

const JOIN = `INSERT INTO conv_members (user_id, conv_id, delivered_seq, read_seq, role)
  SELECT $1, id, last_seq, last_seq, $2 FROM conversations WHERE id = $3 ON CONFLICT DO NOTHING`;
const SET_ROLE = 'UPDATE conv_members SET role = $1 WHERE user_id = $2 AND conv_id = $3';
const LEAVE = 'DELETE FROM conv_members WHERE user_id = $1 AND conv_id = $2';
const UNINVITE = 'DELETE FROM group_invites WHERE conv_id = $1 AND user_id = $2';
/** The advisory lock class of "groups owned by a user" (with the user id). */
const OWNER_LOCK = 7_715_017;

/** The PostgreSQL implementation of GroupStore. */
export class PgGroups implements GroupStore {
  constructor(private readonly db: PgDb) {}

  async create(
    name: string,
    visibility: Visibility,
    ownerId: number,
    at: number,
    maxOwned: number,
  ): Promise<GroupRecord> {
    try {
      return await this.db.tx(async (t) => {
        await t.q('SELECT pg_advisory_xact_lock($1, $2)', [OWNER_LOCK, ownerId]);
        if (await this.byName(name, t)) throw new GroupRefused('name_taken');
        const { rows: owned } = await t.q<{ n: number }>(
          `SELECT count(*) AS n FROM conv_members WHERE user_id = $1 AND role = 'owner'`,
          [ownerId],
        );
        if ((owned[0]?.n ?? 0) >= maxOwned) throw new GroupRefused('max_owned');
        const { rows } = await t.q<{ id: number }>(
          `INSERT INTO conversations (key, kind) VALUES ($1, 'group') RETURNING id`,
          [`#${name}`],
        );
        const convId = (rows[0] as { id: number }).id;
        await t.q(
          'INSERT INTO groups (conv_id, name, visibility, created_at) VALUES ($1, $2, $3, $4)',
          [convId, name, visibility, at],
        );
        await t.q(JOIN, [ownerId, 'owner', convId]);
        return { convId, name, conv: `#${name}`, visibility, lastSeq: 0 };
      });
    } catch (err) {
      // Two owners creating one name at once: the loser hits the unique key.
      if ((err as { code?: string }).code === '23505') throw new GroupRefused('name_taken');
      throw err;
    }
  }

  async find(name: string): Promise<GroupRecord | undefined> {
    const row = await this.byName(name, this.db);
    return row && toGroup(row);
  }

  private async byName(name: string, on: Queryable): Promise<GroupRow | undefined> {
    const { rows } = await on.q<GroupRow>(
      `SELECT ${GROUP} FROM ${FROM} WHERE g.name = $1`,
      [name],
      'group_by_name',
    );
    return rows[0];
  }

  async standing(convId: number, userId: number): Promise<GroupStanding> {
    const { rows } = await this.db.q<{ role: GroupRole | null; invited: boolean; banned: boolean }>(
      `SELECT (SELECT role FROM conv_members WHERE user_id = $2 AND conv_id = $1) AS role,
         EXISTS (SELECT 1 FROM group_invites WHERE conv_id = $1 AND user_id = $2) AS invited,
         EXISTS (SELECT 1 FROM group_bans WHERE conv_id = $1 AND user_id = $2) AS banned`,
      [convId, userId],
      'group_standing',
    );
    const row = rows[0];
    return {
      role: row?.role ?? null,
      invited: row?.invited ?? false,
      banned: row?.banned ?? false,
    };
  }

  async join(
    convId: number,
    userId: number,
    maxMembers: number | null,
  ): Promise<'joined' | 'full'> {
    return this.db.tx(async (t) => {
      // The conversation row is the lock that keeps two joins from both taking the last place.
      await t.q('SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE', [convId]);
      if (maxMembers !== null && (await this.count(convId, t)) >= maxMembers) return 'full';
      await t.q(JOIN, [userId, 'member', convId]);
      await t.q(UNINVITE, [convId, userId]);
      return 'joined' as const;
    });
  }

  private async count(convId: number, on: Queryable): Promise<number> {
    const { rows } = await on.q<{ n: number }>(
      'SELECT count(*) AS n FROM conv_members WHERE conv_id = $1',
      [convId],
    );
    return rows[0]?.n ?? 0;
  }

  async leave(convId: number, userId: number): Promise<boolean> {
    return ((await this.db.q(LEAVE, [userId, convId])).rowCount ?? 0) > 0;
  }

  async setRole(convId: number, userId: number, role: GroupRole): Promise<void> {
    await this.db.q(SET_ROLE, [role, userId, convId]);
  }

  async ownerOf(convId: number): Promise<{ userId: number; username: string } | undefined> {
    const { rows } = await this.db.q<{ user_id: number; username: string }>(
      `SELECT m.user_id, u.username FROM conv_members m JOIN users u ON u.id = m.user_id
       WHERE m.conv_id = $1 AND m.role = 'owner'`,
      [convId],
    );
    const row = rows[0];
    return row && { userId: row.user_id, username: row.username };
  }

  async handOver(convId: number, from: number, to: number): Promise<void> {
    await this.db.tx(async (t) => {
      await t.q(SET_ROLE, ['moderator', from, convId]);
      await t.q(SET_ROLE, ['owner', to, convId]);
    });
  }

  async invite(convId: number, userId: number, at: number): Promise<void> {
    await this.db.q(
      'INSERT INTO group_invites (conv_id, user_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [convId, userId, at],
    );
  }

  async ban(convId: number, userId: number, at: number): Promise<void> {
    await this.db.tx(async (t) => {
      await t.q(LEAVE, [userId, convId]);
      await t.q(UNINVITE, [convId, userId]);
      await t.q(
        'INSERT INTO group_bans (conv_id, user_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [convId, userId, at],
      );
    });
  }

  async unban(convId: number, userId: number): Promise<void> {
    await this.db.q('DELETE FROM group_bans WHERE conv_id = $1 AND user_id = $2', [convId, userId]);
  }

  async members(
    convId: number,
    limit: number,
    after?: string,
  ): Promise<{ members: GroupMember[]; total: number }> {
    const { rows } = await this.db.q<{ user_id: number; username: string; role: GroupRole }>(
      `SELECT m.user_id, u.username, m.role FROM conv_members m JOIN users u ON u.id = m.user_id
       WHERE m.conv_id = $1 AND u.username_key > $2 ORDER BY u.username_key LIMIT $3`,
      [convId, (after ?? '').toLowerCase(), limit],
    );
    return {
      members: rows.map((r) => ({ userId: r.user_id, username: r.username, role: r.role })),
      total: await this.count(convId, this.db),
    };
  }

  async list(
    userId: number,
    limit: number,
    after?: string,
  ): Promise<{ groups: GroupListing[]; total: number }> {
    const { rows } = await this.db.q<GroupRow & { role: GroupRole | null; members: number }>(
      `SELECT ${GROUP}, m.role,
         (SELECT count(*) FROM conv_members a WHERE a.conv_id = g.conv_id) AS members
       FROM ${FROM} LEFT JOIN conv_members m ON m.conv_id = g.conv_id AND m.user_id = $1
       WHERE (g.visibility = 'public' OR m.role IS NOT NULL) AND g.name > $2
       ORDER BY g.name LIMIT $3`,
      [userId, after ?? '', limit],
    );
    const { rows: total } = await this.db.q<{ n: number }>(
      `SELECT count(*) AS n FROM groups g
       LEFT JOIN conv_members m ON m.conv_id = g.conv_id AND m.user_id = $1
       WHERE g.visibility = 'public' OR m.role IS NOT NULL`,
      [userId],
    );
    return {
      groups: rows.map((r) => ({ ...toGroup(r), members: r.members, role: r.role })),
      total: total[0]?.n ?? 0,
    };
  }

  async groupsOf(userId: number): Promise<Array<{ convId: number; deliveredSeq: number }>> {
    const { rows } = await this.db.q<{ conv_id: number; delivered_seq: number }>(
      'SELECT conv_id, delivered_seq FROM conv_members WHERE user_id = $1 AND role IS NOT NULL',
      [userId],
      'groups_of',
    );
    return rows.map((r) => ({ convId: r.conv_id, deliveredSeq: r.delivered_seq }));
  }

  async delete(convId: number): Promise<void> {
    await this.db.tx(async (t) => {
      // Locked first, as append locks it: a message racing the delete waits, then finds it gone.
      await t.q('SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE', [convId]);
      for (const table of [
        'messages',
        'conv_members',
        'group_bans',
        'group_invites',
        'client_ids',
      ]) {
        await t.q(`DELETE FROM ${table} WHERE conv_id = $1`, [convId]);
      }
      await t.q('DELETE FROM groups WHERE conv_id = $1', [convId]);
      // The row stays under a key no conv can have, so its id (in message ids) is never reused.
      await t.q(
        `UPDATE conversations SET key = 'deleted:' || id, last_seq = 0, last_at = NULL WHERE id = $1`,
        [convId],
      );
    });
  }
}
