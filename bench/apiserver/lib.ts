/** Helpers of bench/apiserver/run.ts: a keep-alive HTTP client, load phases, child servers, /proc. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// --- HTTP ----------------------------------------------------------------------------------------

export interface Response {
  status: number;
  body: Buffer;
}

/** One request over `agent`; rejects only on network errors (any HTTP status resolves). */
export function send(
  agent: Agent | false,
  base: URL,
  token: string,
  method: string,
  path: string,
  body?: string,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const req = request({ host: base.hostname, port: base.port, path, method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

// --- statistics ----------------------------------------------------------------------------------

export function percentile(sortedValues: Float64Array | number[], p: number): number {
  if (sortedValues.length === 0) return NaN;
  const i = Math.min(sortedValues.length - 1, Math.max(0, Math.ceil((p / 100) * sortedValues.length) - 1));
  return sortedValues[i]!;
}

export function sortedCopy(values: number[]): Float64Array {
  return Float64Array.from(values).sort();
}

// --- load phases ---------------------------------------------------------------------------------

export interface OpOutcome {
  status: number;
  /** Shown with an unexpected status. */
  method: string;
  path: string;
  body?: Buffer;
}

export interface PhaseResult {
  target: string;
  op: string;
  concurrency: number;
  ops: number;
  errors: number;
  seconds: number;
  opsPerSec: number;
  p50: number;
  p99: number;
  max: number;
  bytesPerOp: number;
  /** The slowest successful op: started `at` ms into the phase, by `worker` on its `iteration`-th op. */
  slowest: { ms: number; at: number; what: string; worker: number; iteration: number };
  serverCpu: number;
  clientCpu: number;
  /** Cores busy with anything else on the machine (other processes, kernel): noise in this row. */
  otherCpu: number;
  /** "METHOD path → status: body" of the first failures, one per distinct kind. */
  errorSamples: string[];
}

export interface PhaseOptions {
  target: string;
  op: string;
  concurrency: number;
  durationMs: number;
  /** Ops per worker at least (so slow ops at high concurrency still complete a round). */
  minOpsPerWorker?: number;
  expect: number[];
  serverPid?: number | undefined;
  /** Untimed, once per worker before timing starts: opens the keep-alive connections. */
  connect?: () => Promise<unknown>;
}

/**
 * Runs `op` in `concurrency` workers until the duration ends (each worker finishes its op in
 * flight), timing each op on the client side.
 */
export async function runPhase(
  options: PhaseOptions,
  op: (worker: number, iteration: number) => Promise<OpOutcome>,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  const errorKinds = new Map<string, string>();
  let errors = 0;
  let bytes = 0;
  let slowest = { ms: 0, at: 0, what: '', worker: 0, iteration: 0 };
  if (options.connect) {
    const connect = options.connect;
    await Promise.all(Array.from({ length: options.concurrency }, () => connect().catch(() => undefined)));
  }
  const cpu0 = process.cpuUsage();
  const sys0 = machineBusySeconds();
  const srv0 = options.serverPid === undefined ? undefined : procCpuSeconds(options.serverPid);
  const start = performance.now();
  const deadline = start + options.durationMs;
  const minOps = options.minOpsPerWorker ?? 1;
  const workers = Array.from({ length: options.concurrency }, async (_, w) => {
    for (let i = 0; performance.now() < deadline || i < minOps; i++) {
      const t0 = performance.now();
      try {
        const out = await op(w, i);
        const dt = performance.now() - t0;
        bytes += out.body?.length ?? 0;
        if (options.expect.includes(out.status)) {
          latencies.push(dt);
          if (dt > slowest.ms)
            slowest = { ms: dt, at: t0 - start, what: `${out.method} ${out.path}`, worker: w, iteration: i };
        } else {
          errors++;
          const kind = `${out.method} ${out.status}`;
          if (!errorKinds.has(kind)) {
            errorKinds.set(
              kind,
              `${out.method} ${out.path} → ${out.status}: ${(out.body?.toString('utf8') ?? '').slice(0, 300)}`,
            );
          }
        }
      } catch (error) {
        errors++;
        const kind = `network ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
        if (!errorKinds.has(kind)) errorKinds.set(kind, `${kind}: ${String(error)}`);
        // a dead server answers instantly: don't spin
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  await Promise.all(workers);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sys1 = machineBusySeconds();
  const srv1 = options.serverPid === undefined ? undefined : procCpuSeconds(options.serverPid);
  const sorted = sortedCopy(latencies);
  const serverCpu = srv0 !== undefined && srv1 !== undefined ? (srv1 - srv0) / seconds : NaN;
  const clientCpu = (cpu.user + cpu.system) / 1e6 / seconds;
  return {
    target: options.target,
    op: options.op,
    concurrency: options.concurrency,
    ops: latencies.length,
    errors,
    seconds,
    opsPerSec: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : NaN,
    slowest,
    bytesPerOp: latencies.length + errors > 0 ? bytes / (latencies.length + errors) : 0,
    serverCpu,
    clientCpu,
    otherCpu:
      sys0 !== undefined && sys1 !== undefined
        ? Math.max(0, (sys1 - sys0) / seconds - (Number.isFinite(serverCpu) ? serverCpu : 0) - clientCpu)
        : NaN,
    errorSamples: [...errorKinds.values()],
  };
}

// --- /proc -----------------------------------------------------------------------------------

let clockTicks: number | undefined;

/** user+system CPU seconds of a process. */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

/** Busy CPU seconds of the whole machine (all cores) from /proc/stat. */
export function machineBusySeconds(): number | undefined {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) / clockTicks;
  } catch {
    return undefined;
  }
}

/** VmRSS and VmHWM of a process in MiB. */
export function procMemory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

// --- child servers -------------------------------------------------------------------------------

export interface ServerProc {
  label: string;
  child: ChildProcess;
  pid: number;
  url: URL;
  token: string;
  /** ms from spawn to the `listening on` line. */
  listeningMs: number;
  spawnedAt: number;
  /** stdout up to the `listening on` line (and what the server printed with it) */
  stdout: string;
  stderr: string[];
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  exited: Promise<void>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export interface SpawnOptions {
  label: string;
  command: string;
  args: string[];
  /** Reads the admin token once the server printed its stdout lines. */
  token: (stdout: string) => string;
  /** Resolve when stdout matches this too (beside `listening on`). */
  alsoWaitFor?: RegExp;
  timeoutMs?: number;
}

/** Spawns a server that prints `listening on URL`; rejects with its output when it exits first. */
export function spawnServer(options: SpawnOptions): Promise<ServerProc> {
  const spawnedAt = performance.now();
  const child = spawn(options.command, options.args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  let errBuf = '';
  child.stderr.on('data', (d: Buffer) => {
    errBuf += d.toString();
    const lines = errBuf.split('\n');
    errBuf = lines.pop() ?? '';
    for (const l of lines) if (stderr.length < 2000) stderr.push(l);
  });
  let out = '';
  const proc: Partial<ServerProc> & { exit: ServerProc['exit'] } = {
    label: options.label,
    child,
    stderr,
    spawnedAt,
    exit: undefined,
  };
  proc.exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (errBuf !== '') stderr.push(errBuf);
      proc.exit = { code, signal };
      resolve();
    }),
  );
  proc.stop = async () => {
    if (proc.exit) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await proc.exited;
    clearTimeout(timer);
  };
  proc.kill = async () => {
    if (proc.exit) return;
    child.kill('SIGKILL');
    await proc.exited;
  };
  return new Promise<ServerProc>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${options.label} did not print "listening on" in ${(options.timeoutMs ?? 90_000) / 1000}s\n${out}${stderr.join('\n')}`,
        ),
      );
    }, options.timeoutMs ?? 90_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (
        m &&
        proc.url === undefined &&
        (options.alsoWaitFor === undefined || options.alsoWaitFor.test(out))
      ) {
        clearTimeout(timer);
        proc.url = new URL(m[1]!);
        proc.stdout = out;
        proc.listeningMs = performance.now() - spawnedAt;
        try {
          proc.token = options.token(out);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        proc.pid = child.pid!;
        resolve(proc as ServerProc);
      }
    });
    void proc.exited!.then(() => {
      clearTimeout(timer);
      reject(
        new Error(
          `${options.label} exited (${proc.exit?.code ?? proc.exit?.signal}) before listening:\n${out}${stderr.slice(-40).join('\n')}`,
        ),
      );
    });
  });
}

/** `bin/keelson apiserver [--data DIR] --port 0`. */
export function spawnKeelson(
  label: string,
  dataDir: string | undefined,
  timeoutMs?: number,
  bin = join(repoRoot, 'bin', 'keelson'),
): Promise<ServerProc> {
  const args = ['apiserver', '--port', '0', ...(dataDir === undefined ? [] : ['--data', dataDir])];
  return spawnServer({
    label,
    command: bin,
    args,
    alsoWaitFor: /kubeconfig: \S+/,
    ...(timeoutMs !== undefined && { timeoutMs }),
    token: (stdout) => {
      if (dataDir !== undefined) return readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
      const kubeconfig = /kubeconfig: (\S+)/.exec(stdout)?.[1];
      if (kubeconfig === undefined) throw new Error(`${label}: no "kubeconfig: PATH" on stdout`);
      const token = /token:\s*(\S+)/.exec(readFileSync(kubeconfig, 'utf8'))?.[1];
      if (token === undefined) throw new Error(`${label}: no token in ${kubeconfig}`);
      return token.replace(/^["']|["']$/g, '');
    },
  });
}

export function spawnBare(token: string): Promise<ServerProc> {
  return spawnServer({
    label: 'bare-http',
    command: process.execPath,
    args: ['--import', 'tsx', join(repoRoot, 'bench', 'apiserver', 'bare-server.ts'), token],
    token: () => token,
  });
}

/** Polls GET path until it answers 200; returns ms since `since`. */
export async function waitFor200(
  base: URL,
  token: string,
  path: string,
  since: number,
  timeoutMs = 120_000,
): Promise<number> {
  const agent = keepAliveAgent(1);
  try {
    for (;;) {
      try {
        const r = await send(agent, base, token, 'GET', path);
        if (r.status === 200) return performance.now() - since;
      } catch {
        // not listening yet
      }
      if (performance.now() - since > timeoutMs)
        throw new Error(`${path} did not answer 200 within ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    agent.destroy();
  }
}

// --- formatting ----------------------------------------------------------------------------------

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** ops/s: one decimal below 100. */
export function fmtRate(n: number): string {
  return fmt(n, Number.isFinite(n) && n < 100 ? 1 : 0);
}

export function fmtMs(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0);
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
