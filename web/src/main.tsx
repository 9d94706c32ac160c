// The web client's entry point: renders the page into #app.
import { render } from 'preact';
import { takeLoginCode } from './id-login.ts';
import { clearUnseen } from './notify.ts';
import { reloadedWhileIn } from './remember.ts';
import { update } from './store.ts';
import { App } from './ui/App.tsx';

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') clearUnseen();
});

// Back from an identity provider: the login code leaves the URL before anything else runs.
takeLoginCode();

// A reload ends the session (the server binds it to the connection): say so, once.
if (reloadedWhileIn()) {
  update({
    notice:
      'The reload signed you out (a session lives as long as its connection): log in again to go on.',
  });
}

const root = document.getElementById('app');
if (root) render(<App />, root);
