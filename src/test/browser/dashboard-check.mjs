// Issue 25, Must show 2: Debian's Chromium, driven by Playwright (playwright-core, which downloads no browser), opens
// Spring Boot Admin's pages for a broker whose IAM is down (ops/DashboardDemo) and finds what an operator looks for:
// the IAM component DOWN with its error on the instance's details page, and the broker's token cache in the Tokens
// view of the UI extension, whose Refresh and Evict buttons reach the broker through SBA. Screenshots go to OUT_DIR.
// SBA's pages fill in from a live event stream after load, so each check waits for the text, never for a fixed time.
// Usage: node dashboard-check.mjs SBA_URL INSTANCE_ID OUT_DIR
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [sbaUrl, instance, outDir] = process.argv.slice(2);
if (!sbaUrl || !instance || !outDir) {
  console.error('usage: node dashboard-check.mjs SBA_URL INSTANCE_ID OUT_DIR');
  process.exit(2);
}
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const timeout = 30_000;
mkdirSync(outDir, { recursive: true });

// A fresh profile for every run (Playwright passes it as --user-data-dir), and Chromium kept off the network.
const profile = mkdtempSync(join(tmpdir(), 'dashboard-check-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: chromiumPath,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1440, height: 1000 },
});

const failures = [];
const checks = [];
function check(name, ok, detail = '') {
  checks.push(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ': ' + detail : ''}`);
  if (!ok) failures.push(name);
}

try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeout);
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));

  // The application list and the wallboard: the broker in SBA's own RESTRICTED colour.
  await page.goto(`${sbaUrl}/applications`);
  await page.getByText('RESTRICTED', { exact: true }).first().waitFor();
  check('the application list shows the broker RESTRICTED', true);
  await page.screenshot({ path: join(outDir, 'sba-applications.png'), fullPage: true });
  await page.goto(`${sbaUrl}/wallboard`);
  await page.getByText('token-broker', { exact: true }).first().waitFor();
  await page.screenshot({ path: join(outDir, 'sba-wallboard.png') });

  // The instance's details page: the health panel with upstreams > iam DOWN and its reason.
  await page.goto(`${sbaUrl}/instances/${instance}/details`);
  const iamError = page.getByText('iam is unreachable', { exact: true });
  await iamError.first().waitFor();
  check('details page shows the IAM error text', await iamError.first().isVisible(), 'iam is unreachable');
  const code = page.getByText('BXNIM0415E', { exact: true });
  await code.first().waitFor();
  check('details page shows the refused key\'s IAM error code', await code.first().isVisible(), 'BXNIM0415E');
  const iamGroup = page.getByRole('group', { name: 'iam', exact: true });
  const iamStatus = (await iamGroup.first().innerText()).replace(/\s+/g, ' ');
  check('the iam component is DOWN', /\bDOWN\b/.test(iamStatus), iamStatus.slice(0, 120));
  await page.screenshot({ path: join(outDir, 'sba-details.png'), fullPage: true });

  // The Tokens view, from the extension jar: listed in the instance's navigation, one row per cached entry.
  await page.goto(`${sbaUrl}/instances/${instance}/tokens`);
  const row = page.locator('tr[data-credential="wml-prod"]');
  await row.waitFor();
  const rowText = (await row.innerText()).replace(/\s+/g, ' ');
  check('tokens view lists wml-prod', /wml-prod/.test(rowText) && /iam-token/.test(rowText) && /minted/.test(rowText), rowText);
  const iotRow = page.locator('tr[data-credential="factory-iot"]');
  await iotRow.waitFor();
  check('tokens view lists the WIoTP key', /iot-key/.test(await iotRow.innerText()));
  const html = await page.content();
  check('no secret on the page', !/MASTERCANARY|tbk_|access_token|auth-token/.test(html));

  // Refresh: IAM is down, so the broker answers 502 and the view says why; the entry stays.
  await row.getByRole('button', { name: 'Refresh' }).click();
  const refreshOutcome = row.locator('.tb-tokens__action--failed');
  await refreshOutcome.waitFor();
  check('Refresh reaches the broker through SBA', /iam unavailable/.test(await refreshOutcome.innerText()),
    await refreshOutcome.innerText());
  await page.locator('tr[data-credential="wml-prod"] .tb-tokens__error').first().waitFor();
  await page.screenshot({ path: join(outDir, 'sba-tokens.png'), fullPage: true });

  // Evict asks for a confirmation (a second click), then drops the entry.
  const evict = iotRow.getByRole('button', { name: 'Evict' });
  await evict.click();
  await iotRow.getByRole('button', { name: 'Evict?' }).click();
  await page.locator('tr[data-credential="factory-iot"]').waitFor({ state: 'detached' });
  check('Evict drops the entry', (await page.locator('tr[data-credential="factory-iot"]').count()) === 0);

  check('no script error on the pages', pageErrors.length === 0, pageErrors.join(' | '));
} catch (error) {
  failures.push(String(error));
  checks.push(`FAIL ${error}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

console.log(checks.join('\n'));
if (failures.length > 0) {
  console.error(`dashboard check: ${failures.length} failed`);
  process.exit(1);
}
console.log(`dashboard check: ${checks.length} passed, 0 failed; screenshots in ${outDir}`);
