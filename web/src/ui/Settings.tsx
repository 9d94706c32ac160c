// Your account: change the password, delete the account (asks for the password).
import { useState } from 'preact/hooks';
import { askNotifications } from '../notify.ts';
import { forgetUser } from '../remember.ts';
import { api, endSession } from '../session.ts';
import { Field, Form } from './forms.tsx';

/** The settings screen. */
export function Settings() {
  const [pw, setPw] = useState({ old: '', next: '' });
  const [done, setDone] = useState('');
  const [delPw, setDelPw] = useState('');
  return (
    <section class="panel" aria-label="Settings">
      <h2>Settings</h2>
      <button type="button" onClick={askNotifications}>
        Allow notifications
      </button>
      <h3>Change password</h3>
      {done && <p role="status">{done}</p>}
      <Form
        label="Change password"
        submit="Change password"
        onSubmit={async () => {
          await api().changePassword(pw.old, pw.next);
          setPw({ old: '', next: '' });
          setDone('Password changed. Your other sessions were signed out.');
        }}
      >
        <Field
          id="old-password"
          label="Current password"
          type="password"
          value={pw.old}
          onInput={(v) => setPw({ ...pw, old: v })}
          autoComplete="current-password"
        />
        <Field
          id="new-password"
          label="New password"
          type="password"
          value={pw.next}
          onInput={(v) => setPw({ ...pw, next: v })}
          autoComplete="new-password"
        />
      </Form>
      <h3>Delete account</h3>
      <Form
        label="Delete account"
        submit="Delete my account"
        onSubmit={async () => {
          if (!window.confirm('Delete your account for good?')) return;
          await api().deleteAccount(delPw);
          forgetUser();
          endSession('Your account was deleted.');
        }}
      >
        <Field
          id="delete-password"
          label="Password"
          type="password"
          value={delPw}
          onInput={setDelPw}
          autoComplete="current-password"
        />
      </Form>
    </section>
  );
}
