/**
 * One container instance's log: what the instance wrote to stdout and stderr, one entry per line with
 * the time it arrived, as containerd keeps it (CRI log format: `<time> <stream> <P|F> <text>`, P for a
 * partial line). Reading follows kubelet's `kubectl logs` semantics: tail, since, timestamps,
 * limitBytes, and follow until the instance has exited or the reader gives up.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Clock } from '../../base/clock.ts';
import type { LogOptions } from './pod-runtime.ts';

export type LogStream = 'stdout' | 'stderr';

export interface LogEntry {
  time: number;
  stream: LogStream;
  /** A fragment of a line still being written (CRI `P`); the next entry of its stream continues it. */
  partial: boolean;
  text: string;
}

/** Where an instance's entries are kept. */
export interface LogStore {
  append(entries: readonly LogEntry[]): void;
  entries(): LogEntry[];
  close(): void;
}

export class MemoryLogStore implements LogStore {
  readonly #entries: LogEntry[] = [];

  append(entries: readonly LogEntry[]): void {
    this.#entries.push(...entries);
  }

  entries(): LogEntry[] {
    return [...this.#entries];
  }

  close(): void {}
}

/** A CRI-format log file, the layout containerd writes under /var/log/pods. */
export class FileLogStore implements LogStore {
  readonly path: string;
  #fd: number | undefined;

  /** Opens `path` for appending; with `readOnly`, only reads a file a previous server life wrote. */
  constructor(path: string, options: { readOnly?: boolean } = {}) {
    this.path = path;
    this.#fd = options.readOnly === true ? undefined : openSync(path, 'a', 0o640);
  }

  append(entries: readonly LogEntry[]): void {
    if (this.#fd === undefined) throw new Error(`log ${this.path} is closed`);
    const text = entries
      .map((e) => `${formatRfc3339Nano(e.time)} ${e.stream} ${e.partial ? 'P' : 'F'} ${e.text}\n`)
      .join('');
    writeSync(this.#fd, text);
  }

  entries(): LogEntry[] {
    if (!existsSync(this.path)) return [];
    const entries: LogEntry[] = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      const entry = parseCriLine(line);
      if (entry !== undefined) entries.push(entry);
    }
    return entries;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

function parseCriLine(line: string): LogEntry | undefined {
  const first = line.indexOf(' ');
  const second = line.indexOf(' ', first + 1);
  const third = line.indexOf(' ', second + 1);
  if (first < 0 || second < 0 || third < 0) return undefined;
  const time = Date.parse(line.slice(0, first));
  const stream = line.slice(first + 1, second);
  const tag = line.slice(second + 1, third);
  if (Number.isNaN(time) || (stream !== 'stdout' && stream !== 'stderr')) return undefined;
  return { time, stream, partial: tag === 'P', text: line.slice(third + 1) };
}

/** Go's RFC3339Nano layout, which kubelet's `timestamps` prints: trailing zeros of the fraction dropped. */
export function formatRfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString();
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`;
}

interface Follower {
  entries(entries: readonly LogEntry[]): void;
  ended(): void;
}

interface Line {
  time: number;
  text: string;
}

/** Joins each stream's partial entries into whole lines, keeping the time of the first fragment. */
class LineAssembler {
  readonly #pending = new Map<LogStream, Line>();

  push(entry: LogEntry): Line | undefined {
    const pending = this.#pending.get(entry.stream);
    const line = { time: pending?.time ?? entry.time, text: (pending?.text ?? '') + entry.text };
    if (entry.partial) {
      this.#pending.set(entry.stream, line);
      return undefined;
    }
    this.#pending.delete(entry.stream);
    return { time: line.time, text: `${line.text}\n` };
  }

  /** Lines never finished, as they are (without a newline). */
  flush(): Line[] {
    const lines = [...this.#pending.values()].sort((a, b) => a.time - b.time);
    this.#pending.clear();
    return lines;
  }
}

/** Writes to `out` honouring backpressure, the abort signal and `limitBytes`; false once it must stop. */
class LogWriter {
  readonly #out: Writable;
  readonly #signal: AbortSignal;
  #left: number;

  constructor(out: Writable, signal: AbortSignal, limitBytes: number | undefined) {
    this.#out = out;
    this.#signal = signal;
    this.#left = limitBytes ?? Number.POSITIVE_INFINITY;
  }

  async write(text: string): Promise<boolean> {
    if (this.#signal.aborted || this.#out.destroyed || this.#left <= 0) return false;
    let bytes = Buffer.from(text, 'utf8');
    if (bytes.length > this.#left) bytes = bytes.subarray(0, this.#left);
    this.#left -= bytes.length;
    if (!this.#out.write(bytes)) {
      const abort = new AbortController();
      const onAbort = (): void => abort.abort();
      this.#signal.addEventListener('abort', onAbort, { once: true });
      try {
        await Promise.race([
          once(this.#out, 'drain', { signal: abort.signal }),
          once(this.#out, 'close', { signal: abort.signal }),
        ]);
      } catch {
        return false;
      } finally {
        abort.abort();
        this.#signal.removeEventListener('abort', onAbort);
      }
    }
    return this.#left > 0 && !this.#signal.aborted && !this.#out.destroyed;
  }
}

export class ContainerLog {
  readonly #store: LogStore;
  readonly #clock: Clock;
  readonly #decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  readonly #followers = new Set<Follower>();
  #ended: boolean;

  /** `ended` for an instance that no longer runs (a log kept from a previous server life). */
  constructor(store: LogStore, clock: Clock, options: { ended?: boolean } = {}) {
    this.#store = store;
    this.#clock = clock;
    this.#ended = options.ended === true;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Records output as it arrives: complete lines as `F` entries, a trailing fragment as `P`. */
  write(stream: LogStream, chunk: Uint8Array | string): void {
    if (this.#ended) return;
    const text = typeof chunk === 'string' ? chunk : this.#decoders[stream].write(Buffer.from(chunk));
    if (text === '') return;
    const time = this.#clock.now();
    const parts = text.split('\n');
    const last = parts.pop() ?? '';
    const entries: LogEntry[] = parts.map((part) => ({ time, stream, partial: false, text: part }));
    if (last !== '') entries.push({ time, stream, partial: true, text: last });
    this.#append(entries);
  }

  /** The instance has exited: nothing more will be written, and followers finish. */
  end(): void {
    if (this.#ended) return;
    const time = this.#clock.now();
    const rest: LogEntry[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = this.#decoders[stream].end();
      if (text !== '') rest.push({ time, stream, partial: true, text });
    }
    if (rest.length > 0) this.#append(rest);
    this.#ended = true;
    this.#store.close();
    for (const follower of this.#followers) follower.ended();
  }

  /** Writes the log to `out` as kubelet serves `GET pods/log`. */
  async read(options: LogOptions, out: Writable, signal: AbortSignal): Promise<void> {
    const now = this.#clock.now();
    const since =
      options.sinceTime?.getTime() ??
      (options.sinceSeconds === undefined ? undefined : now - options.sinceSeconds * 1000);
    const keep = (line: Line): boolean => since === undefined || line.time >= since;
    const follow = options.follow === true && !this.#ended;
    const assembler = new LineAssembler();
    let lines: Line[] = [];
    for (const entry of this.#store.entries()) {
      const line = assembler.push(entry);
      if (line !== undefined) lines.push(line);
    }
    if (!follow) lines.push(...assembler.flush());
    lines = lines.filter(keep);
    if (options.tailLines !== undefined)
      lines = options.tailLines <= 0 ? [] : lines.slice(-options.tailLines);

    // subscribe before the first await, so no entry falls between the read above and the follow below
    const queue: LogEntry[] = [];
    let wake: (() => void) | undefined;
    const follower: Follower = {
      entries: (entries) => {
        queue.push(...entries);
        wake?.();
      },
      ended: () => wake?.(),
    };
    const onAbort = (): void => wake?.();
    if (follow) {
      this.#followers.add(follower);
      signal.addEventListener('abort', onAbort);
    }
    const format = (line: Line): string =>
      options.timestamps === true ? `${formatRfc3339Nano(line.time)} ${line.text}` : line.text;
    const writer = new LogWriter(out, signal, options.limitBytes);
    try {
      for (const line of lines) if (!(await writer.write(format(line)))) return;
      if (!follow) return;
      for (;;) {
        for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) {
          const line = assembler.push(entry);
          if (line !== undefined && keep(line) && !(await writer.write(format(line)))) return;
        }
        if (this.#ended) {
          for (const line of assembler.flush()) if (!(await writer.write(format(line)))) return;
          return;
        }
        if (signal.aborted) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.#followers.delete(follower);
      signal.removeEventListener('abort', onAbort);
    }
  }

  #append(entries: readonly LogEntry[]): void {
    this.#store.append(entries);
    for (const follower of this.#followers) follower.entries(entries);
  }
}
