// Admin tools: change a user's level, kick, ban, stop the server after a confirmation, and
// read the audit log.
// The server checks the level of every one of these; the page only hides the screen.
import { useState } from 'preact/hooks';
import { api } from '../session.ts';
import { AuditLog } from './AuditLog.tsx';
import { Field, Form } from './forms.tsx';

/** The admin screen. */
export function Admin() {
  const [user, setUser] = useState('');
  const [level, setLevel] = useState('basic');
  const [reason, setReason] = useState('');
  const [done, setDoneText] = useState('');
  // Bumped after each action, so the audit log below reloads and shows it.
  const [version, setVersion] = useState(0);
  const setDone = (text: string) => {
    setDoneText(text);
    setVersion((v) => v + 1);
  };
  return (
    <section class="panel" aria-label="Admin">
      <h2>Admin</h2>
      {done && <p role="status">{done}</p>}
      <Field id="admin-user" label="User" value={user} onInput={setUser} />
      <Form
        label="Change level"
        submit="Change level"
        onSubmit={async () => {
          const r = await api().changePermissionLevel(user, level);
          setDone(`${r.username} is now ${r.level}`);
        }}
      >
        <Field id="admin-level" label="Level" value={level} onInput={setLevel} />
      </Form>
      <Form
        label="Kick"
        submit="Kick user"
        onSubmit={async () => {
          const r = await api().kick(user);
          setDone(`${r.username}: ${r.sessions} session(s) ended`);
        }}
      >
        {null}
      </Form>
      <Form
        label="Ban"
        submit="Ban user"
        onSubmit={async () => {
          const r = await api().ban(user);
          setDone(`${r.username} banned`);
        }}
      >
        {null}
      </Form>
      <h3>Stop the server</h3>
      <Form
        label="Stop server"
        submit="Stop server"
        onSubmit={async () => {
          if (!window.confirm('Stop the server for everyone?')) return;
          await api().killServer(reason || 'stopped from the web client');
        }}
      >
        <Field
          id="stop-reason"
          label="Reason"
          value={reason}
          onInput={setReason}
          required={false}
        />
      </Form>
      <AuditLog version={version} />
    </section>
  );
}
