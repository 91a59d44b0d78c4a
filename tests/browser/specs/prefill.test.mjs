// The bio.tools prefill on the registration form, against the stand-in bio.tools that
// scripts/browser-tests serves (our fixture tests/fixtures/biotools/minitool.json as /tool/minitool/):
// entering the entry's address and leaving the field shows the banner; "Apply prefill" fills the empty
// fields and adds the EDAM terms as chips; a field already typed in is left alone; an unknown entry
// shows the warning and changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, expectClean, axeScan, screenshot } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a bio.tools address fills the empty fields and the EDAM pickers', async () => {
  const page = await openPage(browser);
  await page.goto('/register/');
  await page.fill('#id_service_description', 'Typed by the submitter: this description must stay as it is, whatever bio.tools says.');
  await page.fill('#id_biotools_url', 'https://bio.tools/minitool');
  await page.keyboard.press('Tab');
  const banner = page.locator('#biotools-prefill');
  await banner.waitFor({ state: 'visible', timeout: 10000 });
  assert.match(await banner.innerText(), /minitool/i);
  assert.match(await banner.innerText(), /EDAM topic/);
  await axeScan(page, 'prefill banner');
  await screenshot(page, 'register-prefill-banner');
  await page.click('#biotools-prefill-apply');
  assert.equal(await page.inputValue('#id_service_name'), 'MiniTool');
  assert.match(await page.inputValue('#id_service_description'), /^Typed by the submitter/, 'a typed field is kept');
  assert.equal(await page.inputValue('#id_github_url'), 'https://github.com/example/minitool');
  const topics = await page.locator('#f-edam_topic_ids .ts-control .item').allInnerTexts();
  assert.ok(topics.some((t) => t.includes('topic_0080')), `EDAM topics: ${topics}`);
  const ops = await page.locator('#f-edam_operation_ids .ts-control .item').allInnerTexts();
  assert.ok(ops.some((t) => t.includes('operation_0292')), `EDAM operations: ${ops}`);
  assert.equal(await banner.isVisible(), false, 'the banner closes once applied');
  expectClean(page);
});

test('an unknown bio.tools entry shows a warning and changes nothing', async () => {
  const page = await openPage(browser, { allow: [404] });
  await page.goto('/register/');
  await page.fill('#id_biotools_url', 'https://bio.tools/no-such-entry');
  await page.keyboard.press('Tab');
  const warning = page.locator('#biotools-prefill-failed');
  await warning.waitFor({ state: 'visible', timeout: 10000 });
  assert.match(await warning.innerText(), /no entry/);
  assert.equal(await page.inputValue('#id_service_name'), '');
  expectClean(page);
});
