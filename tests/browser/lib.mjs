// Shared helpers of the browser tests: one Chromium per test file, pages that fail the test on any
// console error, page error or failed same-origin response (CSP violations are console errors), an
// axe-core scan that fails on serious or critical findings, and full-page screenshots.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import assert from 'node:assert/strict';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:8000';
export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? 'screenshots';

// Debian's Chromium; the networking flags keep it from stalling on a closed network.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

// A page whose problems are collected in `page.problems`; `expectClean(page)` asserts there are none.
// Responses listed in `allow` (status codes the test itself expects, e.g. a 404 page) are not problems.
export async function openPage(browser, { allow = [] } = {}) {
  const context = await browser.newContext({ baseURL: BASE_URL });
  const page = await context.newPage();
  page.problems = [];
  page.allowed = allow;
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.url().startsWith(BASE_URL) && r.status() >= 400 && !allow.includes(r.status())) {
      page.problems.push(`HTTP ${r.status()}: ${r.url()}`);
    }
  });
  page.on('requestfailed', (r) => {
    if (!r.url().startsWith(BASE_URL)) return;
    const error = r.failure()?.errorText;
    // Chromium fetches the favicon again on history navigation (back/forward over pushed URLs) and
    // cancels that fetch itself when the next navigation comes quickly: not a failure of the server.
    if (error === 'net::ERR_ABORTED' && /\/static\/img\/favicon\.[0-9a-f]+\.svg$/.test(r.url())) return;
    page.problems.push(`request failed: ${r.url()} (${error}) on ${page.url()}`);
  });
  return page;
}

export function expectClean(page) {
  // A status the test expects also logs "Failed to load resource … status of N" in the console.
  const expected = (p) => page.allowed.some((s) => p.includes(`status of ${s} `));
  const problems = page.problems.filter((p) => !expected(p));
  assert.deepEqual(problems, [], `problems on ${page.url()}:\n${problems.join('\n')}`);
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// axe-core runs through the DevTools protocol (page.evaluate), which the page's CSP does not govern:
// the server keeps its nonce-only policy and nothing inline is added to the page.
export async function axeScan(page, name) {
  // Judge the page at rest: no hover left by the last click, and Bootstrap's 0.15 s colour transitions
  // finished (axe once caught a button half-way from its hover colours: a contrast of 3.97).
  await page.mouse.move(0, 0);
  await page.waitForTimeout(400);
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  // Each element with axe's explanation (its first line is only "Fix any of the following:").
  const node = (n) => `${n.target.join(' ')}: ${(n.failureSummary ?? '').split('\n').slice(1).join(' ').trim()}`;
  const text = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.map(node).join('\n    ')}`);
  assert.equal(bad.length, 0, `axe on ${name}:\n${text.join('\n')}`);
  return result.violations;
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}
