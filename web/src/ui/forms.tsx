// Small form pieces shared by the screens: a labelled field and a submit that shows errors.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/** A labelled input; the label is tied to the input for screen readers. */
export function Field(props: {
  id: string;
  label: string;
  type?: 'text' | 'password' | 'email';
  value: string;
  onInput: (v: string) => void;
  autoComplete?: string;
  required?: boolean;
}) {
  return (
    <p class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        type={(props.type ?? 'text') as 'text'}
        value={props.value}
        autoComplete={props.autoComplete}
        required={props.required ?? true}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
    </p>
  );
}

/** The message of an error from the SDK (a ServerError's text, or a plain one). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A form that runs `onSubmit`, disables itself meanwhile and shows its error as text. */
export function Form(props: {
  label: string;
  submit: string;
  onSubmit: () => Promise<void>;
  children: ComponentChildren;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  return (
    <form
      aria-label={props.label}
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError('');
        try {
          await props.onSubmit();
        } catch (err) {
          setError(errorText(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      {props.children}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {props.submit}
      </button>
    </form>
  );
}
