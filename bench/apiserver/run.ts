/**
 * Benchmarks of the embedded API server against its ceilings, all in one run on this machine:
 *
 *   node --import tsx bench/apiserver/run.ts [--quick] [--only=SECTIONS] [--json=FILE] [--keelson=BIN]
 *
 * SECTIONS (comma-separated, default all): sqlite-raw, bare, memory, sqlite, rss.
 * Prints figures and ratios; never asserts timings. See bench/README.md.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { KubeObject } from '../../src/api/meta.ts';
import {
  fmt,
  fmtMs,
  fmtRate,
  keepAliveAgent,
  percentile,
  procMemory,
  repoRoot,
  runPhase,
  send,
  sortedCopy,
  spawnBare,
  spawnKeelson,
  table,
  waitFor200,
  type OpOutcome,
  type PhaseResult,
  type ServerProc,
} from './lib.ts';
import { measureSqlite, type SqliteCeiling } from './sqlite-ceiling.ts';

// --- configuration -------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const jsonOut = argv.find((a) => a.startsWith('--json='))?.slice('--json='.length);
/** Another build's bin/keelson, to compare (default: this repository's). */
const keelsonBin =
  argv.find((a) => a.startsWith('--keelson='))?.slice('--keelson='.length) ??
  join(repoRoot, 'bin', 'keelson');
const enabled = (section: string) => only === undefined || only.includes(section);

const cfg = quick
  ? {
      phaseMs: 300,
      listObjects: 2_000,
      watchers: 100,
      watchRounds: 30,
      rssObjects: 10_000,
      sqliteRows: 5_000,
      warmupMs: 700,
    }
  : {
      phaseMs: 2_500,
      listObjects: 10_000,
      watchers: 100,
      watchRounds: 50,
      rssObjects: 100_000,
      sqliteRows: 30_000,
      warmupMs: 3_000,
    };
const concurrencies = [1, 8, 64];
const pageSize = 500;
const ns = 'default';
const listNs = 'bench-list';
const watchNs = 'bench-watch';

type Target = 'bare-http' | 'memory' | 'sqlite';

const results: PhaseResult[] = [];
const notes: string[] = [];
const serverLogs = new Map<string, string[]>();
const watchResults = new Map<Target, WatchResult>();
const fills = new Map<Target, { objects: number; perSec: number }>();
const suiteRss = new Map<Target, { rss: number; hwm: number }>();
let sqliteCeiling: SqliteCeiling | undefined;
let rss: RssResult | undefined;

function log(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${message}\n`);
}
function note(message: string): void {
  notes.push(message);
  log(`NOTE: ${message}`);
}
const t0 = performance.now();
const loadAtStart = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');

// --- payloads ------------------------------------------------------------------------------------

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.';
let seed0 = 12345;
const filler = Array.from({ length: 2048 }, () => {
  seed0 = (Math.imul(seed0, 1103515245) + 12345) >>> 0;
  return alphabet[(seed0 >>> 16) % alphabet.length];
}).join('');
/** 1 KiB of ConfigMap data, different per seed. */
function blob(seed: string): string {
  const offset = seed.length > 0 ? (seed.charCodeAt(seed.length - 1) * 31 + seed.length * 7) % 1000 : 0;
  return `${seed}:${filler.slice(offset, offset + 1024)}`.slice(0, 1024);
}

function configMap(name: string, seed = name, resourceVersion?: string, namespace?: string): string {
  const meta = `"name":"${name}"${namespace === undefined ? '' : `,"namespace":"${namespace}"`}${resourceVersion === undefined ? '' : `,"resourceVersion":"${resourceVersion}"`}`;
  return `{"apiVersion":"v1","kind":"ConfigMap","metadata":{${meta}},"data":{"blob":"${blob(seed)}"}}`;
}

const rvPattern = /"resourceVersion":"(\d+)"/;
const continuePattern = /"continue":"([^"]+)"/;
const collection = (namespace: string) => `/api/v1/namespaces/${namespace}/configmaps`;

// --- the CRUD/list/watch suite of one target -----------------------------------------------------

interface PoolEntry {
  name: string;
  rv: string;
}

async function createNamespace(proc: ServerProc, name: string): Promise<void> {
  const agent = keepAliveAgent(1);
  const r = await send(
    agent,
    proc.url,
    proc.token,
    'POST',
    '/api/v1/namespaces',
    `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"${name}"}}`,
  );
  agent.destroy();
  if (r.status !== 201 && r.status !== 409)
    note(
      `${proc.label}: POST /api/v1/namespaces (${name}) → ${r.status}: ${r.body.toString().slice(0, 300)}`,
    );
}

/** Creates `count` objects in `namespace` with `concurrency` clients; returns creates/s. */
async function fill(
  proc: ServerProc,
  namespace: string,
  count: number,
  prefix: string,
  concurrency = 16,
): Promise<number> {
  const agent = keepAliveAgent(concurrency);
  let next = 0;
  let failures = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const name = `${prefix}${String(i).padStart(6, '0')}`;
        try {
          const r = await send(agent, proc.url, proc.token, 'POST', collection(namespace), configMap(name));
          if (r.status !== 201 && failures++ < 3)
            note(
              `${proc.label}: fill POST ${collection(namespace)} (${name}) → ${r.status}: ${r.body.toString().slice(0, 300)}`,
            );
        } catch (error) {
          if (failures++ < 3)
            note(`${proc.label}: fill POST ${collection(namespace)} (${name}) failed: ${String(error)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }),
  );
  agent.destroy();
  return count / ((performance.now() - start) / 1000);
}

/** One server under test, with what the phases remember about it. */
interface Live {
  target: Target;
  proc: ServerProc;
  /** objects created by the create phases: the get and update phases use them */
  pool: PoolEntry[];
  cleanup: (() => void) | undefined;
}

function alive(l: Live): boolean {
  if (!l.proc.exit) return true;
  const text = `${l.target}: server process exited (code ${l.proc.exit.code}, signal ${l.proc.exit.signal}); stderr tail:\n${l.proc.stderr.slice(-20).join('\n')}`;
  if (!notes.includes(text)) note(text);
  return false;
}

async function startTarget(
  target: Target,
  start: () => Promise<ServerProc>,
  cleanup?: (proc: ServerProc) => void,
): Promise<Live | undefined> {
  log(`${target}: starting server`);
  let proc: ServerProc;
  try {
    proc = await start();
  } catch (error) {
    note(`${target}: server failed to start: ${String((error as Error).message).slice(0, 1500)}`);
    return undefined;
  }
  serverLogs.set(target, proc.stderr);
  log(`${target}: listening on ${proc.url.href} (pid ${proc.pid}) after ${fmt(proc.listeningMs)} ms`);
  const live: Live = { target, proc, pool: [], cleanup: cleanup && (() => cleanup(proc)) };
  try {
    await waitFor200(proc.url, proc.token, '/readyz', proc.spawnedAt);
    await createNamespace(proc, listNs);
    await createNamespace(proc, watchNs);
    await warmUp(proc);
  } catch (error) {
    note(`${target}: setup failed: ${String((error as Error).stack ?? error)}`);
  }
  return live;
}

/** JIT, connections, first-use paths: create, get, update and a list page, 8 clients. */
async function warmUp(proc: ServerProc): Promise<void> {
  const agent = keepAliveAgent(8);
  const until = performance.now() + cfg.warmupMs;
  const ignore = () => ({ status: 0, body: Buffer.alloc(0) });
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; performance.now() < until && !proc.exit; i++) {
        const name = `warm-${w}-${i}`;
        const path = `${collection(ns)}/${name}`;
        const c = await send(agent, proc.url, proc.token, 'POST', collection(ns), configMap(name)).catch(
          ignore,
        );
        await send(agent, proc.url, proc.token, 'GET', path).catch(ignore);
        const rv = rvPattern.exec(c.body.toString('latin1'))?.[1];
        await send(agent, proc.url, proc.token, 'PUT', path, configMap(name, `${name}/1`, rv, ns)).catch(
          ignore,
        );
        if (i % 20 === 0) {
          await send(agent, proc.url, proc.token, 'GET', `${collection(ns)}?limit=${pageSize}`).catch(ignore);
        }
      }
    }),
  );
  agent.destroy();
}

type Op = 'create' | 'get' | 'update' | 'list page' | 'list all';

/** One measured phase of one op at one concurrency against one server. */
async function phase(l: Live, op: Op, c: number): Promise<void> {
  if (!alive(l)) return;
  const { proc, pool } = l;
  if (op !== 'create' && op !== 'list page' && op !== 'list all' && pool.length === 0) return;
  const agent = keepAliveAgent(c);
  const tokens = new Map<number, string | undefined>();
  const fn = async (w: number, i: number): Promise<OpOutcome> => {
    switch (op) {
      case 'create': {
        const name = `c${c}-${w}-${i}`;
        const path = collection(ns);
        const r = await send(agent, proc.url, proc.token, 'POST', path, configMap(name));
        if (r.status === 201) pool.push({ name, rv: rvPattern.exec(r.body.toString('latin1'))?.[1] ?? '' });
        return { status: r.status, method: 'POST', path: `${path} (${name})`, body: r.body };
      }
      case 'get': {
        const path = `${collection(ns)}/${pool[Math.floor(Math.random() * pool.length)]!.name}`;
        const r = await send(agent, proc.url, proc.token, 'GET', path);
        return { status: r.status, method: 'GET', path, body: r.body };
      }
      case 'update': {
        // worker w owns pool entries w, w+c, w+2c, …: no two workers update one object
        const owned = Math.floor((pool.length - 1 - w) / c) + 1;
        const entry = pool[(w % pool.length) + c * (i % Math.max(1, owned))]!;
        const path = `${collection(ns)}/${entry.name}`;
        const rv = entry.rv;
        const r = await send(
          agent,
          proc.url,
          proc.token,
          'PUT',
          path,
          configMap(entry.name, `${entry.name}/${c}/${i}`, rv, ns),
        );
        if (r.status === 200) entry.rv = rvPattern.exec(r.body.toString('latin1'))?.[1] ?? entry.rv;
        return {
          status: r.status,
          method: 'PUT',
          path: `${path} (body metadata.resourceVersion ${rv})`,
          body: r.body,
        };
      }
      case 'list page': {
        const cont = tokens.get(w);
        const path = `${collection(listNs)}?limit=${pageSize}${cont === undefined ? '' : `&continue=${encodeURIComponent(cont)}`}`;
        const r = await send(agent, proc.url, proc.token, 'GET', path);
        const next =
          r.status === 200
            ? continuePattern.exec(r.body.subarray(0, 4096).toString('latin1'))?.[1]
            : undefined;
        tokens.set(w, next);
        return { status: r.status, method: 'GET', path, body: r.body };
      }
      case 'list all': {
        const path = collection(listNs);
        const r = await send(agent, proc.url, proc.token, 'GET', path);
        return { status: r.status, method: 'GET', path, body: r.body };
      }
    }
  };
  const expect = op === 'create' ? [201] : [200];
  const r = await runPhase(
    {
      target: l.target,
      op: opLabel(op),
      concurrency: c,
      durationMs: cfg.phaseMs,
      expect,
      serverPid: proc.pid,
      connect: () => send(agent, proc.url, proc.token, 'GET', '/readyz'),
    },
    fn,
  );
  agent.destroy();
  results.push(r);
  log(
    `${l.target} ${opLabel(op)} c=${c}: ${fmtRate(r.opsPerSec)} ops/s p50 ${fmtMs(r.p50)} ms p99 ${fmtMs(r.p99)} ms errors ${r.errors} (other load ${fmt(r.otherCpu, 2)} cores)`,
  );
  for (const e of r.errorSamples) note(`${l.target} ${opLabel(op)} c=${c}: ${e}`);
}

function opLabel(op: Op): string {
  return op === 'list page' ? `list ${pageSize}` : op;
}

/** Fills the list namespace and checks that a list and the pager return every object. */
async function prepareList(l: Live): Promise<void> {
  const { proc, target } = l;
  if (!alive(l)) return;
  log(`${target}: filling ${listNs} with ${fmt(cfg.listObjects)} ConfigMaps`);
  const perSec = await fill(proc, listNs, cfg.listObjects, 'l-');
  fills.set(target, { objects: cfg.listObjects, perSec });
  const check = await send(false, proc.url, proc.token, 'GET', collection(listNs));
  const n =
    check.status === 200 ? (JSON.parse(check.body.toString()) as { items: unknown[] }).items.length : -1;
  if (n !== cfg.listObjects) {
    note(
      `${target}: GET ${collection(listNs)} → ${check.status}, ${n} items (expected ${cfg.listObjects}): ${check.body.toString().slice(0, 200)}`,
    );
  }
  let seen = 0;
  let cont: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const path = `${collection(listNs)}?limit=${pageSize}${cont === undefined ? '' : `&continue=${encodeURIComponent(cont)}`}`;
    const r = await send(false, proc.url, proc.token, 'GET', path);
    if (r.status !== 200) {
      note(`${target}: GET ${path} → ${r.status}: ${r.body.toString().slice(0, 300)}`);
      break;
    }
    const list = JSON.parse(r.body.toString()) as { items: unknown[]; metadata: { continue?: string } };
    seen += list.items.length;
    cont = list.metadata.continue;
    if (cont === undefined || cont === '') break;
  }
  if (seen !== cfg.listObjects) {
    note(
      `${target}: paging ${collection(listNs)}?limit=${pageSize} saw ${seen} items (expected ${cfg.listObjects})`,
    );
  }
}

/**
 * Every server is up at once (idle ones cost nothing) and each (op, concurrency) runs against them
 * back to back, in rotating order, so background load on a shared machine hits them alike.
 */
async function suites(
  starts: Array<[Target, () => Promise<ServerProc>, ((proc: ServerProc) => void)?]>,
): Promise<void> {
  const lives: Live[] = [];
  for (const [target, start, cleanup] of starts) {
    const l = await startTarget(target, start, cleanup);
    if (l) lives.push(l);
  }
  let turn = 0;
  const rotated = () => {
    const k = turn++ % Math.max(1, lives.length);
    return [...lives.slice(k), ...lives.slice(0, k)];
  };
  try {
    for (const op of ['create', 'get', 'update'] as const) {
      for (const c of concurrencies) for (const l of rotated()) await phase(l, op, c);
    }
    for (const l of lives) await prepareList(l);
    for (const op of ['list page', 'list all'] as const) {
      for (const c of concurrencies) for (const l of rotated()) await phase(l, op, c);
    }
    for (const l of lives) {
      if (!alive(l)) continue;
      log(`${l.target}: watch fan-out, ${cfg.watchers} watchers × ${cfg.watchRounds} creates`);
      watchResults.set(l.target, await watchFanout(l.proc, l.target));
      const mem = procMemory(l.proc.pid);
      if (mem) suiteRss.set(l.target, mem);
    }
  } catch (error) {
    note(`suites aborted: ${String((error as Error).stack ?? error)}`);
  } finally {
    for (const l of lives) {
      alive(l);
      await l.proc.stop();
      l.cleanup?.();
    }
  }
}

// --- watch fan-out -------------------------------------------------------------------------------

interface WatchResult {
  watchers: number;
  connected: number;
  rounds: number;
  complete: number;
  /** ms from sending the POST to the last / first watcher seeing ADDED, and to the POST's answer */
  allSeen: { p50: number; p99: number; max: number };
  firstSeen: { p50: number; p99: number };
  postAnswered: { p50: number; p99: number };
  problems: string[];
}

async function watchFanout(proc: ServerProc, target: Target): Promise<WatchResult> {
  const problems: string[] = [];
  const list = await send(false, proc.url, proc.token, 'GET', `${collection(watchNs)}?limit=1`);
  const rv =
    list.status === 200
      ? ((JSON.parse(list.body.toString()) as { metadata: { resourceVersion?: string } }).metadata
          .resourceVersion ?? '')
      : '';
  if (list.status !== 200)
    problems.push(
      `GET ${collection(watchNs)}?limit=1 → ${list.status}: ${list.body.toString().slice(0, 200)}`,
    );
  const pending = new Map<string, { seen: number; first?: number; done: (t: number) => void }>();
  const requests: ClientRequest[] = [];
  let connected = 0;
  let ended = 0;
  const path = `${collection(watchNs)}?watch=1&resourceVersion=${rv}`;
  const connectedAll = new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      problems.push(`only ${connected}/${cfg.watchers} watches answered within 30 s (GET ${path})`);
      resolve();
    }, 30_000);
    for (let i = 0; i < cfg.watchers; i++) {
      const req = request(
        {
          host: proc.url.hostname,
          port: proc.url.port,
          path,
          agent: false,
          headers: { Authorization: `Bearer ${proc.token}` },
        },
        (res) => {
          if (res.statusCode !== 200) {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on(
              'end',
              () =>
                problems.length < 5 &&
                problems.push(`GET ${path} → ${res.statusCode}: ${body.slice(0, 300)}`),
            );
          } else {
            let buf = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              buf += chunk;
              let nl: number;
              while ((nl = buf.indexOf('\n')) >= 0) {
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + 1);
                if (line.trim() === '') continue;
                const event = JSON.parse(line) as { type: string; object: KubeObject };
                if (event.type === 'ERROR' && problems.length < 5)
                  problems.push(`watch ERROR event: ${line.slice(0, 300)}`);
                if (event.type !== 'ADDED') continue;
                const p = pending.get(event.object.metadata.name ?? '');
                if (!p) continue;
                const now = performance.now();
                p.first ??= now;
                if (++p.seen === cfg.watchers) p.done(now);
              }
            });
            res.on('end', () => {
              ended++;
            });
          }
          if (++connected === cfg.watchers) {
            clearTimeout(timer);
            resolve();
          }
        },
      );
      req.on('error', (error) => {
        if (problems.length < 5) problems.push(`watch request failed: ${String(error)}`);
      });
      req.end();
      requests.push(req);
    }
  });
  await connectedAll;
  await new Promise((r) => setTimeout(r, 100));
  const agent = keepAliveAgent(1);
  const allSeen: number[] = [];
  const firstSeen: number[] = [];
  const postAnswered: number[] = [];
  for (let round = 0; round < cfg.watchRounds && !proc.exit; round++) {
    const name = `w-${round}`;
    let done!: (t: number) => void;
    const seenAll = new Promise<number>((resolve) => (done = resolve));
    const entry: { seen: number; first?: number; done: (t: number) => void } = { seen: 0, done };
    pending.set(name, entry);
    const start = performance.now();
    const r = await send(agent, proc.url, proc.token, 'POST', collection(watchNs), configMap(name)).catch(
      (error: unknown) => ({ status: 0, body: Buffer.from(String(error)) }),
    );
    postAnswered.push(performance.now() - start);
    if (r.status !== 201) {
      problems.push(
        `POST ${collection(watchNs)} (${name}) → ${r.status}: ${r.body.toString().slice(0, 300)}`,
      );
      continue;
    }
    const t = await Promise.race([
      seenAll,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000)),
    ]);
    if (t === undefined) {
      problems.push(
        `round ${round}: only ${entry.seen}/${cfg.watchers} watchers saw ADDED ${name} within 10 s`,
      );
    } else {
      allSeen.push(t - start);
      firstSeen.push(entry.first! - start);
    }
    pending.delete(name);
  }
  agent.destroy();
  if (ended > 0) problems.push(`${ended} watch streams ended early`);
  for (const req of requests) req.destroy();
  for (const p of problems) note(`${target} watch: ${p}`);
  const a = sortedCopy(allSeen);
  const f = sortedCopy(firstSeen);
  const pa = sortedCopy(postAnswered);
  return {
    watchers: cfg.watchers,
    connected,
    rounds: cfg.watchRounds,
    complete: allSeen.length,
    allSeen: { p50: percentile(a, 50), p99: percentile(a, 99), max: a.length > 0 ? a[a.length - 1]! : NaN },
    firstSeen: { p50: percentile(f, 50), p99: percentile(f, 99) },
    postAnswered: { p50: percentile(pa, 50), p99: percentile(pa, 99) },
    problems,
  };
}

// --- RSS and restart with many objects (SQLite) ---------------------------------------------------

interface StartTiming {
  listeningMs: number;
  readyMs: number;
  firstPageMs: number;
  rss: number;
  hwm: number;
}

interface RssResult {
  objects: number;
  emptyStart: StartTiming;
  preload: { perSec: number; via: string };
  cleanStart: StartTiming | undefined;
  pagedAll: { ms: number; items: number; rss: number; hwm: number } | undefined;
  fullList: { ms: number; items: number; mb: number; rss: number; hwm: number } | undefined;
  killStart: StartTiming | undefined;
  dbMb: number;
}

async function timedStart(label: string, dir: string): Promise<{ proc: ServerProc; timing: StartTiming }> {
  const proc = await spawnKeelson(label, dir, 180_000, keelsonBin);
  serverLogs.set(label, proc.stderr);
  const readyMs = await waitFor200(proc.url, proc.token, '/readyz', proc.spawnedAt);
  const firstPageMs = await waitFor200(
    proc.url,
    proc.token,
    `${collection(ns)}?limit=${pageSize}`,
    proc.spawnedAt,
  );
  const mem = procMemory(proc.pid) ?? { rss: NaN, hwm: NaN };
  return {
    proc,
    timing: { listeningMs: proc.listeningMs, readyMs, firstPageMs, rss: mem.rss, hwm: mem.hwm },
  };
}

async function rssAndRestart(): Promise<void> {
  const n = cfg.rssObjects;
  const dir = mkdtempSync(join(tmpdir(), 'keelson-bench-rss-'));
  try {
    log(`rss: starting an empty SQLite server in ${dir}`);
    let started: { proc: ServerProc; timing: StartTiming };
    try {
      started = await timedStart('sqlite-rss (empty)', dir);
    } catch (error) {
      note(`rss: server failed to start: ${String((error as Error).message).slice(0, 1500)}`);
      return;
    }
    const emptyStart = started.timing;
    let proc = started.proc;
    const created = await send(false, proc.url, proc.token, 'POST', collection(ns), configMap('template'));
    if (created.status !== 201) {
      note(
        `rss: POST ${collection(ns)} (template) → ${created.status}: ${created.body.toString().slice(0, 300)}`,
      );
      await proc.stop();
      return;
    }
    const template = JSON.parse(created.body.toString()) as KubeObject;

    // preload straight into state.db through SqliteStorage, as the server would have stored them
    let preload: RssResult['preload'];
    try {
      const { SqliteStorage } = await import('../../src/apiserver/storage/sqlite-storage.ts');
      await proc.stop();
      log(`rss: preloading ${fmt(n)} ConfigMaps through SqliteStorage.create`);
      const storage = new SqliteStorage(join(dir, 'state.db'));
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        const name = `rss-${String(i).padStart(7, '0')}`;
        const { resourceVersion: _rv, ...meta } = template.metadata;
        storage.create(`/default/core/configmaps/${ns}/${name}`, {
          ...template,
          metadata: { ...meta, name, uid: randomUUID() },
          data: { blob: blob(name) },
        });
      }
      preload = { perSec: n / ((performance.now() - start) / 1000), via: 'SqliteStorage.create, no HTTP' };
      storage.close();
    } catch (error) {
      note(
        `rss: SqliteStorage preload unavailable (${String((error as Error).message).split('\n')[0]}); creating through the API`,
      );
      if (proc.exit) {
        const again = await timedStart('sqlite-rss (fill)', dir);
        proc = again.proc;
      }
      preload = { perSec: await fill(proc, ns, n, 'rss-', 32), via: 'POST, 32 clients' };
      await proc.stop();
    }
    const dbMb = ['state.db', 'state.db-wal']
      .map((f) => {
        try {
          return statSync(join(dir, f)).size / 1048576;
        } catch {
          return 0;
        }
      })
      .reduce((a, b) => a + b, 0);

    log(`rss: starting with ${fmt(n)} objects`);
    const result: RssResult = {
      objects: n,
      emptyStart,
      preload,
      cleanStart: undefined,
      pagedAll: undefined,
      fullList: undefined,
      killStart: undefined,
      dbMb,
    };
    rss = result;
    try {
      started = await timedStart('sqlite-rss (clean start)', dir);
    } catch (error) {
      note(`rss: start with ${n} objects failed: ${String((error as Error).message).slice(0, 1500)}`);
      return;
    }
    proc = started.proc;
    result.cleanStart = started.timing;
    try {
      // every object through the pager (what a client-go reflector does), then one unpaged list
      let items = 0;
      let cont: string | undefined;
      let start = performance.now();
      for (;;) {
        const path = `${collection(ns)}?limit=${pageSize}${cont === undefined ? '' : `&continue=${encodeURIComponent(cont)}`}`;
        const r = await send(false, proc.url, proc.token, 'GET', path);
        if (r.status !== 200)
          throw new Error(`GET ${path} → ${r.status}: ${r.body.toString().slice(0, 300)}`);
        const list = JSON.parse(r.body.toString()) as { items: unknown[]; metadata: { continue?: string } };
        items += list.items.length;
        cont = list.metadata.continue;
        if (cont === undefined || cont === '') break;
      }
      let mem = procMemory(proc.pid) ?? { rss: NaN, hwm: NaN };
      result.pagedAll = { ms: performance.now() - start, items, ...mem };
      if (items < n) note(`rss: paging ${collection(ns)} saw ${items} items (expected ≥ ${n})`);
      start = performance.now();
      const r = await send(false, proc.url, proc.token, 'GET', collection(ns));
      const ms = performance.now() - start;
      if (r.status !== 200)
        throw new Error(`GET ${collection(ns)} → ${r.status}: ${r.body.toString().slice(0, 300)}`);
      const count = (JSON.parse(r.body.toString()) as { items: unknown[] }).items.length;
      mem = procMemory(proc.pid) ?? { rss: NaN, hwm: NaN };
      result.fullList = { ms, items: count, mb: r.body.length / 1048576, ...mem };
    } catch (error) {
      note(`rss: ${String((error as Error).message)}`);
    }
    if (proc.exit)
      note(
        `rss: server exited (code ${proc.exit.code}, signal ${proc.exit.signal}); stderr tail:\n${proc.stderr.slice(-20).join('\n')}`,
      );
    log('rss: kill -9 and restart');
    await proc.kill();
    try {
      started = await timedStart('sqlite-rss (after kill -9)', dir);
      result.killStart = started.timing;
      const r = await send(
        false,
        started.proc.url,
        started.proc.token,
        'GET',
        `${collection(ns)}/rss-${String(n - 1).padStart(7, '0')}`,
      );
      if (r.status !== 200)
        note(
          `rss: after restart GET ${collection(ns)}/rss-${String(n - 1).padStart(7, '0')} → ${r.status}: ${r.body.toString().slice(0, 300)}`,
        );
      await started.proc.stop();
    } catch (error) {
      note(`rss: restart after kill -9 failed: ${String((error as Error).message).slice(0, 1500)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- report --------------------------------------------------------------------------------------

function find(target: Target, op: string, c: number): PhaseResult | undefined {
  return results.find((r) => r.target === target && r.op === op && r.concurrency === c);
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0)
    return 'n/a';
  return a / b >= 10 ? (a / b).toFixed(1) : (a / b).toFixed(2);
}

function report(): string {
  const out: string[] = [];
  const ops = ['create', 'get', 'update', `list ${pageSize}`, 'list all'];
  out.push(
    `Keelson apiserver bench — ${quick ? 'quick' : 'full'} run, ${new Date().toISOString()}, node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`,
  );
  out.push(
    `ConfigMaps with 1 KiB of data; phases of ${cfg.phaseMs} ms per op × concurrency; list over ${fmt(cfg.listObjects)} objects; ${cfg.warmupMs / 1000} s warm-up per server; keep-alive HTTP, client timing; servers are child processes.`,
  );
  out.push('');
  out.push(
    '1. Throughput and latency (ms, client side). srv/cli/other CPU = cores used by the server / the bench client / anything else on the machine (noise).',
  );
  out.push(
    table(
      [
        'target',
        'op',
        'conc',
        'ops/s',
        'p50',
        'p99',
        'max',
        'errors',
        'KiB/op',
        'srv CPU',
        'cli CPU',
        'other CPU',
      ],
      ops.flatMap((op) =>
        concurrencies.flatMap((c) =>
          (['bare-http', 'memory', 'sqlite'] as Target[]).flatMap((t) => {
            const r = find(t, op, c);
            if (!r) return [];
            return [
              [
                t,
                op,
                String(c),
                fmtRate(r.opsPerSec),
                fmtMs(r.p50),
                fmtMs(r.p99),
                fmtMs(r.max),
                String(r.errors),
                fmt(r.bytesPerOp / 1024, 1),
                fmt(r.serverCpu, 2),
                fmt(r.clientCpu, 2),
                fmt(r.otherCpu, 2),
              ],
            ];
          }),
        ),
      ),
    ),
  );
  out.push('');
  if (fills.size > 0) {
    out.push(
      `List fill (${fmt(cfg.listObjects)} POSTs, 16 clients, unmeasured phase): ${[...fills].map(([t, f]) => `${t} ${fmt(f.perSec)}/s`).join(', ')}`,
    );
    out.push('');
  }
  out.push(
    '2. Ratios. ours ÷ bare-http (same requests, same JSON, a Map behind node:http); SQLite writes ÷ raw SQLite.',
  );
  const raw = sqliteCeiling;
  out.push(
    table(
      [
        'op',
        'conc',
        'bare ops/s',
        'mem ops/s',
        'sqlite ops/s',
        'mem÷bare',
        'sqlite÷bare',
        'sqlite÷mem',
        'sqlite÷raw 1-row tx',
        'sqlite÷SqliteStorage',
      ],
      ops.flatMap((op) =>
        concurrencies.map((c) => {
          const b = find('bare-http', op, c)?.opsPerSec;
          const m = find('memory', op, c)?.opsPerSec;
          const s = find('sqlite', op, c)?.opsPerSec;
          const write = op === 'create' || op === 'update';
          return [
            op,
            String(c),
            b === undefined ? 'n/a' : fmtRate(b),
            m === undefined ? 'n/a' : fmtRate(m),
            s === undefined ? 'n/a' : fmtRate(s),
            ratio(m, b),
            ratio(s, b),
            ratio(s, m),
            write ? ratio(s, raw?.single) : '',
            write ? ratio(s, raw?.storageCreate) : '',
          ];
        }),
      ),
    ),
  );
  out.push('');
  if (raw) {
    out.push(
      `Raw SQLite (better-sqlite3, WAL, synchronous=NORMAL, ${fmt(raw.rows)} rows of ${fmt(raw.valueBytes)} B, in the bench process):`,
    );
    out.push(
      table(
        ['what', 'rows/s'],
        [
          ['INSERT, 1 row per transaction', fmt(raw.single)],
          ['SELECT + INSERT kv + INSERT log per transaction (SqliteStorage shape)', fmt(raw.kvLog)],
          [`INSERT, ${raw.batch} rows per transaction`, fmt(raw.batched)],
          [
            'SqliteStorage.create (JSON + transaction + compaction, no HTTP)',
            raw.storageCreate === undefined ? `n/a: ${raw.storageError}` : fmt(raw.storageCreate),
          ],
        ],
      ),
    );
    out.push('');
  }
  out.push(
    `3. Watch fan-out: ${cfg.watchers} watchers on ${collection(watchNs)}, one POST at a time, ms from sending the POST until every watcher has its ADDED.`,
  );
  out.push(
    table(
      [
        'target',
        'rounds ok',
        'all seen p50',
        'p99',
        'max',
        'first seen p50',
        'POST answered p50',
        'problems',
      ],
      [...watchResults].map(([t, w]) => [
        t,
        `${w.complete}/${w.rounds}`,
        fmtMs(w.allSeen.p50),
        fmtMs(w.allSeen.p99),
        fmtMs(w.allSeen.max),
        fmtMs(w.firstSeen.p50),
        fmtMs(w.postAnswered.p50),
        String(w.problems.length),
      ]),
    ),
  );
  out.push('');
  if (rss) {
    const r = rss;
    out.push(
      `4. SQLite server with ${fmt(r.objects)} ConfigMaps of 1 KiB (db+wal ${fmt(r.dbMb, 0)} MiB; preload ${fmt(r.preload.perSec)}/s via ${r.preload.via}).`,
    );
    const row = (what: string, s: StartTiming | undefined): string[] =>
      s
        ? [what, fmt(s.listeningMs), fmt(s.readyMs), fmt(s.firstPageMs), fmt(s.rss), fmt(s.hwm)]
        : [what, 'failed', '', '', '', ''];
    out.push(
      table(
        ['start', 'listening ms', '/readyz ms', `first list page ms`, 'RSS MiB', 'HWM MiB'],
        [
          row('empty data dir (baseline)', r.emptyStart),
          row(`with ${fmt(r.objects)} (after SIGTERM)`, r.cleanStart),
          row(`with ${fmt(r.objects)} (after kill -9)`, r.killStart),
        ],
      ),
    );
    if (r.pagedAll)
      out.push(
        `Paging all ${fmt(r.pagedAll.items)} (limit=${pageSize}): ${fmt(r.pagedAll.ms)} ms; RSS after ${fmt(r.pagedAll.rss)} MiB (HWM ${fmt(r.pagedAll.hwm)}).`,
      );
    if (r.fullList)
      out.push(
        `One unpaged list of ${fmt(r.fullList.items)} (${fmt(r.fullList.mb)} MiB): ${fmt(r.fullList.ms)} ms; RSS after ${fmt(r.fullList.rss)} MiB (HWM ${fmt(r.fullList.hwm)}).`,
      );
    out.push('');
  }
  if (suiteRss.size > 0) {
    out.push(
      `Server RSS at the end of each suite (after the list-all phases and watch): ${[...suiteRss].map(([t, m]) => `${t} ${fmt(m.rss)} MiB (HWM ${fmt(m.hwm)})`).join(', ')}`,
    );
    out.push('');
  }
  const noisy = results.filter((r) => r.otherCpu > 0.25);
  if (noisy.length > 0) {
    const worst = noisy.reduce((a, b) => (b.otherCpu > a.otherCpu ? b : a));
    out.push(
      `Machine not idle: other processes used > 0.25 cores in ${noisy.length}/${results.length} phases (worst ${fmt(worst.otherCpu, 2)} cores in ${worst.target} ${worst.op} c=${worst.concurrency}); treat those rows as noisy. Load average at start: ${loadAtStart}.`,
    );
    out.push('');
  }
  const outliers = results.filter((r) => !r.op.startsWith('list') && r.max > 100 && r.max > 20 * r.p50);
  if (outliers.length > 0) {
    out.push('Latency outliers (create/get/update phases whose slowest op took > 100 ms and > 20× p50):');
    for (const r of outliers) {
      const sl = r.slowest;
      out.push(
        `  ${r.target} ${r.op} c=${r.concurrency}: ${fmt(sl.ms)} ms (p50 ${fmtMs(r.p50)}), started ${fmt(sl.at)} ms into the phase, op #${sl.iteration + 1} of client ${sl.worker}: ${sl.what}`,
      );
    }
    out.push('');
  }
  out.push('Errors, crashes and notes:');
  out.push(notes.length === 0 ? '  none' : notes.map((n) => `  - ${n.replace(/\n/g, '\n    ')}`).join('\n'));
  const interesting = [...serverLogs].flatMap(([label, lines]) =>
    lines.filter((l) => l.trim() !== '').map((l) => `  [${label}] ${l.slice(0, 400)}`),
  );
  out.push('');
  out.push(`Server stderr (${interesting.length} lines${interesting.length > 40 ? ', first 40' : ''}):`);
  out.push(interesting.length === 0 ? '  none' : interesting.slice(0, 40).join('\n'));
  out.push('');
  out.push(summary());
  return out.join('\n');
}

function summary(): string {
  const s: string[] = [];
  const line = (op: string) => {
    const parts = concurrencies.map((c) => {
      const b = find('bare-http', op, c);
      const m = find('memory', op, c);
      const q = find('sqlite', op, c);
      return `c${c}: mem ${m ? fmtRate(m.opsPerSec) : 'n/a'} (${ratio(m?.opsPerSec, b?.opsPerSec)}× bare), sqlite ${q ? fmtRate(q.opsPerSec) : 'n/a'} (${ratio(q?.opsPerSec, b?.opsPerSec)}×), p99 ${q ? fmtMs(q.p99) : 'n/a'} ms`;
    });
    s.push(`${op.padEnd(9)} ${parts.join(' | ')}`);
  };
  s.push(
    `==== summary (${quick ? 'quick' : 'full'}, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, node ${process.version}) ====`,
  );
  s.push('ops/s by concurrency; × = ratio to the bare node:http + Map ceiling');
  for (const op of ['create', 'get', 'update', `list ${pageSize}`, 'list all']) line(op);
  if (sqliteCeiling) {
    const raw = sqliteCeiling;
    const sc = concurrencies.map((c) => ratio(find('sqlite', 'create', c)?.opsPerSec, raw.single)).join('/');
    s.push(
      `raw SQLite: ${fmt(raw.single)} 1-row tx/s, ${fmt(raw.kvLog)} kv+log tx/s, ${fmt(raw.batched)} rows/s batched; SqliteStorage.create ${raw.storageCreate === undefined ? 'n/a' : fmt(raw.storageCreate)}/s; sqlite create ÷ raw 1-row tx (c1/c8/c64): ${sc}`,
    );
  }
  if (watchResults.size > 0) {
    s.push(
      `watch ${cfg.watchers} watchers, all seen p50/p99 ms: ${[...watchResults].map(([t, w]) => `${t} ${fmtMs(w.allSeen.p50)}/${fmtMs(w.allSeen.p99)}${w.complete < w.rounds ? ` (${w.complete}/${w.rounds} rounds complete)` : ''}`).join(', ')}`,
    );
  }
  if (rss) {
    const r = rss;
    s.push(
      `${fmt(r.objects)} × 1 KiB in SQLite: RSS ${r.cleanStart ? fmt(r.cleanStart.rss) : 'n/a'} MiB after start+first page (empty: ${fmt(r.emptyStart.rss)}), ${r.fullList ? fmt(r.fullList.rss) : 'n/a'} MiB after one unpaged list (HWM ${r.fullList ? fmt(r.fullList.hwm) : 'n/a'}); ` +
        `restart after kill -9: /readyz ${r.killStart ? fmt(r.killStart.readyMs) : 'n/a'} ms, first page ${r.killStart ? fmt(r.killStart.firstPageMs) : 'n/a'} ms (empty start: ${fmt(r.emptyStart.firstPageMs)} ms)`,
    );
  }
  const other = results.filter((r) => Number.isFinite(r.otherCpu));
  if (other.length > 0) {
    s.push(
      `background load (cores used by other processes, mean over phases): ${fmt(other.reduce((a, r) => a + r.otherCpu, 0) / other.length, 2)}`,
    );
  }
  s.push(`errors/crashes: ${notes.length === 0 ? 'none' : `${notes.length} (see above)`}`);
  s.push('====');
  return s.join('\n');
}

// --- main ----------------------------------------------------------------------------------------

const token = `bench-${randomUUID()}`;
if (enabled('sqlite-raw')) {
  log(`raw SQLite ceilings, ${fmt(cfg.sqliteRows)} rows`);
  sqliteCeiling = await measureSqlite(cfg.sqliteRows, (i) => {
    const name = `raw-${i}`;
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace: 'default',
        uid: randomUUID(),
        resourceVersion: String(i + 1),
        creationTimestamp: '2026-01-01T00:00:00Z',
        managedFields: [
          {
            manager: 'bench',
            operation: 'Update',
            apiVersion: 'v1',
            time: '2026-01-01T00:00:00Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:data': { 'f:blob': {} } },
          },
        ],
      },
      data: { blob: blob(name) },
    });
  });
  if (sqliteCeiling.storageError) note(`SqliteStorage ceiling unavailable: ${sqliteCeiling.storageError}`);
}
const sqliteDir = mkdtempSync(join(tmpdir(), 'keelson-bench-sqlite-'));
await suites([
  ...(enabled('bare') ? [['bare-http', () => spawnBare(token)] as [Target, () => Promise<ServerProc>]] : []),
  ...(enabled('memory')
    ? [
        [
          'memory',
          () => spawnKeelson('memory', undefined, undefined, keelsonBin),
          // the server made a temp dir for its kubeconfig: remove it
          (proc: ServerProc) => {
            const dir = dirname(/kubeconfig: (\S+)/.exec(proc.stdout)?.[1] ?? '');
            if (dir.startsWith(join(tmpdir(), 'keelson-apiserver-')))
              rmSync(dir, { recursive: true, force: true });
          },
        ] as [Target, () => Promise<ServerProc>, (proc: ServerProc) => void],
      ]
    : []),
  ...(enabled('sqlite')
    ? [
        ['sqlite', () => spawnKeelson('sqlite', sqliteDir, undefined, keelsonBin)] as [
          Target,
          () => Promise<ServerProc>,
        ],
      ]
    : []),
]);
rmSync(sqliteDir, { recursive: true, force: true });
if (enabled('rss')) await rssAndRestart();

const text = report();
process.stdout.write(`${text}\n`);
if (jsonOut)
  writeFileSync(
    jsonOut,
    JSON.stringify(
      { quick, cfg, results, sqliteCeiling, watch: Object.fromEntries(watchResults), rss, notes },
      null,
      2,
    ),
  );
log('done');
