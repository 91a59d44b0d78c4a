// The public forms end to end in Chromium: /register/ (EDAM and licence pickers, inline errors, logo,
// the ALTCHA captcha solved on submit, the key page), /update/ (pre-filled edit form, saving, the
// changes page and its e-mail, a read-only key refused) and lost-key recovery through the e-mailed
// link. The steps share one registration, so they run in order; a step whose predecessor failed says
// so instead of failing obscurely.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, openPage, expectClean, axeScan, screenshot } from '../lib.mjs';

const MAIL_DIR = process.env.MAIL_DIR;
const REGISTRY_BIN = process.env.REGISTRY_BIN;
const DATA_DIR = process.env.REGISTRY_DATA_DIR;

// An 8×8 RGB PNG, so that the server's logo check (sniffing, decoding, re-encoding) has a real image.
const PNG_8X8 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGOQizqBFTEMLQkAGBlQATpZBa0AAAAASUVORK5CYII=',
  'base64',
);

// What the steps hand on: the registration of step 4 and its keys.
const run = Date.now().toString(36);
const state = {
  name: `Browser test service ${run}`,
  contact: `contact-${run}@example.org`,
  description: 'A test service registered by the browser tests: it aligns peptide sequences and ' +
    'reports proteomics results for the people who run them.',
  key: null,
  id: null,
};
// A key as the server issues them: URL-safe base64 of at least 32 bytes.
const KEY_SHAPE = /^[A-Za-z0-9_-]{40,128}$/;

let browser;
let tmp;
before(async () => {
  browser = await launch();
  tmp = mkdtempSync(join(tmpdir(), 'forms-test-'));
});
after(async () => {
  await browser?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function needs(...keys) {
  for (const k of keys) assert.ok(state[k], `an earlier step failed: no ${k} to work with`);
}

// --- Tom Select ---------------------------------------------------------------------------------

// Tom Select hides the <select id="id_NAME"> and adds a typing box `id_NAME-ts-control` and a dropdown
// `id_NAME-ts-dropdown`.
const control = (page, name) => page.locator(`#id_${name}-ts-control`);
const options = (page, name) => page.locator(`#id_${name}-ts-dropdown .option`);
const items = (page, name) => page.locator(`#f-${name} .ts-control .item`);

// Types `query` into a picker and returns the texts of the options it then offers. A remote picker
// (EDAM, licences) is given time to fetch and show the server's answer to this very query.
async function typeInto(page, name, query) {
  const box = control(page, name);
  const source = await page.locator(`#id_${name}`).getAttribute('data-source');
  await box.click();
  await box.fill('');
  const answered = source && page.waitForResponse((r) => {
    const url = new URL(r.url());
    return url.pathname === new URL(source, r.url()).pathname && url.searchParams.get('q') === query;
  }, { timeout: 10_000 });
  await box.pressSequentially(query, { delay: 30 });
  if (answered) {
    await answered;
    await page.waitForFunction((id) => document.getElementById(id).tomselect.loading === 0, `id_${name}`);
  }
  await options(page, name).first().waitFor({ state: 'visible', timeout: 10_000 });
  return options(page, name).allInnerTexts();
}

// Picks the option whose label is exactly `label` after typing `query`. (Remote options show the label
// in their first <span>; local ones have the typed part wrapped in a highlight <span>, so their whole
// text is compared.) The options are re-rendered as each letter arrives, so a click that lands on a
// replaced option is retried with the query typed again.
async function pick(page, name, query, label) {
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const option = options(page, name).filter({ has: page.locator('> span:first-child', { hasText: exact }) })
    .or(options(page, name).filter({ hasText: exact }));
  for (let attempt = 1; ; attempt += 1) {
    try {
      await typeInto(page, name, query);
      await option.first().click({ timeout: 5_000 });
      await items(page, name).filter({ hasText: label }).first().waitFor({ timeout: 5_000 });
      break;
    } catch (e) {
      if (attempt === 3) {
        const html = await page.locator(`#f-${name}`).evaluate((el) => el.outerHTML);
        throw new Error(`could not pick "${label}" in ${name} after typing "${query}": ${e.message}\n${html}`);
      }
      await page.keyboard.press('Escape');
    }
  }
  await page.keyboard.press('Escape');
}

// --- e-mails of the file mailer -------------------------------------------------------------------

// One .eml: unfolded headers and the decoded text of every part (quoted-printable or base64).
function parseEml(raw) {
  const decodeWord = (s) => s.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, _cs, enc, text) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
  const split = (text) => {
    const at = text.search(/\r?\n\r?\n/);
    const head = at < 0 ? text : text.slice(0, at);
    const body = at < 0 ? '' : text.slice(at).replace(/^\r?\n\r?\n/, '');
    const headers = {};
    for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = decodeWord(line.slice(i + 1).trim());
    }
    return { headers, body };
  };
  const decode = (headers, body) => {
    const enc = (headers['content-transfer-encoding'] ?? '').toLowerCase();
    if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (enc === 'quoted-printable') {
      const bytes = body.replace(/=\r?\n/g, '')
        .replace(/=([0-9A-Fa-f]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    }
    return body;
  };
  const texts = [];
  const walk = (part) => {
    const type = part.headers['content-type'] ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (/^multipart\//i.test(type) && boundary) {
      for (const chunk of part.body.split(`--${boundary}`).slice(1)) {
        if (chunk.startsWith('--')) break;
        walk(split(chunk.replace(/^\r?\n/, '')));
      }
    } else {
      texts.push(decode(part.headers, part.body));
    }
  };
  const top = split(raw);
  walk(top);
  return { headers: top.headers, text: texts.join('\n') };
}

// Waits until the file mailer has written an e-mail to `to` whose subject contains `subject`.
async function waitForMail({ to, subject, timeout = 30_000 }) {
  assert.ok(MAIL_DIR, 'MAIL_DIR is set (scripts/browser-tests sets it)');
  const deadline = Date.now() + timeout;
  let seen = [];
  while (Date.now() < deadline) {
    if (existsSync(MAIL_DIR)) {
      seen = readdirSync(MAIL_DIR).filter((f) => f.endsWith('.eml')).sort()
        .map((f) => parseEml(readFileSync(join(MAIL_DIR, f), 'utf8')));
      const hit = seen.find((m) => (m.headers.to ?? '').includes(to) && (m.headers.subject ?? '').includes(subject));
      if (hit) return hit;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`no e-mail to ${to} with subject containing "${subject}" in ${MAIL_DIR}; subjects seen: ` +
    JSON.stringify(seen.map((m) => `${m.headers.to}: ${m.headers.subject}`)));
}

// --- page steps -------------------------------------------------------------------------------

// Clicks a submit button of a form carrying the ALTCHA widget (`auto="onsubmit"`: the widget solves
// the challenge first, then submits) and returns the POST's response and what the form sent as
// `altcha`, with the widget's state at that moment. (Chromium gives no post body to Playwright when
// the form carries a file, so the form's `formdata` event reports it through a binding; bindings are
// DevTools-protocol calls, which the page's CSP does not govern.)
async function submitWithCaptcha(page, buttonName, path) {
  const sent = { altcha: null, state: null };
  if (!page.captchaBinding) {
    page.captchaBinding = sent;
    await page.exposeFunction('reportCaptcha', (altcha, widgetState) => {
      Object.assign(page.captchaBinding, { altcha, state: widgetState });
    });
  }
  page.captchaBinding = sent;
  await page.evaluate(() => {
    const form = document.getElementById('registration-form');
    form.addEventListener('formdata', (e) => {
      const widget = document.querySelector('altcha-widget .altcha');
      globalThis.reportCaptcha(String(e.formData.get('altcha') ?? ''), widget?.dataset.state ?? null);
    });
  });
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path,
    { timeout: 60_000 });
  await page.getByRole('button', { name: buttonName }).click();
  const response = await answered;
  await page.waitForLoadState('domcontentloaded');
  return { response, altcha: sent.altcha ?? '', widgetState: sent.state };
}

// Opens the edit form with `key`; returns the response of POST /update/ (a 303 is followed).
async function enterKey(page, key) {
  await page.goto('/update/');
  await page.fill('#id_api_key', key);
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/update/');
  await page.getByRole('button', { name: 'Open the registration' }).click();
  const response = await answered;
  await page.waitForLoadState('domcontentloaded');
  return response;
}

// --- the checklist ------------------------------------------------------------------------------

test('1. /register/ loads with the EDAM topic and operation pickers in section B', async () => {
  const page = await openPage(browser);
  const response = await page.goto('/register/');
  assert.equal(response.status(), 200);
  await page.waitForSelector('#registration-form');
  for (const letter of 'abcdefg') assert.equal(await page.locator(`#section-${letter}`).count(), 1, `#section-${letter}`);
  for (const name of ['edam_topic_ids', 'edam_operation_ids']) {
    assert.equal(await page.locator(`#section-b select[name=${name}]`).count(), 1, `${name} in section B`);
    // The picker is set up: its typing box is visible and tied to the field's label.
    await control(page, name).waitFor({ state: 'visible' });
    assert.match(await page.locator(`#f-${name} label`).innerText(), /EDAM/);
  }
  assert.equal(await page.locator('#section-g altcha-widget[name=altcha]').count(), 1, 'captcha in section G');
  await page.waitForFunction(() => customElements.get('altcha-widget'));
  await axeScan(page, 'register-empty');
  await screenshot(page, 'register-empty');
  expectClean(page);
});

test('2. typing "prote" in the EDAM topics offers Proteomics first', async () => {
  const page = await openPage(browser);
  await page.goto('/register/');
  const texts = await typeInto(page, 'edam_topic_ids', 'prote');
  assert.ok(texts.length >= 2, `several suggestions: ${JSON.stringify(texts)}`);
  assert.match(texts[0], /Proteomics/, `first suggestion: ${JSON.stringify(texts)}`);
  assert.match(texts[0], /topic_0121/, 'the suggestion shows the accession');
  // A new query replaces the suggestions, and a synonym hit says which synonym matched.
  const synonyms = await typeInto(page, 'edam_topic_ids', 'NGS');
  assert.ok(!synonyms.some((s) => s.includes('Proteomics')), `no stale suggestion: ${JSON.stringify(synonyms)}`);
  assert.match(synonyms[0], /^Sequencing topic_3168/, `first suggestion for NGS: ${JSON.stringify(synonyms)}`);
  assert.match(synonyms[0], /matched: NGS/, 'the synonym that matched is shown');
  // Operations come from their own branch.
  const operations = await typeInto(page, 'edam_operation_ids', 'sequence alignment');
  assert.ok(operations.every((s) => /operation_\d+/.test(s)), `only operations: ${JSON.stringify(operations)}`);
  await screenshot(page, 'register-edam-suggestions');
  expectClean(page);
});

test('3. an incomplete form comes back with 422, the error summary and the typed values', async () => {
  const page = await openPage(browser, { allow: [422] });
  await page.goto('/register/');
  await page.fill('#id_service_name', state.name);
  await page.fill('#id_service_description', 'Too short.');
  await page.fill('#id_internal_contact_email', state.contact);
  const { response } = await submitWithCaptcha(page, 'Send registration', '/register/');
  assert.equal(response.status(), 422);
  const summary = page.locator('#error-summary');
  await summary.waitFor();
  assert.match(await summary.innerText(), /Please correct \d+ problems/);
  // The summary links to the fields, and the fields show their messages.
  assert.ok(await summary.locator('a[href="#f-service_description"]').count() === 1, 'summary links the description');
  assert.ok((await page.locator('#err-service_description').innerText()).trim().length > 0, 'description error shown');
  for (const name of ['year_established', 'service_category_ids', 'host_institute', 'data_protection_consent']) {
    assert.ok((await page.locator(`#err-${name}`).innerText()).trim().length > 0, `missing ${name} reported`);
  }
  // Every field the summary names is marked as required or has a rule it broke, and is linked.
  const links = await summary.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const href of links) assert.equal(await page.locator(href).count(), 1, `summary link ${href} has a target`);
  assert.equal(await page.locator('#id_service_name').inputValue(), state.name, 'service name kept');
  assert.equal(await page.locator('#id_service_description').inputValue(), 'Too short.', 'description kept');
  assert.equal(await page.locator('#id_internal_contact_email').inputValue(), state.contact, 'e-mail kept');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary', 'focus on the summary');
  await axeScan(page, 'register-errors');
  await screenshot(page, 'register-errors');
  expectClean(page);
});

test('4. a complete registration (EDAM, licence, logo, captcha) shows the new key', async () => {
  const page = await openPage(browser);
  await page.goto('/register/');
  // A — about you (the date is pre-filled).
  assert.match(await page.locator('#id_date_of_entry').inputValue(), /^\d{4}-\d{2}-\d{2}$/);
  await page.fill('#id_submitter_first_name', 'Ada');
  await page.fill('#id_submitter_last_name', 'Lovelace');
  await page.fill('#id_submitter_affiliation', 'Example University');
  // B — the service.
  await page.fill('#id_service_name', state.name);
  await page.fill('#id_service_description', state.description);
  await page.fill('#id_year_established', '2015');
  await pick(page, 'service_category_ids', 'Data', 'Database');
  await page.check('#id_is_toolbox_false');
  await pick(page, 'edam_topic_ids', 'prote', 'Proteomics');
  await pick(page, 'edam_topic_ids', 'genomics', 'Genomics');
  await pick(page, 'edam_operation_ids', 'sequence alignment', 'Sequence alignment');
  assert.deepEqual(await page.locator('#id_edam_topic_ids').evaluate((s) => [...s.selectedOptions].length), 2);
  assert.deepEqual(await page.locator('#id_edam_operation_ids').evaluate((s) => [...s.selectedOptions].length), 1);
  await page.fill('#id_publications_pmids', '1234567');
  const logo = join(tmp, 'logo.png');
  writeFileSync(logo, PNG_8X8);
  await page.setInputFiles('#id_logo', logo);
  await page.locator('#logo-preview').waitFor({ state: 'visible' });
  assert.match(await page.locator('#logo-preview').getAttribute('src'), /^data:image\/png;base64,/);
  assert.ok(await page.locator('#logo-preview').evaluate((img) => img.complete && img.naturalWidth === 8), 'the preview shows the image');
  // C — responsibilities and contacts.
  await pick(page, 'responsible_pi_ids', 'Carberry', 'Carberry, Josiah');
  await page.fill('#id_host_institute', 'Example University');
  await pick(page, 'service_center_id', 'Prot', 'BioInfra.Prot — Bioinformatics for Proteomics');
  await page.fill('#id_public_contact_email', 'support@example.org');
  await page.fill('#id_internal_contact_name', 'Ada Lovelace, Example University');
  await page.fill('#id_internal_contact_email', state.contact);
  await page.fill('#id_internal_contact_email_confirm', state.contact);
  // D — websites and licences.
  await page.fill('#id_website_url', 'https://example.org/tool');
  // The stand-in bio.tools of scripts/browser-tests serves this entry; the registration syncs it (step 9).
  await page.fill('#id_biotools_url', 'https://bio.tools/minitool');
  await page.fill('#id_terms_of_use_url', 'https://example.org/terms');
  await pick(page, 'licenses', 'MIT', 'MIT License');
  assert.deepEqual(await page.locator('#id_licenses').evaluate((s) => [...s.selectedOptions].map((o) => o.value)), ['MIT']);
  // E, F, G.
  await page.selectOption('#id_kpi_monitoring', 'yes');
  await page.fill('#id_kpi_start_year', '2016');
  await page.fill('#id_keywords_seo', 'proteomics, alignment');
  await page.check('#id_data_protection_consent');
  await screenshot(page, 'register-filled');

  const { response, altcha, widgetState } = await submitWithCaptcha(page, 'Send registration', '/register/');
  assert.equal(widgetState, 'verified', 'the captcha was solved before the post');
  assert.ok(altcha.length > 20, 'the post carries the solved captcha');
  const solution = JSON.parse(Buffer.from(altcha, 'base64').toString('utf8'));
  assert.equal(solution.algorithm, 'SHA-256');
  assert.ok(Number.isInteger(solution.number), 'the widget found the number');
  if (response.status() !== 200) {
    const summary = await page.locator('#error-summary').innerText().catch(() => '(no summary)');
    assert.fail(`registration refused with ${response.status()}: ${summary}`);
  }
  assert.equal(new URL(page.url()).pathname, '/register/');
  await page.locator('#api-key').waitFor();
  assert.equal(await page.locator('#api-key').getAttribute('readonly'), '');
  const key = await page.locator('#api-key').inputValue();
  assert.match(key, KEY_SHAPE, 'a long URL-safe key');
  const id = (await page.locator('dd code').first().innerText()).trim();
  assert.match(id, /^[0-9a-f-]{36}$/i, 'a reference id');
  assert.match(await page.locator('h1').innerText(), new RegExp(state.name));
  // The copy button writes to the clipboard or selects the key; either way it reports nothing bad.
  await page.getByRole('button', { name: 'Copy' }).click();
  Object.assign(state, { key, id });
  await axeScan(page, 'register-success');
  await screenshot(page, 'register-success');
  // The registration e-mail to the internal contact.
  const mail = await waitForMail({ to: state.contact, subject: 'We have received your registration' });
  assert.ok(!mail.text.includes(key), 'the key is in no e-mail');
  expectClean(page);
});

test('5. the key opens the edit form pre-filled, EDAM terms and licence included', async () => {
  needs('key');
  const page = await openPage(browser);
  const response = await enterKey(page, state.key);
  assert.equal(response.status(), 303);
  assert.equal(new URL(page.url()).pathname, '/update/edit/');
  assert.match(await page.locator('h1').innerText(), new RegExp(state.name));
  assert.equal(await page.locator('#id_service_name').inputValue(), state.name);
  assert.equal(await page.locator('#id_service_description').inputValue(), state.description);
  assert.equal(await page.locator('#id_internal_contact_email').inputValue(), state.contact);
  await control(page, 'edam_topic_ids').waitFor({ state: 'visible' });
  const topics = await items(page, 'edam_topic_ids').allInnerTexts();
  assert.equal(topics.length, 2, `two topics: ${JSON.stringify(topics)}`);
  assert.ok(topics.some((t) => t.includes('Proteomics') && t.includes('topic_0121')), `Proteomics: ${JSON.stringify(topics)}`);
  assert.ok(topics.some((t) => t.includes('Genomics')), `Genomics: ${JSON.stringify(topics)}`);
  const operations = await items(page, 'edam_operation_ids').allInnerTexts();
  assert.deepEqual(operations.map((t) => t.replace(/\s+/g, ' ').replace(/×/g, '').trim().split(' operation_')[0]), ['Sequence alignment']);
  const licences = await items(page, 'licenses').allInnerTexts();
  assert.ok(licences.length === 1 && licences[0].includes('MIT License'), `licence: ${JSON.stringify(licences)}`);
  assert.equal(await items(page, 'service_center_id').count(), 1, 'the service centre is chosen');
  assert.ok(await page.locator('#f-logo img[alt="Current logo"]').count() === 1, 'the stored logo is shown');
  await axeScan(page, 'update-edit');
  await screenshot(page, 'update-edit');
  expectClean(page);
});

test('6. an edit saves, the changes page lists it and the contact gets an e-mail', async () => {
  needs('key');
  const page = await openPage(browser);
  await enterKey(page, state.key);
  const description = `${state.description} Now also with a REST API.`;
  await page.fill('#id_service_description', description);
  const { response } = await submitWithCaptcha(page, 'Save changes', '/update/edit/');
  assert.equal(response.status(), 200);
  const table = page.locator('table#changes');
  await table.waitFor();
  const rows = await table.locator('tbody th').allInnerTexts();
  assert.ok(rows.includes('Service description'), `changed fields: ${JSON.stringify(rows)}`);
  assert.ok(!rows.includes('EDAM topics'), `unchanged EDAM topics are not listed: ${JSON.stringify(rows)}`);
  assert.match(await table.innerText(), /Now also with a REST API/);
  await axeScan(page, 'update-changes');
  await screenshot(page, 'update-changes');
  const mail = await waitForMail({ to: state.contact, subject: `Your registration was updated: ${state.name}` });
  assert.match(mail.text, /Service description/);
  state.description = description;
  expectClean(page);
});

test('7. a read-only key opens the form but cannot save (403, "read-only")', async (t) => {
  needs('key', 'id');
  // An operator issues a read-scope key with the CLI, on the server's own data directory.
  assert.ok(REGISTRY_BIN && DATA_DIR, 'REGISTRY_BIN and REGISTRY_DATA_DIR are set by scripts/browser-tests');
  const env = { ...process.env };
  for (const k of ['DATABASE_URL', 'DB_HOST', 'REDIS_URL', 'ENVIRONMENT']) delete env[k];
  const readKey = execFileSync(REGISTRY_BIN, ['--data-dir', DATA_DIR, 'submission', 'issue-key', state.id,
    '--scope', 'read', '--label', 'Read-only browser test key', '--by', 'browser-test'], { encoding: 'utf8', env }).trim();
  assert.match(readKey, /^[A-Za-z0-9_-]{40,}$/, 'the CLI printed a key');

  const page = await openPage(browser, { allow: [403] });
  const opened = await enterKey(page, readKey);
  assert.equal(opened.status(), 303);
  assert.equal(new URL(page.url()).pathname, '/update/edit/');
  assert.match(await page.locator('.alert-warning').first().innerText(), /read-only/);
  await page.fill('#id_service_description', `${state.description} Read-only change.`);
  const { response } = await submitWithCaptcha(page, 'Save changes', '/update/edit/');
  assert.equal(response.status(), 403);
  assert.match(await page.locator('#f-form').innerText(), /read-only/);
  await screenshot(page, 'update-read-only');
  expectClean(page);
});

test('8. key recovery: e-mailed link, new key, old key refused', async () => {
  needs('key', 'id');
  const page = await openPage(browser, { allow: [403] });
  await page.goto('/update/recover/');
  await page.fill('#id_reference', state.id);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await page.locator('#recover-sent').waitFor();
  await axeScan(page, 'recover-sent');

  const mail = await waitForMail({ to: state.contact, subject: `A new key for your registration: ${state.name}` });
  const link = /https?:\/\/[^\s"<>]*\/update\/recover\/[A-Za-z0-9_-]+\//.exec(mail.text)?.[0];
  assert.ok(link, `a recovery link in the e-mail:\n${mail.text.slice(0, 800)}`);
  const path = new URL(link).pathname;
  const confirm = await page.goto(path);
  assert.equal(confirm.status(), 200);
  assert.match(await page.locator('h1').innerText(), new RegExp(state.name));
  await page.getByRole('button', { name: 'Issue my new key' }).click();
  await page.locator('#api-key').waitFor();
  const newKey = await page.locator('#api-key').inputValue();
  assert.match(newKey, KEY_SHAPE);
  assert.notEqual(newKey, state.key);
  await axeScan(page, 'recover-new-key');
  await screenshot(page, 'recover-new-key');

  // The link works once.
  const again = await page.request.get(path);
  assert.equal(again.status(), 410, 'a used link is gone');

  const refused = await enterKey(page, state.key);
  assert.equal(refused.status(), 403, 'the old key is refused');
  assert.equal(new URL(page.url()).pathname, '/update/');
  assert.ok((await page.locator('#err-api_key').innerText()).trim().length > 0, 'with a message');

  const opened = await enterKey(page, newKey);
  assert.equal(opened.status(), 303);
  assert.equal(new URL(page.url()).pathname, '/update/edit/');
  assert.equal(await page.locator('#id_service_name').inputValue(), state.name);
  state.key = newKey;
  expectClean(page);
});

test('9. the registration\'s bio.tools entry is synced by the worker and served by the API', async () => {
  needs('id');
  const env = { ...process.env };
  for (const k of ['DATABASE_URL', 'DB_HOST', 'REDIS_URL', 'ENVIRONMENT']) delete env[k];
  const adminKey = execFileSync(REGISTRY_BIN, ['--data-dir', DATA_DIR, 'admin-key', 'create', '--scope', 'read',
    '--label', 'browser test bio.tools check'], { encoding: 'utf8', env }).trim();
  assert.match(adminKey, KEY_SHAPE, 'the CLI printed an admin key');
  const page = await openPage(browser);
  const headers = { Authorization: `AdminKey ${adminKey}` };
  // The sync job is queued with the registration and run by the server's own worker.
  let record;
  for (let i = 0; i < 60 && !record; i += 1) {
    const r = await page.request.get('/api/v1/biotools/minitool/', { headers });
    if (r.status() === 200) record = await r.json();
    else await new Promise((done) => setTimeout(done, 500));
  }
  assert.ok(record, 'GET /api/v1/biotools/minitool/ answered 200 within 30 s');
  assert.equal(record.submission, state.id);
  assert.equal(record.name, 'MiniTool');
  assert.equal(record.sync_ok, true);
  assert.deepEqual(record.functions.map((f) => f.position), [0, 1]);
  assert.ok(record.functions[0].operations.length > 0, 'the functions carry their operations');
  assert.ok(record.edam_topics_resolved.some((t) => t.uri === 'http://edamontology.org/topic_0080'));
  const sub = await page.request.get(`/api/v1/submissions/${state.id}/`, { headers });
  assert.equal(sub.status(), 200);
  assert.equal((await sub.json()).biotoolsrecord.biotools_id, 'minitool');
  const anonymous = await page.request.get('/api/v1/biotools/minitool/');
  assert.equal(anonymous.status(), 403, 'no key, no record');
  expectClean(page);
});
