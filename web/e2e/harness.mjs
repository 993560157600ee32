// The browser harness of the end-to-end scripts: a real `nexus serve` on a data directory, API
// calls, and steps driven through chromium in which every page is watched for console errors and
// unexpected 4xx/5xx answers, checked with axe-core (no serious or critical violation) and
// photographed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { freePort, sleep } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Starts `bin serve` on `dataDir`; resolves once /health answers. */
export async function startServer(bin, dataDir, env = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = spawn(bin, ['serve'], {
    env: {
      ...process.env,
      NEXUS_DATA_DIR: dataDir,
      NEXUS_LISTEN: `127.0.0.1:${port}`,
      NEXUS_LOG_LEVEL: 'warn',
      NEXUS_LOGIN_LIMIT_PER_IP: '0',
      NEXUS_LOGIN_LIMIT_PER_ACCOUNT: '0',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      // not up yet
    }
    if (i > 300 || proc.exitCode !== null) throw new Error('nexus serve did not start');
    await sleep(100);
  }
  const stop = () =>
    new Promise((ok) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return ok();
      proc.once('exit', () => ok());
      proc.kill('SIGTERM');
    });
  /** A JSON API call; throws on an error status. */
  async function call(method, path, token, body) {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
  const token = async (who) => (await call('POST', '/api/v1/auth/login', null, who)).access_token;
  return { base, stop, call, token };
}

/** Polls `fn` until it returns something truthy. */
export async function until(what, fn, ms = 60000, every = 250) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

/**
 * Steps in a browser. `step(name, f)` runs `f` and fails (after `cleanup`) on an exception, a
 * console error, or an error answer the step did not `expect('status of 404')`.
 */
export function harness({ browser, out, cleanup }) {
  const results = [];
  const problems = [];
  let current = '';
  let expected = [];
  let base = '';

  function watch(page) {
    // Failed responses are judged by the step that sent the request.
    const sentIn = new WeakMap();
    page.on('request', (r) => sentIn.set(r, { step: current, expected }));
    page.on('response', (r) => {
      const status = r.status();
      const origin = sentIn.get(r.request()) ?? { step: current, expected };
      if (status < 400 || origin.expected.includes(`status of ${status}`)) return;
      problems.push(`[${origin.step}] unexpected ${status} for ${r.request().method()} ${new URL(r.url()).pathname}, on ${page.url()}`);
    });
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const text = m.text();
      if (text.startsWith('Failed to load resource: the server responded with a status of')) return;
      problems.push(`[${current}] console error: ${text} (${page.url()})`);
    });
    page.on('pageerror', (e) => problems.push(`[${current}] page error: ${e.message}`));
    return page;
  }

  async function newPage(viewport = { width: 1280, height: 860 }) {
    const ctx = await browser.newContext({ viewport, baseURL: base });
    return watch(await ctx.newPage());
  }

  async function axe(page, name) {
    await page.evaluate(AXE);
    const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    for (const v of bad) problems.push(`[${name}] axe ${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
    return bad.length;
  }

  async function screen(page, name, options = {}) {
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(out, `${name}.png`), ...options });
    if ((await axe(page, name)) > 0) throw new Error(problems.join('\n'));
  }

  async function step(name, f) {
    current = name;
    expected = [];
    const t = Date.now();
    try {
      await f();
      if (problems.length) throw new Error(problems.join('\n'));
      results.push(`ok   ${name} (${Date.now() - t} ms)`);
      console.log(`ok   ${name}`);
    } catch (e) {
      console.error(`FAIL ${name}\n${e.stack ?? e}`);
      await cleanup();
      process.exit(1);
    }
  }

  return {
    results,
    newPage,
    axe,
    screen,
    step,
    /** Error statuses the current step expects, e.g. `expect(404)`. */
    expect: (...statuses) => {
      expected = statuses.map((s) => `status of ${s}`);
    },
    /** The server the pages open (it changes when the server is restarted). */
    useServer: (url) => {
      base = url;
    },
  };
}

export async function login(page, who) {
  await page.goto('/');
  await page.waitForURL('**/login');
  await page.getByLabel('E-mail').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}
