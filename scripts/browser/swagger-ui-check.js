#!/usr/bin/env node
// Drives Swagger UI in Debian's Chromium (playwright-core, no browser download) as a person would:
// the operations are listed; Authorize with a bearer token; GET /api/v1/patients through
// "Try it out" answers 200; POST /api/v1/patients with a new patient answers 201.
//
// Usage: node swagger-ui-check.js BASE_URL TOKEN       (scripts/browser-check.sh calls it)
// Environment: CHROMIUM (default /usr/bin/chromium); SCREENSHOT_DIR (default a new temp dir, kept
// only on failure; when given, a screenshot of the end is saved there on success too).
// Exits 1 on failure, after saving a screenshot and printing its path.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [base, token] = process.argv.slice(2);
if (!base || !token) {
  console.error('usage: node swagger-ui-check.js BASE_URL TOKEN');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT = 20000;

let step = 'start';
const checks = [];
function pass(what) {
  checks.push(what);
}
function fail(message) {
  throw new Error(message);
}

async function expectStatus(block, code) {
  // The live response of the last "Execute": the first row of .live-responses-table.
  const cell = block.locator('.live-responses-table tr.response .response-col_status').first();
  await cell.waitFor({ timeout: STEP_TIMEOUT });
  const text = (await cell.innerText()).trim();
  if (!text.startsWith(String(code))) {
    const body = await block.locator('.live-responses-table tr.response .response-col_description').first().innerText().catch(() => '');
    fail(`expected a live response ${code}, got ${text}: ${body.replace(/\s+/g, ' ').slice(0, 500)}`);
  }
}

async function tryItOut(block) {
  await block.locator('.opblock-summary').first().click();
  await block.locator('button.try-out__btn').click();
  await block.locator('button.execute').waitFor({ timeout: STEP_TIMEOUT });
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'swagger-ui-check-profile-'));
  const shots = process.env.SCREENSHOT_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'swagger-ui-check-'));
  const consoleErrors = [];
  let context;
  let page;
  try {
    step = 'launch Chromium';
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
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
      viewport: { width: 1400, height: 1000 },
      timeout: 60000,
    });
    context.setDefaultTimeout(STEP_TIMEOUT);
    page = context.pages()[0] || (await context.newPage());
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(String(e)));

    step = 'open /swagger-ui/';
    const answer = await page.goto(`${base}/swagger-ui/`, { waitUntil: 'domcontentloaded' });
    if (!answer || answer.status() !== 200) fail(`/swagger-ui/ answered ${answer && answer.status()}`);
    await page.locator('.opblock').nth(49).waitFor({ timeout: 30000 });
    const count = await page.locator('.opblock').count();
    if (count < 50) fail(`only ${count} operations listed`);
    pass(`${count} operations listed`);

    step = 'find list_lab_orders';
    const labs = page.locator('#operations-lab-orders-list_lab_orders');
    await labs.waitFor();
    const summary = await labs.locator('.opblock-summary-description').innerText();
    if (!summary.includes('List lab orders')) fail(`list_lab_orders shows "${summary}"`);
    pass('list_lab_orders listed with its summary');

    step = 'Authorize';
    await page.locator('.auth-wrapper button.authorize').click();
    const modal = page.locator('.dialog-ux .modal-ux');
    await modal.waitFor();
    await modal.locator('#auth-bearer-value, input[type="text"], input[type="password"]').first().fill(token);
    await modal.locator('button.authorize').click();
    await modal.getByRole('button', { name: /logout|remove authorization/i }).waitFor(); // once authorized
    await modal.locator('button.btn-done').click();
    await modal.waitFor({ state: 'detached' });
    if (!(await page.locator('.auth-wrapper button.authorize.locked').count())) fail('the Authorize button shows no lock');
    pass('authorized');

    step = 'GET /api/v1/patients';
    const list = page.locator('#operations-patients-list_patients');
    await tryItOut(list);
    // Try it out fills the query filters with the document's examples: clear them.
    const inputs = list.locator('.parameters input[type="text"], .parameters input:not([type])');
    for (let i = 0; i < (await inputs.count()); i++) await inputs.nth(i).fill('');
    await list.locator('button.execute').click();
    await expectStatus(list, 200);
    const url = await list.locator('.request-url pre, .request-url').first().innerText();
    if (url.includes('mrn=') || url.includes('name=')) fail(`the filters were not cleared: ${url}`);
    pass('GET /api/v1/patients answered 200');

    step = 'POST /api/v1/patients';
    const create = page.locator('#operations-patients-create_patient');
    await tryItOut(create);
    const mrn = `MRN-UI-${Date.now()}`;
    const patient = { mrn, given_name: 'Ana', family_name: 'Swagger', birth_date: '1990-05-17', sex: 'FEMALE' };
    await create.locator('textarea.body-param__text').fill(JSON.stringify(patient, null, 2));
    await create.locator('button.execute').click();
    await expectStatus(create, 201);
    const body = await create.locator('.live-responses-table tr.response .response-col_description').first().innerText();
    if (!body.includes(mrn)) fail(`the 201 answer does not show the new MRN ${mrn}`);
    pass('POST /api/v1/patients answered 201');

    if (process.env.SCREENSHOT_DIR) {
      await create.locator('.live-responses-table').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shots, 'swagger-ui-done.png') });
    }
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
    if (!process.env.SCREENSHOT_DIR) fs.rmSync(shots, { recursive: true, force: true });
    console.log(`swagger-ui: ${checks.length} passed, 0 failed`);
  } catch (err) {
    console.error(`swagger-ui check FAILED at "${step}": ${err.message.split('\n')[0]}`);
    for (const c of checks) console.error(`  passed: ${c}`);
    if (consoleErrors.length) console.error(`  browser console errors:\n    ${consoleErrors.slice(0, 10).join('\n    ')}`);
    if (page) {
      const file = path.join(shots, 'swagger-ui-failure.png');
      try {
        await page.screenshot({ path: file, timeout: 10000 });
        console.error(`  screenshot: ${file}`);
      } catch (e) {
        console.error(`  no screenshot: ${e.message.split('\n')[0]}`);
      }
    }
    if (context) await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
    console.error(`swagger-ui: ${checks.length} passed, 1 failed`);
    process.exit(1);
  }
}

main();
