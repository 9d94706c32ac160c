// Measures, in Debian's Chromium, how long the conversation view takes to render 1,000
// history messages (render plus the first layout), and the gzip size of the built JS.
// Run: npm run bench:web   (prints one JSON line)
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createServer } from 'vite';
import { ensureWebBuilt, launchBrowser } from '../../test/browser/browser.ts';

const RUNS = 7;
const N = 1000;
const WEB = fileURLToPath(new URL('..', import.meta.url));

function jsGzipBytes(): number {
  ensureWebBuilt();
  const dir = `${WEB}dist/assets`;
  let total = 0;
  for (const f of fs.readdirSync(dir)) {
    if (f.endsWith('.js')) total += gzipSync(fs.readFileSync(`${dir}/${f}`), { level: 9 }).length;
  }
  return total;
}

const gzip = jsGzipBytes();
// Production mode, so Preact's and the page's code run as they do in web/dist.
const vite = await createServer({
  root: WEB,
  configFile: `${WEB}vite.config.ts`,
  mode: 'production',
  logLevel: 'warn',
  server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
});
await vite.listen();
const base = vite.resolvedUrls?.local[0] ?? '';
const browser = await launchBrowser();
const times: number[] = [];
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 750 } });
  // One warm-up load (Vite transforms the modules on first request), then the measured runs.
  for (let i = 0; i <= RUNS; i++) {
    await page.goto(`${base}bench/render.html?n=${N}`);
    const ms = await page.locator('body[data-render-ms]').getAttribute('data-render-ms');
    const rows = await page.locator('.msg').count();
    if (rows !== N) throw new Error(`rendered ${rows} rows, expected ${N}`);
    if (i > 0) times.push(Number(ms));
  }
} finally {
  await browser.close();
  await vite.close();
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const load = (await import('node:os')).loadavg()[0]?.toFixed(2);
console.log(
  JSON.stringify({
    js_gzip_bytes: gzip,
    messages: N,
    render_ms_median: median,
    render_ms_all: times,
    load1: load,
  }),
);
process.exit(0);
