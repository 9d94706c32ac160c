// The web client's entry point: renders the page into #app.
import { render } from 'preact';
import { clearUnseen } from './notify.ts';
import { App } from './ui/App.tsx';

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') clearUnseen();
});

const root = document.getElementById('app');
if (root) render(<App />, root);
