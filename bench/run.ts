/**
 * `npm run bench [section …]`: timing and memory figures, measured outside the test suite. With no argument every
 * section runs. Sections that need Postgres use BENCH_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test).
 */

import { accountActionsBench } from './account-actions.js';
import { billingBench } from './billing.js';
import { fanoutBench } from './fanout.js';
import { foundationBench } from './foundation.js';
import { matchingBench } from './matching.js';
import { rcaBench } from './rca.js';
import { reportsBench } from './reports.js';
import { sandboxBench } from './sandbox.js';
import { statusPageBench } from './status-page.js';

const sections: Record<string, () => Promise<void>> = {
  foundation: foundationBench,
  matching: matchingBench,
  billing: billingBench,
  reports: reportsBench,
  'account-actions': accountActionsBench,
  'status-page': statusPageBench,
  sandbox: sandboxBench,
  rca: rcaBench,
  fanout: fanoutBench,
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in sections));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown bench section(s): ${unknown.join(', ')}; known: ${Object.keys(sections).join(', ')}\n`,
  );
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : Object.keys(sections)) {
  await sections[name]?.();
}
process.exit(0);
