// Socket.IO load: holds many concurrent clients (the official socket.io-client over WebSocket,
// spread over worker threads) on one `nexus serve`, writes customers through the REST API at a
// steady rate, and reports event delivery latency from commit to receipt (p50/p99/max) and the
// server's memory per connection. Prints numbers; asserts nothing about speed.
//
//   NEXUS_BIN=target/release/nexus node e2e/realtime-load.mjs [clients] [events] [receivers]
//
// `receivers` of the clients (default: all) are admins who see every event; the rest are sales
// reps of another team, who receive nothing but are still checked at each delivery. Receipt time
// includes the client side's own work: with thousands of receivers in a few Node threads on the
// same 2 cores, the tail measures the load generator as much as the server.
//
// LOAD_CLIENT=raw swaps socket.io-client for a bare WebSocket (`ws`) speaking the Engine.IO 4 /
// Socket.IO 5 frames itself: open, connect with the token, ping/pong, and the event frames, of
// which it reads only `occurred_at`. It does a fraction of socket.io-client's work per message,
// so more of the two cores is left to the server when every client receives every event.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { freePort, sleep } from './lib.mjs';

if (!isMainThread) {
  // ------------------------------------------------ a worker: holds its share of the clients
  const { base, tokens, id } = workerData;
  const sockets = [];
  const latencies = [];
  let connected = 0;
  let failed = 0;
  const wsUrl = `${base.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  // One Socket.IO client as bare frames: `0` open → send `40{auth}`; `40` connected, `44`
  // refused; `2` ping → `3` pong; `42[...]` an event.
  const connectRaw = (token) =>
    new Promise((ok) => {
      const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
      let settled = false;
      const settle = (good) => {
        if (settled) return;
        settled = true;
        if (good) connected++;
        else failed++;
        ok();
      };
      ws.on('message', (buf) => {
        const m = buf.toString();
        if (m.startsWith('42["customer.created"')) {
          const at = m.indexOf('"occurred_at":"');
          if (at >= 0) {
            const from = at + 15;
            latencies.push(Date.now() - Date.parse(m.slice(from, m.indexOf('"', from))));
          }
        } else if (m === '2') {
          ws.send('3');
        } else if (m.startsWith('0')) {
          ws.send(`40${JSON.stringify({ token })}`);
        } else if (m.startsWith('40')) {
          settle(true);
        } else if (m.startsWith('44')) {
          settle(false);
        }
      });
      ws.on('error', () => settle(false));
      ws.on('close', () => settle(false));
      sockets.push({ close: () => ws.close() });
    });
  const connectOne = (token) =>
    process.env.LOAD_CLIENT === 'raw' ? connectRaw(token) : connectSio(token);
  const connectSio = (token) =>
    new Promise((ok) => {
      const s = io(base, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 60000 });
      s.on('customer.created', (e) => latencies.push(Date.now() - Date.parse(e.occurred_at)));
      s.once('connect', () => {
        connected++;
        ok();
      });
      s.once('connect_error', () => {
        failed++;
        ok();
      });
      sockets.push(s);
    });
  for (let i = 0; i < tokens.length; i += 200) {
    await Promise.all(tokens.slice(i, i + 200).map(connectOne));
  }
  parentPort.postMessage({ kind: 'connected', id, connected, failed });
  parentPort.on('message', (m) => {
    if (m === 'report') {
      parentPort.postMessage({ kind: 'report', id, latencies });
    } else if (m === 'close') {
      for (const s of sockets) s.close();
      parentPort.postMessage({ kind: 'closed', id });
    }
  });
} else {
  const CLIENTS = Number(process.argv[2] ?? 10000);
  const EVENTS = Number(process.argv[3] ?? 50);
  const RECEIVERS = Number(process.argv[4] ?? CLIENTS);
  const WORKERS = Number(process.env.LOAD_WORKERS ?? 2);
  const BIN = resolve(process.env.NEXUS_BIN ?? '../target/release/nexus');
  const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  const dataDir = mkdtempSync(join(tmpdir(), 'nexus-rt-load-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const admin = { email: 'admin@load.test', password: 'load-Admin-password-1' };
  const server = spawn(BIN, ['serve'], {
    env: {
      PATH: process.env.PATH,
      NEXUS_DATA_DIR: dataDir,
      NEXUS_LISTEN: `127.0.0.1:${port}`,
      NEXUS_BOOTSTRAP_ADMIN_EMAIL: admin.email,
      NEXUS_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
      NEXUS_RATE_LIMIT_PER_IP: '0',
      NEXUS_RATE_LIMIT_PER_USER: '0',
      NEXUS_LOGIN_LIMIT_PER_IP: '0',
      NEXUS_LOGIN_LIMIT_PER_ACCOUNT: '0',
      NEXUS_LOG_LEVEL: 'warn',
      ...(process.env.NEXUS_DATABASE_URL ? { NEXUS_DATABASE_URL: process.env.NEXUS_DATABASE_URL } : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const cleanup = () => {
    server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 300; i++) {
      try {
        if ((await fetch(`${base}/health`)).ok) break;
      } catch {
        /* starting */
      }
      await sleep(100);
    }
    const post = async (path, token, body) => {
      const r = await fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      return r.json();
    };
    const adminToken = (await post('/api/v1/auth/login', null, admin)).access_token;
    let repToken = adminToken;
    if (RECEIVERS < CLIENTS) {
      const team = await post('/api/v1/teams', adminToken, { name: 'Elsewhere' });
      await post('/api/v1/users', adminToken, {
        email: 'rep@load.test',
        name: 'Rep',
        role: 'sales_rep',
        team_id: team.id,
        password: 'load-Rep-password-1',
      });
      repToken = (await post('/api/v1/auth/login', null, { email: 'rep@load.test', password: 'load-Rep-password-1' })).access_token;
    }
    const idle = rssKb(server.pid);
    const tokens = Array.from({ length: CLIENTS }, (_, i) => (i < RECEIVERS ? adminToken : repToken));
    const t0 = Date.now();
    const workers = [];
    const waitAll = (kind) =>
      Promise.all(workers.map((w) => new Promise((ok) => {
        const h = (m) => {
          if (m.kind === kind) {
            w.off('message', h);
            ok(m);
          }
        };
        w.on('message', h);
      })));
    for (let w = 0; w < WORKERS; w++) {
      const share = tokens.filter((_, i) => i % WORKERS === w);
      workers.push(new Worker(new URL(import.meta.url), { workerData: { base, tokens: share, id: w } }));
    }
    const conn = await waitAll('connected');
    const connected = conn.reduce((a, m) => a + m.connected, 0);
    const failed = conn.reduce((a, m) => a + m.failed, 0);
    await sleep(2000);
    const held = rssKb(server.pid);
    console.log(`connected ${connected} clients (${failed} failed) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`server RSS: idle ${(idle / 1024).toFixed(1)} MiB, with clients ${(held / 1024).toFixed(1)} MiB → ${(((held - idle) * 1024) / Math.max(connected, 1) / 1024).toFixed(1)} KiB per connection`);
    for (let i = 0; i < EVENTS; i++) {
      await post('/api/v1/customers', adminToken, { name: `Load ${i}`, email: `load-${i}-${t0}@example.com` });
      await sleep(200);
    }
    await sleep(3000);
    workers.forEach((w) => w.postMessage('report'));
    const reports = await waitAll('report');
    const lat = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
    const expected = EVENTS * Math.min(RECEIVERS, connected);
    console.log(`events: ${EVENTS} written, ${lat.length}/${expected} deliveries received`);
    console.log(`delivery latency from commit (ms): p50 ${q(0.5)}  p90 ${q(0.9)}  p99 ${q(0.99)}  max ${lat[lat.length - 1]}`);
    workers.forEach((w) => w.postMessage('close'));
    await waitAll('closed');
    await Promise.all(workers.map((w) => w.terminate()));
  } finally {
    cleanup();
  }
}
