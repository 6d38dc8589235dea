import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { ContainerLog, FileLogStore, formatRfc3339Nano, MemoryLogStore } from './container-log.ts';
import { ManualClock } from './manual-clock.ts';
import type { LogOptions } from './pod-runtime.ts';

async function read(log: ContainerLog, options: LogOptions = {}): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await log.read(options, out, new AbortController().signal);
  return text;
}

describe('container log', () => {
  it('keeps partial lines per stream and joins them, with the time of the first fragment', async () => {
    const clock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'));
    const log = new ContainerLog(new MemoryLogStore(), clock);
    log.write('stdout', 'hel');
    await clock.advance(1500);
    log.write('stderr', 'oops\n');
    log.write('stdout', Buffer.from('lo\nwor'));
    log.write('stdout', Buffer.from([0xc3]));
    log.write('stdout', Buffer.from([0xa9, 0x0a]));
    assert.equal(await read(log), 'oops\nhello\nworé\n');
    assert.equal(
      await read(log, { timestamps: true }),
      '2030-01-01T00:00:01.5Z oops\n2030-01-01T00:00:00Z hello\n2030-01-01T00:00:01.5Z woré\n',
    );
    assert.equal(await read(log, { sinceSeconds: 1 }), 'oops\nworé\n');
    log.write('stderr', 'no newline');
    assert.equal(await read(log, { tailLines: 1 }), 'no newline');
    log.end();
    assert.equal(await read(log, { tailLines: 2 }), 'woré\nno newline');
  });

  it('writes and reads the CRI log format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keelson-log-'));
    try {
      const clock = new ManualClock(Date.parse('2030-01-01T00:00:00.120Z'));
      const path = join(dir, '0.log');
      const log = new ContainerLog(new FileLogStore(path), clock);
      log.write('stdout', 'a b c\npartial');
      log.end();
      assert.equal(
        readFileSync(path, 'utf8'),
        '2030-01-01T00:00:00.12Z stdout F a b c\n2030-01-01T00:00:00.12Z stdout P partial\n',
      );
      const reopened = new ContainerLog(new FileLogStore(path, { readOnly: true }), clock, { ended: true });
      assert.equal(await read(reopened, { follow: true }), 'a b c\npartial');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('formats times in Go’s RFC3339Nano layout', () => {
    assert.equal(formatRfc3339Nano(Date.parse('2030-01-01T00:00:00Z')), '2030-01-01T00:00:00Z');
    assert.equal(formatRfc3339Nano(Date.parse('2030-01-01T00:00:00.100Z')), '2030-01-01T00:00:00.1Z');
    assert.equal(formatRfc3339Nano(Date.parse('2030-01-01T00:00:00.123Z')), '2030-01-01T00:00:00.123Z');
  });
});
