// Real-time and scale-out checks against real `nexus serve` processes, with the official npm
// `socket.io-client` (unchanged, as a browser app would use it):
//
//  1. one instance (SQLite; PostgreSQL too when NEXUS_TEST_DATABASE_URL is set): handshake auth
//     (missing / invalid token → connect_error), WebSocket and long-polling clients, events only
//     for records the user may read (and a reassignment moving visibility), catch-up through
//     GET /api/v1/events with no gaps and no duplicates, a logout disconnecting the socket;
//  2. two instances sharing PostgreSQL and a private Redis (only with NEXUS_TEST_DATABASE_URL):
//     an event created through A reaches a client of B within 1 s, a logout on A fails the token
//     on B at once, login limits are shared, refresh-token reuse is caught across instances, and
//     with Redis gone both keep serving (degraded in /health/ready) and recover when it returns.
//
//   NEXUS_BIN=target/debug/nexus node e2e/realtime.mjs     (scripts/web-test does this)
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { io } from 'socket.io-client';
import { assert, freePort, sleep } from './lib.mjs';

const BIN = resolve(process.env.NEXUS_BIN ?? '../target/debug/nexus');
const PG = process.env.NEXUS_TEST_DATABASE_URL ?? '';
const ADMIN = { email: 'admin@rt.test', password: 'rt-Admin-password-1' };
const PASSWORD = 'rt-User-password-1';
const JWT_SECRET = `rt-secret-${process.pid}-${Date.now()}-0123456789abcdef`;
const cleanups = [];

async function startNexus(name, env) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `nexus-rt-${name}-`));
  const proc = spawn(BIN, ['serve'], {
    env: {
      PATH: process.env.PATH,
      NEXUS_DATA_DIR: dataDir,
      NEXUS_LISTEN: `127.0.0.1:${port}`,
      NEXUS_BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      NEXUS_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      NEXUS_JWT_SECRET: JWT_SECRET,
      NEXUS_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = () => {
    proc.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  cleanups.push(stop);
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return { base, proc, stop };
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  throw new Error(`${name}: nexus did not start`);
}

async function api(base, method, path, token, body) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function login(base, email, password = PASSWORD) {
  const r = await api(base, 'POST', '/api/v1/auth/login', null, { email, password });
  assert(r.status === 200, `login ${email}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Connects and records every event; resolves once connected. */
function connect(base, token, transports = ['websocket']) {
  const socket = io(base, { auth: { token }, transports, reconnection: false, forceNew: true });
  socket.received = [];
  socket.onAny((type, payload) => socket.received.push({ type, payload, at: Date.now() }));
  cleanups.push(() => socket.close());
  return new Promise((ok, fail) => {
    socket.once('connect', () => ok(socket));
    socket.once('connect_error', (e) => fail(e));
  });
}

/** The `connect_error` message a token gets. */
function refusal(base, token) {
  const socket = io(base, { auth: token === undefined ? {} : { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  cleanups.push(() => socket.close());
  return new Promise((ok) => {
    socket.once('connect', () => ok('connected'));
    socket.once('connect_error', (e) => ok(e.message));
  });
}

async function waitFor(socket, pred, what, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const hit = socket.received.find(pred);
    if (hit) return hit;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}; got ${socket.received.map((e) => e.type).join(', ')}`);
}

function freshPgDatabase(tag) {
  const name = `nexus_rt_${tag}_${process.pid}`;
  execFileSync('psql', [PG, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
  execFileSync('psql', [PG, '-qc', `CREATE DATABASE ${name}`]);
  cleanups.push(() => {
    try {
      execFileSync('psql', [PG, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: 'ignore' });
    } catch {
      /* best effort */
    }
  });
  return `${PG.replace(/\/[^/]*$/, '')}/${name}`;
}

async function setUpUsers(base, admin) {
  const teamA = (await api(base, 'POST', '/api/v1/teams', admin, { name: 'Team A' })).body;
  const teamB = (await api(base, 'POST', '/api/v1/teams', admin, { name: 'Team B' })).body;
  const users = {};
  for (const [key, role, team] of [
    ['repA', 'sales_rep', teamA.id],
    ['repB', 'sales_rep', teamB.id],
  ]) {
    const r = await api(base, 'POST', '/api/v1/users', admin, {
      email: `${key.toLowerCase()}@rt.test`,
      name: key,
      role,
      team_id: team,
      password: PASSWORD,
    });
    assert(r.status === 201, `create ${key}: ${r.status} ${JSON.stringify(r.body)}`);
    users[key] = r.body;
  }
  return { teamA, teamB, users };
}

// ------------------------------------------------------------------ one instance
async function singleInstance(label, env) {
  console.log(`== realtime, one instance (${label})`);
  const { base } = await startNexus(label, env);
  const admin = (await login(base, ADMIN.email, ADMIN.password)).access_token;
  const { teamA, teamB, users } = await setUpUsers(base, admin);

  // Handshake authentication.
  assert((await refusal(base, undefined)) === 'missing_token', 'no token is refused');
  assert((await refusal(base, 'not-a-token')) === 'invalid_token', 'a bad token is refused');
  console.log('  refused: missing and invalid tokens');

  const repA = await login(base, 'repa@rt.test');
  const repB = await login(base, 'repb@rt.test');
  const adminSocket = await connect(base, admin);
  const aSocket = await connect(base, repA.access_token, ['polling']);
  const bSocket = await connect(base, repB.access_token);
  assert(aSocket.io.engine.transport.name === 'polling', 'rep A stays on long-polling');

  // Rep A's customer: A and the admin see it, rep B (another team) does not.
  const created = await api(base, 'POST', '/api/v1/customers', repA.access_token, {
    name: 'Realtime Ltd',
    email: `rt-${Date.now()}@example.com`,
  });
  assert(created.status === 201, `create customer: ${created.status}`);
  const id = created.body.id;
  const isCreated = (e) => e.type === 'customer.created' && e.payload.entity_id === id;
  const live = await waitFor(aSocket, isCreated, 'customer.created on rep A (polling)');
  assert(live.payload.resource?.name === 'Realtime Ltd', 'the event carries the resource');
  assert(live.payload.actor_id === users.repA.id, 'the event names the actor');
  assert(Number.isInteger(live.payload.seq) && live.payload.seq > 0, 'the event carries its sequence number');
  await waitFor(adminSocket, isCreated, 'customer.created on the admin socket');

  // Reassigning it to rep B moves visibility: B gets the update, and never got the creation.
  const moved = await api(base, 'PATCH', `/api/v1/customers/${id}`, admin, {
    owner_id: users.repB.id,
    team_id: teamB.id,
  });
  assert(moved.status === 200, `reassign: ${moved.status} ${JSON.stringify(moved.body)}`);
  const upd = await waitFor(
    bSocket,
    (e) => e.type === 'customer.updated' && e.payload.entity_id === id,
    'customer.updated on rep B after the reassignment',
  );
  assert(upd.payload.resource.owner_id === users.repB.id, 'the update shows the new owner');
  assert(!bSocket.received.some(isCreated), 'rep B did not receive the creation it could not see');
  console.log('  delivered: only to readers; reassignment moves visibility');

  // Catch-up: the admin's live events equal the log read through the API, seq by seq.
  await api(base, 'POST', '/api/v1/customers', admin, { name: 'Second', email: `rt2-${Date.now()}@example.com` });
  await waitFor(adminSocket, (e) => e.type === 'customer.created' && e.payload.resource?.name === 'Second', 'second creation');
  const liveSeqs = adminSocket.received.map((e) => e.payload.seq).filter(Number.isInteger);
  const first = liveSeqs[0];
  let after = first - 1;
  const caught = [];
  for (;;) {
    const page = await api(base, 'GET', `/api/v1/events?after=${after}&limit=2`, admin);
    assert(page.status === 200, `events page: ${page.status}`);
    caught.push(...page.body.data.map((e) => e.seq));
    after = page.body.next_after;
    if (!page.body.has_more) break;
  }
  const wanted = caught.filter((s) => s <= Math.max(...liveSeqs));
  assert(new Set(caught).size === caught.length, 'catch-up pages hold no duplicates');
  assert(JSON.stringify(wanted) === JSON.stringify(liveSeqs), `catch-up ${wanted} equals live ${liveSeqs}`);
  const bCaught = await api(base, 'GET', `/api/v1/events?after=0&limit=500`, repB.access_token);
  assert(!bCaught.body.data.some((e) => e.type === 'customer.created' && e.entity_id === id), 'catch-up is permission-filtered');
  const bad = await api(base, 'GET', '/api/v1/events?after=-1', admin);
  assert(bad.status === 422 && bad.body.errors[0].field === 'after', 'a bad cursor is a 422 naming the field');
  console.log('  caught up: GET /api/v1/events pages match live delivery (no gaps, no duplicates)');

  // An API key's socket follows its user's team: rep B's key, then rep B moves to team A; after
  // the key's next check (every 10 s) team A's new customers reach that socket.
  const key = await api(base, 'POST', '/api/v1/api-keys', admin, { name: 'rt', role: 'sales_rep', user_id: users.repB.id });
  assert(key.status === 201, `api key: ${key.status} ${JSON.stringify(key.body)}`);
  const keySocket = await connect(base, key.body.secret);
  const teamACustomer = async (name) => {
    const r = await api(base, 'POST', '/api/v1/customers', admin, { name, owner_id: users.repA.id, team_id: teamA.id });
    assert(r.status === 201, `create ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    return (e) => e.type === 'customer.created' && e.payload.entity_id === r.body.id;
  };
  const before = await teamACustomer('Team A before the move');
  await waitFor(adminSocket, before, 'the first team A customer on the admin socket');
  const movedUser = await api(base, 'PATCH', `/api/v1/users/${users.repB.id}`, admin, { team_id: teamA.id });
  assert(movedUser.status === 200, `move rep B: ${movedUser.status} ${JSON.stringify(movedUser.body)}`);
  await sleep(11_000);
  const afterMove = await teamACustomer('Team A after the move');
  await waitFor(keySocket, afterMove, 'a team A customer on the key socket after the move');
  assert(!keySocket.received.some(before), 'the key socket did not receive team A records before the move');
  keySocket.close();
  console.log('  api key: its socket follows a change of its user\'s team');

  // A logout ends the socket of that session, and the token is refused afterwards.
  const ended = new Promise((ok) => aSocket.once('disconnect', (reason) => ok(reason)));
  assert((await api(base, 'POST', '/api/v1/auth/logout', repA.access_token)).status === 204, 'logout');
  const reason = await Promise.race([ended, sleep(3000).then(() => 'still connected')]);
  assert(reason === 'io server disconnect', `the revoked socket is disconnected (${reason})`);
  assert((await refusal(base, repA.access_token)) === 'token_revoked', 'a revoked token is refused');
  console.log('  revoked: logout disconnects the socket and refuses the token');
}

// ------------------------------------------------------------------ two instances
async function startRedis() {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], {
    stdio: 'ignore',
  });
  cleanups.push(() => proc.kill('SIGKILL'));
  for (let i = 0; i < 100; i++) {
    try {
      execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'ignore' });
      return { port, proc };
    } catch {
      await sleep(50);
    }
  }
  throw new Error('redis-server did not start');
}

async function redisStatus(base) {
  const r = await api(base, 'GET', '/health/ready');
  return r.body.checks.redis?.status;
}

async function twoInstances() {
  console.log('== realtime, two instances sharing PostgreSQL and Redis');
  let redis = await startRedis();
  const url = freshPgDatabase('two');
  const env = {
    NEXUS_DATABASE_URL: url,
    NEXUS_REDIS_URL: `redis://127.0.0.1:${redis.port}`,
    NEXUS_LOGIN_LIMIT_PER_ACCOUNT: '6',
    NEXUS_LOGIN_LIMIT_PER_IP: '0',
  };
  const a = await startNexus('a', env);
  const b = await startNexus('b', env);
  for (const n of [a, b]) {
    for (let i = 0; i < 50 && (await redisStatus(n.base)) !== 'up'; i++) await sleep(100);
    assert((await redisStatus(n.base)) === 'up', 'redis is up in /health/ready');
  }
  const admin = await login(a.base, ADMIN.email, ADMIN.password);
  const onB = await connect(b.base, admin.access_token);

  // An event written through A reaches a client of B within 1 s.
  const t0 = Date.now();
  const created = await api(a.base, 'POST', '/api/v1/customers', admin.access_token, { name: 'Across', email: `x-${t0}@example.com` });
  assert(created.status === 201, 'create on A');
  const got = await waitFor(onB, (e) => e.type === 'customer.created' && e.payload.entity_id === created.body.id, 'the event on B', 1000);
  console.log(`  fan-out: created on A, received on B after ${got.at - t0} ms`);

  // Logout on A: the token fails on B at once.
  const second = await login(a.base, ADMIN.email, ADMIN.password);
  assert((await api(b.base, 'GET', '/api/v1/auth/me', second.access_token)).status === 200, 'token works on B');
  assert((await api(a.base, 'POST', '/api/v1/auth/logout', second.access_token)).status === 204, 'logout on A');
  let refusedAfter = -1;
  for (let i = 0; i < 20; i++) {
    if ((await api(b.base, 'GET', '/api/v1/auth/me', second.access_token)).status === 401) {
      refusedAfter = i * 10;
      break;
    }
    await sleep(10);
  }
  assert(refusedAfter >= 0 && refusedAfter <= 100, `the token fails on B within 100 ms (${refusedAfter})`);
  console.log(`  revocation: refused on B ${refusedAfter} ms after the logout on A`);

  // Refresh-token reuse detection across instances: rotate on A, replay the old one on B.
  const fam = await login(a.base, ADMIN.email, ADMIN.password);
  const rotated = await api(a.base, 'POST', '/api/v1/auth/refresh', null, { refresh_token: fam.refresh_token });
  assert(rotated.status === 200, 'refresh on A');
  const replay = await api(b.base, 'POST', '/api/v1/auth/refresh', null, { refresh_token: fam.refresh_token });
  assert(replay.status === 401, `replaying the old refresh token on B is refused (${replay.status})`);
  const after = await api(a.base, 'POST', '/api/v1/auth/refresh', null, { refresh_token: rotated.body.refresh_token });
  assert(after.status === 401, 'the reuse revoked the whole family, on A too');
  console.log('  refresh reuse: detected across instances, family revoked');

  // Login limits are shared: 6 per account per minute, spread over both instances.
  const statuses = [];
  for (let i = 0; i < 8; i++) {
    const n = i % 2 ? b : a;
    statuses.push((await api(n.base, 'POST', '/api/v1/auth/login', null, { email: 'nobody@rt.test', password: 'wrong-password-123' })).status);
  }
  assert(statuses.slice(0, 6).every((s) => s === 401), `first six attempts are judged (${statuses})`);
  assert(statuses.slice(6).every((s) => s === 429), `then both instances refuse (${statuses})`);
  console.log(`  shared login limit: ${statuses.join(' ')}`);

  // Redis goes away: both keep serving, degraded; they recover when it returns.
  redis.proc.kill('SIGKILL');
  await sleep(300);
  for (const n of [a, b]) {
    let st;
    for (let i = 0; i < 30 && (st = await redisStatus(n.base)) !== 'degraded'; i++) await sleep(100);
    assert(st === 'degraded', `redis shows degraded (${st})`);
    const ready = await api(n.base, 'GET', '/health/ready');
    assert(ready.status === 200, 'still ready without Redis');
  }
  const during = await api(a.base, 'POST', '/api/v1/customers', admin.access_token, { name: 'Without Redis', email: `nr-${Date.now()}@example.com` });
  assert(during.status === 201, 'writes work without Redis');
  await waitFor(onB, (e) => e.type === 'customer.created' && e.payload.entity_id === during.body.id, 'the event on B without Redis (log polling)', 3000);
  const restarted = spawn('redis-server', ['--port', String(redis.port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], { stdio: 'ignore' });
  cleanups.push(() => restarted.kill('SIGKILL'));
  for (const n of [a, b]) {
    let st;
    for (let i = 0; i < 100 && (st = await redisStatus(n.base)) !== 'up'; i++) await sleep(100);
    assert(st === 'up', `redis recovered (${st})`);
  }
  const t1 = Date.now();
  const back = await api(a.base, 'POST', '/api/v1/customers', admin.access_token, { name: 'Redis back', email: `rb-${t1}@example.com` });
  const got2 = await waitFor(onB, (e) => e.type === 'customer.created' && e.payload.entity_id === back.body.id, 'the event on B after recovery', 1000);
  console.log(`  redis outage: served degraded, recovered; fan-out ${got2.at - t1} ms`);
}

try {
  await singleInstance('sqlite', {});
  if (PG) {
    await singleInstance('postgres', { NEXUS_DATABASE_URL: freshPgDatabase('one') });
    await twoInstances();
  } else {
    console.log('(NEXUS_TEST_DATABASE_URL unset: PostgreSQL and two-instance checks skipped)');
  }
  console.log('realtime: all checks passed');
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  for (const c of cleanups.reverse()) {
    try {
      c();
    } catch {
      /* already gone */
    }
  }
}
process.exit(process.exitCode ?? 0);
