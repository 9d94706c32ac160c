// The step after a registration when the server emails a code (create_user or an ID login
// without a verified email): enter the code, then the session starts.
import { useState } from 'preact/hooks';
import type { Client } from '../../../src/client/browser.ts';
import { startSession } from '../session.ts';
import { Field, Form } from './forms.tsx';

/** Confirms the registration on `client` with the code mailed to `email`. */
export function ConfirmRegistration(props: { client: Client; email: string; id: string }) {
  const [code, setCode] = useState('');
  return (
    <Form
      label="Confirm registration"
      submit="Confirm"
      onSubmit={async () => {
        await props.client.confirm(code.trim());
        await startSession(props.client);
      }}
    >
      <p>We emailed a code to {props.email}.</p>
      <Field
        id={props.id}
        label="Code"
        value={code}
        onInput={setCode}
        autoComplete="one-time-code"
      />
    </Form>
  );
}
