// The ID login on the logged-out page: a "Sign in with …" link per configured provider,
// and the step after the provider sent the browser back: redeem the login code, and for a
// new identity choose a username (and an email when the provider vouched for none).
import { useEffect, useState } from 'preact/hooks';
import { type Client, ServerError } from '../../../src/client/browser.ts';
import { fetchProviders, type IdProvider, type Redeemed, redeemLoginCode } from '../id-login.ts';
import { startSession } from '../session.ts';
import { ConfirmRegistration } from './ConfirmRegistration.tsx';
import { errorText, Field, Form } from './forms.tsx';

/** The "Sign in with …" links; nothing when no provider is configured. */
export function IdProviders() {
  const [providers, setProviders] = useState<IdProvider[]>([]);
  useEffect(() => {
    void fetchProviders().then(setProviders);
  }, []);
  if (providers.length === 0) return null;
  return (
    <nav class="id-login" aria-label="ID login">
      <p class="muted">or</p>
      {providers.map((p) => (
        <a key={p.name} class="button" href={`/oidc/${encodeURIComponent(p.name)}/start`}>
          Sign in with {p.label}
        </a>
      ))}
    </nav>
  );
}

/** Why a code was refused, in words for the user. */
function redeemError(err: unknown): string {
  if (err instanceof ServerError && err.code === 'invalid_credentials') {
    return 'That sign-in has expired or was used already: sign in again.';
  }
  return `Sign-in failed: ${errorText(err)}`;
}

/** The step after the provider: redeeming, then (new identity) the account's username. */
export function IdFinish(props: { onDone: () => void }) {
  const [state, setState] = useState<Redeemed | { error: string } | undefined>(undefined);
  useEffect(() => {
    redeemLoginCode().then(setState, (err: unknown) => setState({ error: redeemError(err) }));
  }, []);
  if (state === undefined) return <p role="status">Signing you in…</p>;
  if ('error' in state) {
    return (
      <>
        <p role="alert">{state.error}</p>
        <button type="button" onClick={props.onDone}>
          Back to sign-in
        </button>
      </>
    );
  }
  if (state.done) return null;
  return <NewAccount client={state.client} suggested={state.suggested} />;
}

/** A new identity: choose the account's username (and email, when the server asks). */
function NewAccount(props: { client: Client; suggested: string }) {
  const [f, setF] = useState({ user: props.suggested, email: '' });
  const [needEmail, setNeedEmail] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const c = props.client;
  if (confirming) return <ConfirmRegistration client={c} email={f.email} id="id-code" />;
  return (
    <Form
      label="Create your account"
      submit="Create account"
      onSubmit={async () => {
        try {
          const r = await c.oidcRegister(f.user, needEmail ? f.email : undefined);
          if (r.confirm) setConfirming(true);
          else await startSession(c);
        } catch (err) {
          if (!needEmail && err instanceof ServerError && /email/i.test(err.message)) {
            setNeedEmail(true);
          }
          throw err;
        }
      }}
    >
      <p>Signed in. Choose the name others will see.</p>
      <Field
        id="id-username"
        label="Username"
        value={f.user}
        onInput={set('user')}
        autoComplete="username"
      />
      {needEmail && (
        <Field
          id="id-email"
          label="Email"
          type="email"
          value={f.email}
          onInput={set('email')}
          autoComplete="email"
        />
      )}
    </Form>
  );
}
