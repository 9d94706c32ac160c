// The admin screen in Chromium against the real server: only admins see it; an admin changes
// a level, kicks a user, and stops the server after confirming.
import { expect, it } from 'vitest';
import { login, openPage, startWebServer } from './browser.ts';
import { browserSuite, finish, loginForm, PW, person, poll, TIMEOUT } from './steps.ts';

browserSuite('web client: admin', (ref) => {
  it(
    'an admin changes a level, kicks, and stops the server after confirming',
    async () => {
      const server = await startWebServer({
        users: [{ username: 'root', email: 'root@example.test', password: PW, level: 'admin' }],
      });
      const user = await person(ref.browser, server.url, 'gina');
      expect(await user.getByRole('button', { name: 'Admin' }).count()).toBe(0);
      const admin = await openPage(ref.browser, server.url);
      await login(admin, 'root', PW);
      await admin.getByRole('button', { name: 'Admin', exact: true }).click();
      await admin.getByLabel('User', { exact: true }).fill('gina');
      await admin.getByLabel('Level', { exact: true }).fill('admin');
      await admin.getByRole('button', { name: 'Change level' }).click();
      await admin.getByText('gina is now admin').waitFor();
      await poll(() => user.locator('.me').textContent()).toContain('(admin)');
      await admin.getByRole('button', { name: 'Kick user' }).click();
      await admin.getByText(/gina: 1 session\(s\) ended/).waitFor();
      await loginForm(user);
      admin.once('dialog', (d) => void d.accept());
      await admin.getByRole('button', { name: 'Stop server' }).click();
      expect((await server.exited).code).toBe(0);
      await finish(undefined, admin, user);
    },
    TIMEOUT,
  );
});
