// Vitest global setup: builds dist/ (and web/dist) once before the test files run
// when src/ changed since the last build, so the compiled programs the tests
// start (test/programs.ts) are never stale; again before each watch-mode rerun.
import type { TestProject } from 'vitest/node';
import { buildCheckout, OWN_CHECKOUT } from '../bench/lib/build.ts';

/** Builds this checkout when stale, now and before every rerun in watch mode. */
export default function setup(project: TestProject): void {
  buildCheckout(OWN_CHECKOUT, 'npm test');
  project.onTestsRerun(() => {
    buildCheckout(OWN_CHECKOUT, 'npm test');
  });
}
