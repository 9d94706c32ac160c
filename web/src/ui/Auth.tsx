// The logged-out screens: log in (or sign in with an identity provider), register (with the
// emailed code when the server asks for one), and reset a forgotten password.
import { useState } from 'preact/hooks';
import type { Client } from '../../../src/client/browser.ts';
import { hasLoginCode } from '../id-login.ts';
import { rememberedUser } from '../remember.ts';
import { connectClient, startSession } from '../session.ts';
import { useAppState } from '../store.ts';
import { ConfirmRegistration } from './ConfirmRegistration.tsx';
import { Field, Form } from './forms.tsx';
import { IdFinish, IdProviders } from './IdLogin.tsx';

type Tab = 'login' | 'register' | 'reset';

/** Runs `fn` on a fresh connection; closes it if `fn` fails. */
async function withClient<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = await connectClient();
  try {
    return await fn(c);
  } catch (err) {
    c.close();
    throw err;
  }
}

function Login() {
  const [user, setUser] = useState(rememberedUser);
  const [password, setPassword] = useState('');
  return (
    <Form
      label="Log in"
      submit="Log in"
      onSubmit={() =>
        withClient(async (c) => {
          await c.login(user, password);
          await startSession(c);
        })
      }
    >
      <Field
        id="login-user"
        label="Username"
        value={user}
        onInput={setUser}
        autoComplete="username"
      />
      <Field
        id="login-password"
        label="Password"
        type="password"
        value={password}
        onInput={setPassword}
        autoComplete="current-password"
      />
    </Form>
  );
}

function Register() {
  const [f, setF] = useState({ user: '', password: '', email: '' });
  const [pending, setPending] = useState<Client | undefined>(undefined);
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  if (pending) return <ConfirmRegistration client={pending} email={f.email} id="register-code" />;
  return (
    <Form
      label="Register"
      submit="Create account"
      onSubmit={() =>
        withClient(async (c) => {
          const r = await c.register(f.user, f.password, f.email);
          if (r.confirm) setPending(c);
          else await startSession(c);
        })
      }
    >
      <Field
        id="register-user"
        label="Username"
        value={f.user}
        onInput={set('user')}
        autoComplete="username"
      />
      <Field
        id="register-email"
        label="Email"
        type="email"
        value={f.email}
        onInput={set('email')}
        autoComplete="email"
      />
      <Field
        id="register-password"
        label="Password"
        type="password"
        value={f.password}
        onInput={set('password')}
        autoComplete="new-password"
      />
    </Form>
  );
}

function Reset() {
  const [f, setF] = useState({ who: '', user: '', code: '', password: '' });
  const [step, setStep] = useState<'ask' | 'code' | 'done'>('ask');
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  if (step === 'done') return <p role="status">Password changed: log in with the new one.</p>;
  if (step === 'ask') {
    return (
      <Form
        label="Forgot password"
        submit="Email me a code"
        onSubmit={() =>
          withClient(async (c) => {
            await c.resetPassword(f.who);
            c.close();
            setStep('code');
          })
        }
      >
        <Field id="reset-who" label="Username or email" value={f.who} onInput={set('who')} />
      </Form>
    );
  }
  return (
    <Form
      label="Set a new password"
      submit="Set password"
      onSubmit={() =>
        withClient(async (c) => {
          await c.resetPasswordConfirm(f.user, f.code.trim(), f.password);
          c.close();
          setStep('done');
        })
      }
    >
      <p>If the account exists, a code is on its way.</p>
      <Field
        id="reset-user"
        label="Username"
        value={f.user}
        onInput={set('user')}
        autoComplete="username"
      />
      <Field
        id="reset-code"
        label="Code"
        value={f.code}
        onInput={set('code')}
        autoComplete="one-time-code"
      />
      <Field
        id="reset-password"
        label="New password"
        type="password"
        value={f.password}
        onInput={set('password')}
        autoComplete="new-password"
      />
    </Form>
  );
}

/** The logged-out page: three tabs, or finishing an ID login the provider sent back. */
export function Auth() {
  const [tab, setTab] = useState<Tab>('login');
  const [finishing, setFinishing] = useState(hasLoginCode);
  const s = useAppState();
  if (finishing) {
    return (
      <main class="auth">
        <h1>super-server</h1>
        <IdFinish onDone={() => setFinishing(false)} />
      </main>
    );
  }
  const tabs: Array<[Tab, string]> = [
    ['login', 'Log in'],
    ['register', 'Register'],
    ['reset', 'Forgot password'],
  ];
  return (
    <main class="auth">
      <h1>super-server</h1>
      {s.notice && <p role="status">{s.notice}</p>}
      <nav aria-label="Account">
        {tabs.map(([t, label]) => (
          <button type="button" key={t} aria-pressed={tab === t} onClick={() => setTab(t)}>
            {label}
          </button>
        ))}
      </nav>
      {tab === 'login' ? <Login /> : tab === 'register' ? <Register /> : <Reset />}
      {tab === 'login' && <IdProviders />}
    </main>
  );
}
