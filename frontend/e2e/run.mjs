// End-to-end suite against the real platform in dev mode. Prints one line per scenario and a
// closing "N passed, N failed" line; screenshots land in frontend/artifacts/.
import assert from 'node:assert/strict';
import { ARTIFACTS, launchBrowser, openPages } from './browser.mjs';
import { scenarios } from './scenarios.mjs';
import { receiverHost, startReceiver } from './receiver.mjs';
import { startStack } from './stack.mjs';

const only = process.env.E2E_ONLY;
let passed = 0;
let failed = 0;
let skipped = 0;
const host = await receiverHost();
const stack = await startStack({ receiverHost: host });
const browser = await launchBrowser();
const receiver = await startReceiver(host);
const shared = { baseUrl: stack.baseUrl, demo: stack.demo, browser, assert, receiver };
try {
  for (const scenario of scenarios) {
    if (only && !scenario.name.includes(only)) continue;
    const started = Date.now();
    try {
      const result = await scenario.run(shared);
      if (result === 'skip') {
        skipped += 1;
        console.log(`SKIP ${scenario.name}`);
      } else {
        passed += 1;
        console.log(`ok   ${scenario.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      }
    } catch (error) {
      failed += 1;
      console.log(`FAIL ${scenario.name}\n${error?.stack ?? error}`);
      let n = 0;
      for (const page of openPages) {
        n += 1;
        await page.screenshot({ path: `${ARTIFACTS}failure-${failed}-${n}.png`, fullPage: true }).catch(() => undefined);
        await page.context().close().catch(() => undefined);
      }
    }
  }
} finally {
  await browser.close();
  await receiver.close();
  await stack.stop();
}
console.log(`e2e: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
