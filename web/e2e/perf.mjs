// Measures the customer list in a real browser: time from navigation to the first 50 rows, and
// from the last keystroke of a search to its results, against a `nexus serve`. Prints numbers;
// asserts nothing. Either a fresh server filled with N customers through the batch API:
//
//   N=20000 NEXUS_BIN=../target/release/nexus node e2e/perf.mjs
//
// or a data directory seeded beforehand (e.g. `nexus seed-demo --customers 1000000` with
// NEXUS_BOOTSTRAP_ADMIN_EMAIL/PASSWORD set), searched for the surname and the e-mail of one of
// its customers:
//
//   NEXUS_PERF_DATA_DIR=/var/tmp/m1 NEXUS_PERF_EMAIL=a@e.test NEXUS_PERF_PASSWORD=... \
//     NEXUS_BIN=../target/release/nexus node e2e/perf.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
const BIN = process.env.NEXUS_BIN ?? '../target/debug/nexus';
const seeded = process.env.NEXUS_PERF_DATA_DIR;
const dir = seeded ?? mkdtempSync(join(tmpdir(), 'nexus-perf-'));
const EMAIL = seeded ? process.env.NEXUS_PERF_EMAIL : 'a@e.test';
const PASSWORD = seeded ? process.env.NEXUS_PERF_PASSWORD : 'pw-pw-pw-pw-1A';
const s = spawn(BIN, ['serve'], { env: { ...process.env, NEXUS_DATA_DIR: dir, NEXUS_LISTEN: '127.0.0.1:18933', NEXUS_BOOTSTRAP_ADMIN_EMAIL: EMAIL, NEXUS_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD, NEXUS_LOG_LEVEL: 'warn', NEXUS_RATE_LIMIT_PER_IP: '0', NEXUS_RATE_LIMIT_PER_USER: '0' }, stdio: 'ignore' });
try {
  const B = 'http://127.0.0.1:18933';
  for (let i = 0; ; i++) {
    if (await fetch(B + '/health/ready').then((r) => r.ok, () => false)) break;
    if (i > 600) throw new Error('the server did not get ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  const H = (t) => ({ 'content-type': 'application/json', authorization: `Bearer ${t}` });
  const tok = (await (await fetch(B + '/api/v1/auth/login', { method: 'POST', headers: H(''), body: JSON.stringify({ email: EMAIL, password: PASSWORD }) })).json()).access_token;
  let terms;
  if (seeded) {
    // One customer from the middle of the list: its surname (many hits) and its e-mail (one).
    const page = await (await fetch(B + '/api/v1/customers?limit=100&sort=-created_at', { headers: H(tok) })).json();
    const c = page.data.find((x) => x.kind === 'person' && x.email) ?? page.data[0];
    terms = [c.name.split(' ').at(-1).toLowerCase(), c.email.toLowerCase()];
    console.log('pre-seeded data directory', dir);
  } else {
    const N = Number(process.env.N ?? 20000);
    const t0 = Date.now();
    for (let b = 0; b < N / 1000; b++) {
      const items = Array.from({ length: 1000 }, (_, i) => ({ name: `Person ${b}-${i} ${['Smith', 'Jones', 'Lovelace', 'Hopper'][i % 4]}`, email: `p${b}x${i}@example.com`, company_name: `Company ${i % 97}` }));
      const r = await fetch(B + '/api/v1/customers/batch', { method: 'POST', headers: H(tok), body: JSON.stringify({ items }) });
      if (!r.ok) throw new Error(await r.text());
    }
    console.log(`seeded ${N} customers in ${Date.now() - t0} ms`);
    terms = ['lovelace', 'company 42', `p${Math.floor(N / 1000) - 1}x99`];
  }
  const br = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const p = await (await br.newContext({ baseURL: B })).newPage();
  await p.goto('/login');
  await p.getByLabel('E-mail').fill(EMAIL); await p.getByLabel('Password').fill(PASSWORD);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Dashboard' }).waitFor();
  for (let i = 0; i < 3; i++) {
    await p.getByRole('link', { name: 'Dashboard' }).click();
    await p.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await p.evaluate(() => { window.__t = performance.now(); });
    await p.getByRole('link', { name: 'Customers' }).click();
    await p.waitForFunction(() => document.querySelectorAll('tbody tr td a').length >= 50);
    console.log('navigation -> first 50 rows (ms):', Math.round(await p.evaluate(() => performance.now() - window.__t)));
  }
  for (const term of terms) {
    const search = p.getByRole('search').getByLabel('Search');
    await search.fill('');
    await p.waitForFunction(() => document.querySelectorAll('tbody tr td a').length >= 50);
    await search.pressSequentially(term, { delay: 30 });
    await p.evaluate(() => { window.__t = performance.now(); });
    await p.waitForFunction((t) => new URLSearchParams(location.search).get('q') === t && document.querySelectorAll('tbody tr td a').length > 0 && ![...document.querySelectorAll('tbody tr td a')].some((a) => !a.textContent.toLowerCase().includes(t.split(' ')[0].slice(0, 4)) && !a.closest('tr').textContent.toLowerCase().includes(t)), term);
    console.log(`search "${term}": typing stopped -> results (ms, includes the 150 ms debounce):`, Math.round(await p.evaluate(() => performance.now() - window.__t)));
  }
  await br.close();
} finally {
  s.kill();
  if (!seeded) setTimeout(() => rmSync(dir, { recursive: true, force: true }), 500);
}
