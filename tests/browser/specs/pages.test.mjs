// The pages that exist today: they load without console, CSP or asset errors, pass axe (no serious or
// critical violation), and are photographed; the vendored ALTCHA widget solves our server's challenge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, expectClean, axeScan, screenshot } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const [name, path] of [['home', '/'], ['about', '/about/']]) {
  test(`${name} page loads cleanly and passes axe`, async () => {
    const page = await openPage(browser);
    const response = await page.goto(path);
    assert.equal(response.status(), 200);
    assert.ok(await page.locator('h1').count() >= 1, 'the page has a heading');
    await axeScan(page, name);
    await screenshot(page, name);
    expectClean(page);
  });
}

test('an unknown address shows the 404 page', async () => {
  const page = await openPage(browser, { allow: [404] });
  const response = await page.goto('/no-such-page/');
  assert.equal(response.status(), 404);
  await axeScan(page, 'not-found');
  await screenshot(page, 'not-found');
  expectClean(page);
});

test('GET /captcha/ answers an ALTCHA challenge that must not be cached', async () => {
  const page = await openPage(browser);
  const response = await page.request.get('/captcha/');
  assert.equal(response.status(), 200);
  assert.equal(response.headers()['cache-control'], 'no-store');
  const body = await response.json();
  for (const key of ['algorithm', 'challenge', 'salt', 'signature', 'maxNumber']) {
    assert.ok(key in body, `challenge has ${key}`);
  }
  assert.equal(body.algorithm, 'SHA-256');
});

test('the vendored ALTCHA widget solves a challenge of ours under the page CSP', async () => {
  const page = await openPage(browser);
  await page.goto('/about/');
  const altcha = '/static/vendor/altcha-2.3.0';
  await page.addStyleTag({ url: `${altcha}/altcha.css` });
  await page.addScriptTag({ url: `${altcha}/altcha.js`, type: 'module' });
  await page.evaluate((base) => {
    const form = document.createElement('form');
    const widget = document.createElement('altcha-widget');
    widget.setAttribute('name', 'altcha');
    widget.setAttribute('challengeurl', '/captcha/');
    widget.setAttribute('workerurl', `${base}/worker.js`);
    form.append(widget);
    document.querySelector('main').append(form);
  }, altcha);
  await page.waitForFunction(() => customElements.get('altcha-widget'));
  await page.evaluate(() => document.querySelector('altcha-widget').verify());
  await page.waitForFunction(() => document.querySelector('input[name=altcha]')?.value, null, { timeout: 60_000 });
  const payload = JSON.parse(await page.evaluate(() => atob(document.querySelector('input[name=altcha]').value)));
  assert.equal(payload.algorithm, 'SHA-256');
  assert.ok(Number.isInteger(payload.number), 'the widget found the number');
  await screenshot(page, 'altcha-verified');
  expectClean(page);
});
