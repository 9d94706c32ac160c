// Groups: create, search the public ones, join, leave, invite, and the members with their
// roles; owners and moderators kick, ban, unban and change roles, owners delete the group
// (after a confirmation). The server decides who may; its refusal shows as text.
import { useEffect, useState } from 'preact/hooks';
import type { GroupMember, GroupRole, GroupSummary } from '../../../src/client/browser.ts';
import { api, dropConv, openConv, refreshConversations } from '../session.ts';
import { getState } from '../store.ts';
import { errorText, Field, Form } from './forms.tsx';

function Members(props: { conv: string }) {
  const [members, setMembers] = useState<GroupMember[]>([]);
  const [who, setWho] = useState('');
  const [banned, setBanned] = useState('');
  const [msg, setMsg] = useState('');
  const load = async () =>
    setMembers((await api().groupMembersPage(props.conv, { limit: 200 })).members);
  useEffect(() => {
    void load().catch((e) => setMsg(errorText(e)));
  }, [props.conv]);
  const act = (fn: () => Promise<unknown>, done: string) => async () => {
    try {
      await fn();
      setMsg(done);
      await load();
    } catch (e) {
      setMsg(errorText(e));
    }
  };
  const me = getState().me;
  return (
    <section aria-label={`Members of ${props.conv}`}>
      <h3>Members of {props.conv}</h3>
      {msg && <p role="status">{msg}</p>}
      <ul class="members">
        {members.map((m) => (
          <li key={m.username}>
            <span>
              {m.username} ({m.role}){m.online ? ' · online' : ''}
            </span>
            {m.username !== me && (
              <span class="actions">
                {(['member', 'moderator'] as GroupRole[]).map((r) => (
                  <button
                    type="button"
                    key={r}
                    disabled={m.role === r}
                    onClick={act(
                      () => api().setGroupRole(props.conv, m.username, r),
                      `${m.username} is now ${r}`,
                    )}
                  >
                    Make {r}
                  </button>
                ))}
                <button
                  type="button"
                  onClick={act(
                    () => api().groupKick(props.conv, m.username),
                    `${m.username} kicked`,
                  )}
                >
                  Kick {m.username}
                </button>
                <button
                  type="button"
                  onClick={act(
                    () => api().groupBan(props.conv, m.username),
                    `${m.username} banned`,
                  )}
                >
                  Ban {m.username}
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
      <Form
        label="Invite"
        submit="Invite"
        onSubmit={act(() => api().invite(props.conv, who), `${who} invited`)}
      >
        <Field id="invite-user" label="Invite user" value={who} onInput={setWho} />
      </Form>
      <Form
        label="Unban"
        submit="Unban"
        onSubmit={act(() => api().groupUnban(props.conv, banned), `${banned} unbanned`)}
      >
        <Field id="unban-user" label="Unban user" value={banned} onInput={setBanned} />
      </Form>
    </section>
  );
}

/** The groups screen. */
export function Groups() {
  const [groups, setGroups] = useState<GroupSummary[]>([]);
  const [name, setName] = useState('');
  const [visibility, setVisibility] = useState<'public' | 'private'>('public');
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [msg, setMsg] = useState('');
  const load = async () => setGroups((await api().listGroupsPage({ limit: 200 })).groups);
  useEffect(() => {
    void load().catch((e) => setMsg(errorText(e)));
  }, []);
  const run = (fn: () => Promise<unknown>) => async () => {
    try {
      await fn();
      await load();
      await refreshConversations();
    } catch (e) {
      setMsg(errorText(e));
    }
  };
  const shown = groups.filter((g) => g.conv.toLowerCase().includes(query.trim().toLowerCase()));
  return (
    <section class="panel" aria-label="Groups">
      <h2>Groups</h2>
      {msg && <p role="alert">{msg}</p>}
      <Form
        label="Create group"
        submit="Create group"
        onSubmit={async () => {
          const g = await api().createGroup(name, visibility);
          setName('');
          await load();
          await refreshConversations();
          await openConv(g.conv);
        }}
      >
        <Field id="group-name" label="Group name" value={name} onInput={setName} />
        <p class="field">
          <label for="group-visibility">Visibility</label>
          <select
            id="group-visibility"
            value={visibility}
            onChange={(e) =>
              setVisibility((e.currentTarget as HTMLSelectElement).value as 'public')
            }
          >
            <option value="public">public</option>
            <option value="private">private</option>
          </select>
        </p>
      </Form>
      <Field
        id="group-search"
        label="Search groups"
        value={query}
        onInput={setQuery}
        required={false}
      />
      <ul class="groups">
        {shown.map((g) => (
          <li key={g.conv}>
            <span>
              {g.conv} · {g.visibility} · {g.members} members{g.role ? ` · you: ${g.role}` : ''}
            </span>
            {g.role === null ? (
              <button type="button" onClick={run(() => api().joinGroup(g.conv))}>
                Join {g.conv}
              </button>
            ) : (
              <>
                <button type="button" onClick={() => void openConv(g.conv)}>
                  Open {g.conv}
                </button>
                <button type="button" onClick={() => setSelected(g.conv)}>
                  Members of {g.conv}
                </button>
                <button
                  type="button"
                  onClick={run(async () => {
                    await api().leaveGroup(g.conv);
                    dropConv(g.conv);
                  })}
                >
                  Leave {g.conv}
                </button>
                {g.role === 'owner' && (
                  <button
                    type="button"
                    onClick={run(async () => {
                      if (!window.confirm(`Delete ${g.conv} and all its messages for everyone?`))
                        return;
                      await api().deleteGroup(g.conv);
                      if (selected === g.conv) setSelected(undefined);
                      dropConv(g.conv);
                    })}
                  >
                    Delete {g.conv}
                  </button>
                )}
              </>
            )}
          </li>
        ))}
      </ul>
      {selected && <Members conv={selected} />}
    </section>
  );
}
