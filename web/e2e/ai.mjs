// End-to-end tests of the AI screens against a real `nexus serve` and Debian's headless chromium:
// first on an empty database (nothing trained: every AI card says why), then, after
// `nexus seed-demo` (two years of orders, notes with a tone) and a restart that trains the models
// at start, the dashboard's revenue forecast with its bands, segments and at-risk customers, a
// customer's insights with their reasons, the segment filter, Settings → AI models with "Train
// now", a sales rep's dashboard without company-wide figures, and the phone width.
//
//   NEXUS_BIN=target/debug/nexus node e2e/ai.mjs        (scripts/web-test does this)
//
// Env: NEXUS_BIN, CHROMIUM (default /usr/bin/chromium), NEXUS_E2E_OUT (screenshot directory).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { assert } from './lib.mjs';
import { harness, login, startServer, until } from './harness.mjs';

const BIN = resolve(process.env.NEXUS_BIN ?? '../target/debug/nexus');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const OUT = process.env.NEXUS_E2E_OUT ?? mkdtempSync(join(tmpdir(), 'nexus-e2e-shots-'));
mkdirSync(OUT, { recursive: true });
const ADMIN = { email: 'admin@ai-e2e.test', password: 'e2e-Admin-password-1' };
const ENV = { NEXUS_BOOTSTRAP_ADMIN_EMAIL: ADMIN.email, NEXUS_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password };
const MODELS = ['segments', 'tier', 'clv', 'forecast', 'recommend', 'win'];

const dataDir = mkdtempSync(join(tmpdir(), 'nexus-e2e-ai-'));
let server = await startServer(BIN, dataDir, ENV);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
async function cleanup() {
  await browser.close().catch(() => {});
  await server.stop().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
const t = harness({ browser, out: OUT, cleanup });
t.useServer(server.base);

// ---------------------------------------------------------------- before any training
let admin = await server.token(ADMIN);
const nova = await server.call('POST', '/api/v1/customers', admin, { name: 'Nova Untrained', email: 'nova@example.com', status: 'lead' });

await t.step('before training: the AI cards and panels say why they are empty', async () => {
  // Forecast and segments answer 404 until a model is trained.
  t.expect(404);
  assert(nova.segment_status === 'unscored', `a customer created before training is unscored (${nova.segment_status})`);
  const page = await t.newPage();
  await login(page, ADMIN);
  await page.getByText('No forecast yet: it appears after the first training run on completed orders.').waitFor();
  await page.getByText('No segments yet: they appear after the first training run on customers with purchases.').waitFor();
  await page.getByText('No segments yet, so no at-risk customers').waitFor();
  await t.screen(page, 'ai-00-untrained-dashboard');
  await page.goto(`/customers/${nova.id}`);
  await page.getByRole('heading', { name: 'Nova Untrained' }).waitFor();
  await page.getByText('No insights yet: the AI models have not been trained.').waitFor();
  assert((await page.getByText('Not segmented yet').count()) >= 1, 'the segment badge says it is not segmented yet');
  await page.getByRole('link', { name: 'Train the models in Settings → AI models' }).click();
  await page.getByText(/No model serves yet/).waitFor();
  await t.screen(page, 'ai-00-untrained-models');
  await page.context().close();
});

// ---------------------------------------------------------------- seed, restart, train
let REP;
let first;
let target;
await t.step('seed-demo, restart: the models are trained at start and serve', async () => {
  await server.stop();
  const seeded = await new Promise((ok, fail) => {
    const p = spawn(BIN, ['seed-demo', '--customers', '2000', '--seed', '7'], { env: { ...process.env, NEXUS_DATA_DIR: dataDir, NEXUS_LOG_LEVEL: 'warn', ...ENV }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? ok(out) : fail(new Error(`seed-demo exited with ${code}`))));
  });
  const demoPassword = /password of the demo users created now: (\S+)/.exec(seeded)?.[1];
  assert(demoPassword, 'seed-demo printed the demo users’ password');
  REP = { email: 'mei.lin@demo.nexus.local', password: demoPassword };
  // Nothing serves yet, so the restarted server trains at start; wait for every model to serve.
  server = await startServer(BIN, dataDir, ENV);
  t.useServer(server.base);
  admin = await server.token(ADMIN);
  first = await until(
    'the models trained at start to serve',
    async () => {
      const m = await server.call('GET', '/api/v1/ai/models', admin);
      return MODELS.every((k) => m.serving.some((s) => s.model === k)) ? m : null;
    },
    180000,
    500,
  );
  // A customer who bought (a segment from behaviour) in an at-risk segment, with scored notes.
  // The run re-segments the customers after its models serve, so this may take a moment.
  async function atRiskWithNotes() {
    for (const name of ['At risk', 'Cannot lose them', 'About to sleep', 'Hibernating', 'Lost']) {
      const list = (await server.call('GET', `/api/v1/customers?segment=${encodeURIComponent(name)}&limit=100`, admin)).data;
      for (const c of list.filter((x) => x.segment_confidence == null)) {
        const acts = (await server.call('GET', `/api/v1/activities?customer_id=${c.id}&limit=50`, admin)).data;
        if (acts.some((a) => typeof a.sentiment === 'number')) return c;
      }
    }
    return null;
  }
  target = await until('an at-risk customer with purchases and scored notes', atRiskWithNotes, 60000, 1000);
});

const page = await t.newPage({ width: 1280, height: 1000 });

await t.step('dashboard: revenue actual and forecast with 80% and 95% bands, segments, at-risk customers', async () => {
  await login(page, ADMIN);
  const revenue = page.getByRole('region', { name: 'Revenue: actual and forecast' });
  const chart = revenue.getByRole('slider', { name: /^Monthly revenue in / });
  await chart.waitFor();
  const forecast = await server.call('GET', '/api/v1/ai/forecast/revenue', admin);
  const points = async (sel) => ((await page.locator(sel).getAttribute('points')) ?? '').trim().split(/\s+/).length;
  // Each band: the last actual month, the upper edge forward and the lower edge back.
  assert((await points('[data-band="95"]')) === 1 + 2 * forecast.forecast.length, '95% band drawn over every forecast month');
  assert((await points('[data-band="80"]')) === 1 + 2 * forecast.forecast.length, '80% band drawn over every forecast month');
  assert((await points('[data-line="actual"]')) === forecast.history.length, 'one actual point per month');
  await revenue.getByText('Next 12 months (forecast)').waitFor();
  await revenue.getByText(new RegExp(`${forecast.source.model} · trained`)).waitFor();
  // Read the months from the keyboard: the first forecast month, then the last actual one.
  await chart.focus();
  assert(/: forecast .*80% interval .* 95% interval/.test(await chart.getAttribute('aria-valuetext')), 'focus reads the first forecast month');
  await page.keyboard.press('ArrowLeft');
  assert(/: actual revenue /.test(await chart.getAttribute('aria-valuetext')), 'ArrowLeft reads the last actual month');
  const segments = page.getByRole('table', { name: 'Customers per segment and the typical customer of each' });
  assert((await segments.getByRole('row').count()) >= 4, 'segments listed');
  const atRisk = page.getByRole('region', { name: 'At-risk customers' });
  await atRisk.getByRole('link').first().waitFor();
  // The photograph: the pointer on a forecast month, its figures read out under the chart.
  await page.evaluate(() => document.activeElement?.blur());
  const box = await page.getByTestId('forecast-chart').boundingBox();
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
  await revenue.getByText(/: forecast .* \(80% interval /).waitFor();
  await t.screen(page, 'ai-01-dashboard-forecast');
  // An at-risk customer's link opens the customer page.
  const name = await atRisk.getByRole('listitem').first().getByRole('link').textContent();
  await atRisk.getByRole('link', { name, exact: true }).first().click();
  await page.getByRole('heading', { name, exact: true }).waitFor();
  await page.getByRole('region', { name: 'AI insights' }).getByRole('region', { name: 'Segment' }).waitFor();
});

await t.step('customers: filter by segment, segment column, open a customer', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Customers' }).click();
  const filters = page.getByRole('search', { name: 'Filter customers' });
  await filters.getByLabel('Segment').selectOption(target.segment);
  await filters.getByLabel('Search').fill(target.name);
  await page.getByText('Columns', { exact: true }).click();
  await page.getByRole('checkbox', { name: 'Segment' }).check();
  await page.getByText('Columns', { exact: true }).click();
  await page.getByRole('columnheader', { name: 'Segment' }).waitFor();
  const row = page.getByRole('row', { name: new RegExp(target.name) }).first();
  await row.getByText(`Segment: ${target.segment}`).waitFor();
  assert(new URL(page.url()).searchParams.get('segment') === target.segment, 'the segment filter is in the address');
  await row.getByRole('link', { name: target.name }).click();
});

await t.step('customer page: AI insights with their reasons, model versions, sentiment on activities', async () => {
  await page.getByRole('heading', { name: target.name, exact: true }).waitFor();
  const insights = page.getByRole('region', { name: 'AI insights' });
  const segment = insights.getByRole('region', { name: 'Segment' });
  await segment.getByText('From purchase behaviour', { exact: false }).waitFor();
  await segment.getByText('RFM scores (1 worst, 5 best)').waitFor();
  const reasons = await segment.getByRole('listitem').allTextContents();
  assert(reasons.length === 3 && reasons.every((r) => /segment typical/.test(r)), `the segment's reasons are listed: ${reasons.join(' | ')}`);
  await segment.getByText(/^segments@\d+ · trained .* · computed /).waitFor();
  const value = insights.getByRole('region', { name: 'Value and churn risk' });
  await value.getByText('12-month value (CLV)').waitFor();
  await value.getByText(/^(low|medium|high) risk$/).waitFor();
  assert((await value.getByRole('listitem').count()) >= 2, 'the value has its reasons');
  await value.getByText(/^clv@\d+ · trained/).waitFor();
  await insights.getByRole('region', { name: 'Sentiment trend' }).getByText(/(Improving|Declining|Steady)$/).first().waitFor();
  assert((await insights.getByRole('region', { name: 'Recommended products' }).getByRole('listitem').count()) >= 1, 'products recommended');
  const badges = page.getByRole('region', { name: 'Activities' }).getByText(/^Sentiment: (Positive|Neutral|Negative) /);
  await badges.first().waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await t.screen(page, 'ai-02-customer-insights', { fullPage: true });
});

await t.step('settings → AI models: versions serving, Train now followed until the new versions serve', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'AI models' }).click();
  const serving = page.getByRole('region', { name: 'Models serving now' });
  await serving.getByRole('rowheader', { name: /^forecast@1/ }).waitFor();
  assert((await serving.getByRole('row').count()) === 1 + MODELS.length, 'every model serves');
  await serving.getByText(/^holdout MASE /).waitFor();
  await page.getByRole('button', { name: 'Train now' }).click();
  await page.getByRole('button', { name: 'Training…' }).waitFor();
  await page.getByText(/^Training finished: \d+ versions recorded, \d+ promoted to serving/).waitFor({ timeout: 180000 });
  const after = await server.call('GET', '/api/v1/ai/models', admin);
  const fresh = after.versions.filter((v) => !first.versions.some((f) => f.id === v.id));
  assert(MODELS.every((k) => fresh.some((v) => v.model === k && v.version === 2)), `Train now recorded a second version of every model (${fresh.map((v) => `${v.model}@${v.version}`).join(', ')})`);
  const versions = page.getByRole('region', { name: 'Recorded model versions' });
  await versions.getByRole('rowheader', { name: 'segments@2' }).waitFor();
  await t.screen(page, 'ai-03-ai-models', { fullPage: true });
});

await t.step('a sales rep: no company-wide figures asked for, only their own at-risk customers', async () => {
  const rep = await t.newPage();
  await login(rep, REP);
  await rep.getByText(/company-wide figures, shown to administrators, support and viewers/).waitFor();
  assert((await rep.getByRole('region', { name: 'Revenue: actual and forecast' }).count()) === 0, 'no forecast card');
  assert((await rep.getByRole('region', { name: 'Customer segments' }).count()) === 0, 'no segments card');
  await rep.getByRole('region', { name: 'At-risk customers' }).getByRole('link').first().waitFor();
  await t.screen(rep, 'ai-04-sales-rep-dashboard');
  await rep.context().close();
});

await t.step('375 px wide: the forecast chart and the insights fit the phone', async () => {
  const m = await t.newPage({ width: 375, height: 740 });
  await login(m, ADMIN);
  await m.getByRole('region', { name: 'Revenue: actual and forecast' }).getByRole('slider').waitFor();
  const wide = async () => m.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert((await wide()) <= 0, `dashboard scrolls sideways by ${await wide()}px`);
  await m.getByRole('region', { name: 'Revenue: actual and forecast' }).scrollIntoViewIfNeeded();
  await t.screen(m, 'ai-05-mobile-dashboard');
  await m.goto(`/customers/${target.id}`);
  await m.getByRole('region', { name: 'AI insights' }).getByRole('region', { name: 'Segment' }).waitFor();
  assert((await wide()) <= 0, `customer page scrolls sideways by ${await wide()}px`);
  await m.getByRole('region', { name: 'AI insights' }).scrollIntoViewIfNeeded();
  await t.screen(m, 'ai-06-mobile-customer-insights');
  await m.context().close();
});

await cleanup();
console.log(`\n${t.results.length} AI end-to-end steps passed; screenshots in ${OUT}`);
