// End-to-end check of webhook delivery against a real `nexus serve` (NEXUS_BIN, default
// ../target/debug/nexus) and a receiver on 127.0.0.1 that verifies every request with the
// official `standardwebhooks` package. It checks: signatures; a first attempt answered 500 is
// retried and both attempts are logged; a replay keeps the webhook-id; a delivery pending when
// the server is killed arrives after a restart with the same webhook-id (at least once); an
// endpoint that always fails is disabled, with a `webhook.disabled` event delivered.
import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { assert, freePort, sleep } from './lib.mjs';

const require = createRequire(import.meta.url);
const { Webhook } = require('standardwebhooks');
const BIN = resolve(process.env.NEXUS_BIN ?? '../target/debug/nexus');
const ADMIN = { email: 'admin@webhooks.test', password: 'e2e-Admin-password-1' };

async function until(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// --- The receiver -------------------------------------------------------------------------
const secrets = {}; // path → whsec_ secret
const received = []; // {path, id, status, verified, payload}
let okMode = 'first-fails'; // 'first-fails' | 'down' | 'up'
let onDown = null;
const receiver = createHttpServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let payload = null;
    let verified = false;
    try {
      payload = new Webhook(secrets[req.url]).verify(body, req.headers);
      verified = true;
    } catch (e) {
      console.error(`receiver: ${req.url} failed verification: ${e.message}`);
    }
    let status = 200;
    if (req.url === '/fail') status = 500;
    if (req.url === '/ok') {
      if (okMode === 'first-fails' && !received.some((r) => r.path === '/ok')) status = 500;
      if (okMode === 'down') status = 503;
    }
    received.push({ path: req.url, id: req.headers['webhook-id'], status, verified, payload });
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 200 ? 'thanks' : 'not now');
    if (status === 503 && onDown) {
      const f = onDown;
      onDown = null;
      f();
    }
  });
});
const rport = await freePort();
await new Promise((ok) => receiver.listen(rport, '127.0.0.1', ok));
const R = `http://127.0.0.1:${rport}`;

// --- The server ---------------------------------------------------------------------------
const dataDir = mkdtempSync(join(tmpdir(), 'nexus-e2e-webhooks-'));
const port = await freePort();
const BASE = `http://127.0.0.1:${port}`;
let server;
async function start() {
  server = spawn(BIN, ['serve'], {
    env: {
      ...process.env,
      NEXUS_DATA_DIR: dataDir,
      NEXUS_LISTEN: `127.0.0.1:${port}`,
      NEXUS_BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      NEXUS_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      NEXUS_LOG_LEVEL: 'warn',
      NEXUS_LOGIN_LIMIT_PER_IP: '0',
      NEXUS_LOGIN_LIMIT_PER_ACCOUNT: '0',
      NEXUS_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      // Three attempts a second apart; an endpoint is disabled after two failed deliveries.
      NEXUS_WEBHOOK_RETRY_SCHEDULE_SECS: '0,1,1',
      NEXUS_WEBHOOK_DISABLE_AFTER_FAILURES: '2',
      NEXUS_WEBHOOK_TIMEOUT_SECS: '5',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${BASE}/health`)).ok) return;
    } catch {
      // not up yet
    }
    if (i > 300 || server.exitCode !== null) throw new Error('nexus serve did not start');
    await sleep(100);
  }
}
function stop(signal) {
  return new Promise((ok) => {
    if (server.exitCode !== null || server.signalCode !== null) return ok();
    server.once('exit', () => ok());
    server.kill(signal);
  });
}
async function cleanup() {
  await stop('SIGTERM').catch(() => {});
  receiver.close();
  rmSync(dataDir, { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

let token;
async function call(method, path, body) {
  const res = await fetch(BASE + path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
async function login() {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  assert(res.ok, `login: ${res.status}`);
  token = (await res.json()).access_token;
}
const about = (entityId) => (r) => r.payload?.data?.entity_id === entityId;

try {
  await start();
  await login();

  // An endpoint for customers and disabled endpoints; its secret is shown once.
  let r = await call('POST', '/api/v1/webhooks', { url: `${R}/ok`, events: ['customer.*', 'webhook.disabled'] });
  assert(r.status === 201, `create webhook: ${r.status} ${JSON.stringify(r.body)}`);
  const hookA = r.body.id;
  secrets['/ok'] = r.body.secret;
  assert(r.body.secret.startsWith('whsec_'), 'a whsec_ secret');
  r = await call('GET', `/api/v1/webhooks/${hookA}`);
  assert(r.status === 200 && r.body.secret === undefined, 'the secret is not shown again');

  // 1. First attempt 500, retried, both logged, signatures verified.
  r = await call('POST', '/api/v1/customers', { name: 'Webhook One' });
  assert(r.status === 201, `create customer: ${r.status}`);
  const c1 = r.body.id;
  await until('the retried delivery', () =>
    received.find((x) => about(c1)(x) && x.status === 200),
  );
  const forC1 = received.filter(about(c1));
  assert(forC1.length === 2, `two attempts for c1, got ${forC1.length}`);
  assert(forC1[0].status === 500 && forC1.every((x) => x.verified), 'first failed, all verified');
  assert(forC1[0].id === forC1[1].id, 'the same webhook-id on the retry');
  assert(forC1[1].payload.type === 'customer.created', 'payload type');
  const deliveryId = forC1[0].id;
  // The receiver answered before the server recorded the attempt: wait for the record.
  r = await until('the delivery to be recorded as succeeded', async () => {
    const g = await call('GET', `/api/v1/webhook-deliveries/${deliveryId}`);
    return g.status === 200 && g.body.status === 'succeeded' ? g : null;
  });
  assert(r.body.attempts === 2, `delivery: ${JSON.stringify(r.body)}`);
  const codes = r.body.attempt_log.map((a) => [a.attempt, a.status_code, a.trigger]);
  assert(
    JSON.stringify(codes) === JSON.stringify([[1, 500, 'scheduled'], [2, 200, 'scheduled']]),
    `attempt log: ${JSON.stringify(codes)}`,
  );
  r = await call('GET', `/api/v1/webhooks/${hookA}/deliveries?status=succeeded`);
  assert(r.body.data.some((d) => d.id === deliveryId), 'listed among succeeded deliveries');
  console.log('webhooks e2e: retry and attempt log ok');

  // 2. Replay: same webhook-id, verified.
  r = await call('POST', `/api/v1/webhook-deliveries/${deliveryId}/replay`, {});
  assert(r.status === 202, `replay: ${r.status}`);
  await until('the replay', () => received.filter(about(c1)).length === 3);
  const replayed = received.filter(about(c1))[2];
  assert(replayed.id === deliveryId && replayed.verified && replayed.status === 200, 'replay keeps the webhook-id');
  console.log('webhooks e2e: replay ok');

  // 3. Restart: the receiver is down, the server is killed after the first failed attempt; the
  // delivery arrives after the restart, with the same webhook-id.
  okMode = 'down';
  const killed = new Promise((ok) => {
    onDown = () => setTimeout(() => stop('SIGKILL').then(ok), 300);
  });
  r = await call('POST', '/api/v1/customers', { name: 'Webhook Two' });
  assert(r.status === 201, `create customer 2: ${r.status}`);
  const c2 = r.body.id;
  await killed;
  const before = received.filter(about(c2));
  assert(before.length >= 1 && before.every((x) => x.status === 503), 'failed before the restart');
  okMode = 'up';
  await start();
  await login();
  await until('the delivery after the restart', () =>
    received.find((x) => about(c2)(x) && x.status === 200),
    60000,
  );
  const afterRestart = received.filter(about(c2));
  assert(new Set(afterRestart.map((x) => x.id)).size === 1, 'one webhook-id across the restart');
  assert(afterRestart.every((x) => x.verified), 'verified across the restart');
  console.log('webhooks e2e: delivery across a restart ok');

  // 4. An endpoint that always fails is disabled, and the event says so.
  r = await call('POST', '/api/v1/webhooks', { url: `${R}/fail`, events: ['customer.created'] });
  assert(r.status === 201, `create failing webhook: ${r.status}`);
  const hookB = r.body.id;
  secrets['/fail'] = r.body.secret;
  for (const name of ['Webhook Three', 'Webhook Four']) {
    r = await call('POST', '/api/v1/customers', { name });
    assert(r.status === 201, `create customer: ${r.status}`);
  }
  const disabled = await until('the failing endpoint to be disabled', async () => {
    const g = await call('GET', `/api/v1/webhooks/${hookB}`);
    return g.body.active === false ? g.body : null;
  });
  assert(disabled.disabled_at && disabled.disabled_reason, `disabled: ${JSON.stringify(disabled)}`);
  const failing = received.filter((x) => x.path === '/fail');
  assert(failing.length === 6 && failing.every((x) => x.verified), `3 attempts × 2 deliveries, got ${failing.length}`);
  await until('the webhook.disabled event', () =>
    received.find((x) => x.path === '/ok' && x.payload?.type === 'webhook.disabled' && x.payload.data.entity_id === hookB),
  );
  r = await call('GET', `/api/v1/webhooks/${hookB}/deliveries?status=failed`);
  assert(r.body.data.length === 2, `two failed deliveries, got ${r.body.data.length}`);
  r = await call('POST', `/api/v1/webhook-deliveries/${r.body.data[0].id}/replay`, {});
  assert(r.status === 409, `replay on a disabled endpoint: ${r.status}`);
  console.log('webhooks e2e: failing endpoint disabled ok');
  assert(received.every((x) => x.verified), 'every request verified by standardwebhooks');
  console.log(`webhooks e2e: ${received.length} requests received, all verified: passed`);
} finally {
  await cleanup();
}
