// The public catalogue in Chromium: 14 services registered through the API and approved with the CLI,
// then the listing is filtered, searched and paged through HTMX (each step pushing a complete URL),
// back/forward restore the earlier states, and a service page opens with its JSON-LD. axe on every
// page, screenshots of each state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { launch, openPage, expectClean, axeScan, screenshot } from '../lib.mjs';

const REGISTRY_BIN = process.env.REGISTRY_BIN;
const DATA_DIR = process.env.REGISTRY_DATA_DIR;
const run = Date.now().toString(36);

let browser;
const state = { bigi: null, names: [] };

async function options(page, name) {
  return page.$$eval(`select[name="${name}"] option`, (os) =>
    os.filter((o) => o.value).map((o) => ({ value: o.value, label: o.textContent.trim() })));
}

before(async () => {
  assert.ok(REGISTRY_BIN && DATA_DIR, 'REGISTRY_BIN and REGISTRY_DATA_DIR are set by scripts/browser-tests');
  browser = await launch();
  const page = await openPage(browser);
  await page.goto('/register/');
  const categories = await options(page, 'service_category_ids');
  const centres = await options(page, 'service_center_id');
  const pis = (await options(page, 'responsible_pi_ids')).filter((p) => p.label.startsWith('Carberry'));
  const bigi = centres.find((c) => c.label.startsWith('BiGi'));
  const hdhub = centres.find((c) => c.label.startsWith('HD-HuB'));
  assert.ok(categories.length && bigi && hdhub && pis.length, 'reference data is loaded');
  state.bigi = bigi.value;
  // The pickers' search names terms by row id (what registrations link); the API by accession.
  const topic = async (q, acc) => {
    const hits = await (await page.request.get(`/edam/search/?branch=topic&q=${q}`)).json();
    const hit = hits.find((h) => h.accession === acc);
    assert.ok(hit, `${acc} found`);
    return hit.id;
  };
  const proteomics = await topic('Proteomics', 'topic_0121');
  const bioinformatics = await topic('Bioinformatics', 'topic_0091');
  const env = { ...process.env };
  for (const k of ['DATABASE_URL', 'DB_HOST', 'REDIS_URL', 'ENVIRONMENT']) delete env[k];
  for (let i = 0; i < 14; i += 1) {
    const atlas = i === 12;
    const name = atlas ? `Proteomics Atlas ${run}` : `Catalogue Demo ${String(i).padStart(2, '0')} ${run}`;
    const body = {
        date_of_entry: '2025-01-01',
        submitter_first_name: 'Ada', submitter_last_name: 'Lovelace', submitter_affiliation: 'Example University',
        service_name: name,
        service_description: atlas
          ? 'An atlas of mass spectrometry experiments with curated protein identifications.'
          : `Demonstration service number ${i} for the catalogue browser test, with a long enough text.`,
        year_established: 2020,
        service_category_ids: [Number(categories[i % categories.length].value)],
        publications_pmids: '34848984',
        edam_topic_ids: [atlas || i % 3 === 0 ? proteomics : bioinformatics],
        responsible_pi_ids: [pis[0].value],
        host_institute: 'Example Institute',
        service_center_id: i % 2 === 0 ? bigi.value : hdhub.value,
        public_contact_email: 'help@example.org',
        internal_contact_name: 'Grace Hopper', internal_contact_email: 'internal@example.org',
        website_url: 'https://example.org', terms_of_use_url: 'https://example.org/terms',
        licenses: ['MIT'], kpi_monitoring: 'planned', data_protection_consent: true,
    };
    // Anonymous registrations are rate-limited (RATE_LIMIT_API_ANON, 10/m by default): wait when told.
    let response = await page.request.post('/api/v1/submissions/', { data: body });
    while (response.status() === 429) {
      const wait = Number(response.headers()['retry-after'] ?? '5');
      await new Promise((r) => { setTimeout(r, (wait + 1) * 1000); });
      response = await page.request.post('/api/v1/submissions/', { data: body });
    }
    assert.equal(response.status(), 201, await response.text());
    const { id } = await response.json();
    execFileSync(REGISTRY_BIN, ['--data-dir', DATA_DIR, 'submission', 'set-status', id, 'approved', '--by', 'browser-test'],
      { encoding: 'utf8', env });
    state.names.push(name);
  }
  await page.context().close();
});
after(async () => { await browser?.close(); });

const cards = (page) => page.locator('#catalogue-results .catalogue-card h2 a');
// The results of a state are in once its active-filter pills are (they are part of the swapped part).
const shown = (page, pills) => page.locator(`.catalogue-pills${pills}`).waitFor();
const count = (page) => page.locator('.catalogue-result-count strong').innerText();

test('filter, search, page, back/forward and a service page', async () => {
  const page = await openPage(browser);
  const response = await page.goto('/catalogue/');
  assert.equal(response.status(), 200);
  assert.ok(Number(await count(page)) >= 14, 'every approved service is counted');
  assert.equal(await cards(page).count(), 12, '12 per page');
  await axeScan(page, 'catalogue');
  await screenshot(page, 'catalogue');

  // Page 2 through HTMX: the results change in place and the complete URL is pushed.
  await page.locator('.pagination a', { hasText: 'Next' }).click();
  await page.waitForURL(/[?&]page=2/);
  assert.ok((await cards(page).count()) >= 2, 'page 2 lists the rest');
  assert.equal(await page.locator('.pagination .active').innerText(), '2');
  await screenshot(page, 'catalogue-page-2');

  // A filter: back to page 1 of the filtered listing; the URL names the centre.
  await page.locator(`input[name="center"][value="${state.bigi}"]`).check();
  await page.waitForURL((u) => u.searchParams.get('center') === state.bigi && !u.searchParams.has('page'));
  await shown(page, ':has-text("Centre: BiGi")');
  const filtered = Number(await count(page));
  assert.ok(filtered >= 7 && filtered < 14, `BiGi services: ${filtered}`);
  assert.match(await page.locator('.catalogue-pills').innerText(), /Centre: BiGi/);

  // Search (debounced, as the user types): ranked, the name match first.
  await page.locator('#catalogue-q').fill('proteomics');
  await page.waitForURL((u) => u.searchParams.get('q') === 'proteomics');
  await shown(page, ':has-text("proteomics")');
  assert.match(await cards(page).first().innerText(), /^Proteomics Atlas/);
  await axeScan(page, 'catalogue-search');
  await screenshot(page, 'catalogue-search');

  // A search that finds nothing shows the empty state.
  await page.locator('#catalogue-q').fill('zzznothing');
  await page.waitForURL((u) => u.searchParams.get('q') === 'zzznothing');
  await page.locator('.catalogue-empty').waitFor();
  assert.match(await page.locator('.catalogue-empty').innerText(), /removing a filter/);
  await screenshot(page, 'catalogue-empty');

  // Back and forward restore each state from its URL.
  await page.goBack();
  await page.waitForURL((u) => u.searchParams.get('q') === 'proteomics');
  await shown(page, ':has-text("proteomics")');
  assert.match(await cards(page).first().innerText(), /^Proteomics Atlas/);
  assert.equal(await page.locator('#catalogue-q').inputValue(), 'proteomics');
  await page.goBack();
  await page.waitForURL((u) => !u.searchParams.has('q') && u.searchParams.get('center') === state.bigi);
  await shown(page, ':has-text("Centre: BiGi"):not(:has-text("Search"))');
  assert.equal(Number(await count(page)), filtered);
  assert.ok(await page.locator(`input[name="center"][value="${state.bigi}"]`).isChecked());
  await page.goForward();
  await page.waitForURL((u) => u.searchParams.get('q') === 'proteomics');
  await shown(page, ':has-text("proteomics")');
  assert.match(await cards(page).first().innerText(), /^Proteomics Atlas/);

  // The list view is part of the URL too.
  await page.locator('label[for="view-list"]').click();
  await page.waitForURL((u) => u.searchParams.get('view') === 'list');
  await page.locator('.catalogue-list-item').first().waitFor();
  await screenshot(page, 'catalogue-list');

  // A service page, with its Bioschemas JSON-LD.
  await page.locator('.catalogue-list-item a').first().click();
  await page.waitForURL(/\/catalogue\/[0-9a-f-]{36}\/$/);
  assert.match(await page.locator('h1').innerText(), /^Proteomics Atlas/);
  const ld = JSON.parse(await page.locator('script[type="application/ld+json"]').textContent());
  assert.equal(ld['@type'], 'SoftwareApplication');
  assert.equal(ld.applicationCategory[0]['@id'], 'http://edamontology.org/topic_0121');
  assert.equal(await page.locator('a.catalogue-orcid').getAttribute('href'), 'https://orcid.org/0000-0002-1825-0097');
  await axeScan(page, 'catalogue-service');
  await screenshot(page, 'catalogue-service');
  expectClean(page);
});

test('a shared link opens the same listing, page included', async () => {
  const page = await openPage(browser);
  await page.goto('/catalogue/?sort=newest&page=99');
  // Past the end: the last page, marked as current.
  const [, current, pages] = (await page.locator('nav[aria-label="Catalogue pages"] p').innerText()).match(/Page (\d+) of (\d+)/);
  assert.equal(current, pages);
  assert.equal(await page.locator('.pagination .active').innerText(), pages);
  assert.ok((await cards(page).count()) >= 1);
  assert.equal(await page.locator('#catalogue-sort').inputValue(), 'newest');
  assert.equal(await page.locator('#catalogue-sort option:checked').innerText(), 'Newest');
  expectClean(page);
});
