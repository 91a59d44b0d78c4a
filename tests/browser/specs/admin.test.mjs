// The admin portal end to end in Chromium: an Editor (created with the CLI) signs in, reads the
// dashboard, filters the submissions list to "submitted" (an HTMX swap that keeps the URL), opens a
// submission, approves it (the status e-mail reaches the file mailer) and issues a read-only key that
// is shown exactly once. Screenshots of the dashboard, the list and the submission page; an axe-core
// scan of each finds no serious or critical violation. The steps share state, so they run in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, expectClean, axeScan, screenshot, BASE_URL } from '../lib.mjs';

const MAIL_DIR = process.env.MAIL_DIR;
const REGISTRY_BIN = process.env.REGISTRY_BIN;
const DATA_DIR = process.env.REGISTRY_DATA_DIR;
const ADMIN = '/admin-denbi/';
const run = Date.now().toString(36);
const editor = { username: `editor-${run}`, password: `browser test passphrase ${run}` };
const service = { name: `Admin browser test ${run}`, contact: `internal-${run}@example.org`, id: null };
const KEY_SHAPE = /^[A-Za-z0-9_-]{40,128}$/;

let browser;
let page;
let adminKey;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

function needs(...values) {
  for (const v of values) assert.ok(v, 'an earlier step failed: nothing to work with');
}

async function getJson(path) {
  const r = await fetch(`${BASE_URL}${path}`, { headers: { authorization: `AdminKey ${adminKey}` } });
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  const j = await r.json();
  return j.results ?? j;
}

// Registers a submission through the public API with the example reference data.
async function register(name, contact) {
  const [cat] = await getJson('/api/v1/categories/');
  const [centre] = await getJson('/api/v1/service-centers/');
  const [pi] = await getJson('/api/v1/pis/');
  const body = {
    date_of_entry: '2026-11-01', submitter_first_name: 'Ada', submitter_last_name: 'Lovelace',
    submitter_affiliation: 'Example University', service_name: name,
    service_description: 'A service registered by the admin browser test; it annotates protein functions for many groups.',
    year_established: 2021, service_category_ids: [cat.id], publications_pmids: '34848984',
    responsible_pi_ids: [pi.id], host_institute: 'Example Institute',
    service_center_id: centre.id, public_contact_email: 'help@example.org', internal_contact_name: 'Grace Hopper',
    internal_contact_email: contact, website_url: 'https://example.org', terms_of_use_url: 'https://example.org/terms',
    licenses: ['MIT'], kpi_monitoring: 'planned', data_protection_consent: true,
  };
  const r = await fetch(`${BASE_URL}/api/v1/submissions/`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, 201, text);
  return JSON.parse(text).id;
}

// Waits until the file mailer has written a new e-mail to `to` that mentions `needle`.
async function waitForMail(to, needle, after, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (existsSync(MAIL_DIR)) {
      for (const f of readdirSync(MAIL_DIR).filter((n) => n.endsWith('.eml') && !after.has(n))) {
        const raw = readFileSync(join(MAIL_DIR, f), 'utf8');
        if (raw.includes(to) && /status/i.test(raw) && raw.includes(needle)) return raw;
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`no new e-mail to ${to} mentioning ${needle} in ${MAIL_DIR}`);
}

const mailsNow = () => new Set(existsSync(MAIL_DIR) ? readdirSync(MAIL_DIR) : []);

test('1. an operator creates an Editor with the CLI; two submissions are registered', async () => {
  assert.ok(REGISTRY_BIN && DATA_DIR && MAIL_DIR, 'scripts/browser-tests sets REGISTRY_BIN, REGISTRY_DATA_DIR, MAIL_DIR');
  const env = { ...process.env, STAFF_PASSWORD: editor.password };
  for (const k of ['DATABASE_URL', 'DB_HOST', 'REDIS_URL', 'ENVIRONMENT']) delete env[k];
  const out = execFileSync(REGISTRY_BIN, ['--data-dir', DATA_DIR, 'create-user', '--username', editor.username,
    '--role', 'Registry Editor', '--no-input'], { encoding: 'utf8', env });
  assert.match(out, /Staff user .* created with roles: Registry Editor/);
  // A read-only machine key, only to look up the reference data's ids.
  adminKey = execFileSync(REGISTRY_BIN, ['--data-dir', DATA_DIR, 'admin-key', 'create', '--scope', 'read',
    '--label', `browser test ${run}`], { encoding: 'utf8', env }).trim();
  service.id = await register(service.name, service.contact);
  await register(`Other service ${run}`, `other-${run}@example.org`);
});

test('2. the Editor signs in and sees the dashboard', async () => {
  needs(service.id);
  page = await openPage(browser);
  await page.goto(ADMIN);
  assert.match(page.url(), /\/admin-denbi\/login\/\?next=/, 'anonymous users are sent to the login page');
  await page.getByLabel('Username').fill(editor.username);
  await page.getByLabel('Password').fill(editor.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${BASE_URL}${ADMIN}`);
  await page.getByRole('heading', { name: 'Administration Portal' }).waitFor();
  await page.getByRole('heading', { name: 'Submissions by status' }).waitFor();
  assert.ok(await page.getByText('Newest awaiting review').isVisible());
  assert.ok(await page.getByRole('link', { name: service.name }).isVisible(), 'the new submission awaits review');
  await page.setViewportSize({ width: 1280, height: 900 });
  await screenshot(page, 'admin-dashboard');
  await axeScan(page, 'admin dashboard');
  expectClean(page);
});

test('3. the list is filtered to "submitted" without a page load and keeps a shareable URL', async () => {
  needs(page);
  await page.getByRole('navigation', { name: 'Portal sections' }).getByRole('link', { name: 'Service submissions' }).click();
  await page.getByRole('heading', { level: 1, name: 'Service submissions' }).waitFor();
  // Mark the document: an HTMX swap keeps it, a full load would not.
  await page.evaluate(() => { window.__noReload = true; });
  const status = page.locator('details.filter-section[data-field="status__exact"]');
  // The option's accessible name carries its facet count, e.g. "Submitted (1)".
  await status.getByRole('link', { name: /^Submitted \(\d+\)$/ }).click();
  await page.waitForURL(/status__exact=submitted/);
  await page.locator('.active-filters-block').waitFor();
  assert.ok(await page.evaluate(() => window.__noReload === true), 'the list was swapped in by HTMX');
  assert.ok(await page.getByText('Status: Submitted').isVisible(), 'the filter shows as a chip');
  assert.ok(await page.getByRole('link', { name: service.name }).isVisible());
  // The URL is shareable: loading it afresh shows the same selection.
  await page.reload();
  assert.ok(await page.locator('.active-filters-block').isVisible());
  await screenshot(page, 'admin-submissions-list');
  await axeScan(page, 'admin submissions list');
  expectClean(page);
});

test('4. the Editor opens the submission and approves it; the status e-mail goes out', async () => {
  needs(page, service.id);
  const before = mailsNow();
  await page.getByRole('link', { name: service.name }).click();
  await page.getByRole('heading', { name: new RegExp(service.name) }).waitFor();
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByText(`The submission “${service.name}” is now Approved.`).waitFor();
  assert.ok(await page.getByRole('button', { name: '✓ Approve' }).isDisabled(), 'the current status is disabled');
  assert.ok(await page.locator('#audit-trail').getByText('Status changed Submitted → Approved').isVisible());
  await waitForMail(service.contact, service.id, before);
  expectClean(page);
});

test('5. a read-only key is issued and shown exactly once', async () => {
  needs(page);
  await page.getByLabel('Scope').selectOption('read');
  await page.getByLabel('New key label (optional)').fill('Browser read key');
  await page.getByRole('button', { name: 'Issue new key' }).click();
  const shown = (await page.locator('#new-key-value').textContent()).trim();
  assert.match(shown, KEY_SHAPE);
  assert.ok(await page.locator('#key-list').getByText('Browser read key · read-only').isVisible());
  await screenshot(page, 'admin-submission-detail');
  await axeScan(page, 'admin submission page');
  // The key works (read scope) and is gone from the page after a reload.
  const r = await fetch(`${BASE_URL}/api/v1/submissions/${service.id}/`, { headers: { authorization: `ApiKey ${shown}` } });
  assert.equal(r.status, 200);
  await page.goto(`${ADMIN}submissions/${service.id}/`);
  assert.equal(await page.locator('#new-key-value').count(), 0);
  assert.ok(!(await page.content()).includes(shown), 'never shown again');
  expectClean(page);
});
