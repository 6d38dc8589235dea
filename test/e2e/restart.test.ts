/**
 * Crash safety: many concurrent writers, kill -9 mid-stream, restart on the same data. Every
 * acknowledged write is there with its resourceVersion, and a watch resumed from a resourceVersion
 * taken before the kill gets exactly the events after it.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { Agent, request } from 'node:http';
import { api, startServer, type ServerProcess } from './harness.ts';

let server: ServerProcess | undefined;
after(async () => server?.stop());

function post(agent: Agent, url: URL, token: string, body: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function watchEvents(
  s: { url: string; token: string },
  rv: string,
): Promise<Array<{ type: string; name: string; rv: number }>> {
  const res = await fetch(
    `${s.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&timeoutSeconds=2`,
    {
      headers: { Authorization: `Bearer ${s.token}` },
    },
  );
  assert.equal(res.status, 200, await res.clone().text());
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(
      (l) =>
        JSON.parse(l) as { type: string; object: { metadata: { name: string; resourceVersion: string } } },
    )
    .map((e) => ({
      type: e.type,
      name: e.object.metadata.name,
      rv: Number(e.object.metadata.resourceVersion),
    }));
}

it('loses no acknowledged write across kill -9 and resumes watches exactly', async () => {
  server = await startServer();
  const start = await api(server, 'GET', '/api/v1/namespaces/default/configmaps');
  const startRv = start.json.metadata.resourceVersion as string;
  const acked = new Map<string, number>();
  const writers = 16;
  const url = new URL(`${server.url}/api/v1/namespaces/default/configmaps`);
  let stop = false;
  const token = server.token;
  const loops = Array.from({ length: writers }, async (_, w) => {
    const agent = new Agent({ keepAlive: true });
    for (let i = 0; !stop; i++) {
      const name = `w${w}-${i}`;
      try {
        const res = await post(
          agent,
          url,
          token,
          JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } }),
        );
        if (res.status === 201) acked.set(name, Number(res.json.metadata.resourceVersion));
      } catch {
        break; // the server died under us
      }
    }
    agent.destroy();
  });
  await new Promise((r) => setTimeout(r, 1500));
  await server.kill();
  stop = true;
  await Promise.all(loops);
  assert.ok(acked.size > 100, `only ${acked.size} writes were acknowledged before the kill`);

  server = await startServer({ dataDir: server.dataDir });
  const list = await api(server, 'GET', '/api/v1/namespaces/default/configmaps');
  const live = new Map<string, number>(
    list.json.items.map((i: any) => [i.metadata.name, Number(i.metadata.resourceVersion)]),
  );
  for (const [name, rv] of acked)
    assert.equal(
      live.get(name),
      rv,
      `acknowledged ${name}@${rv} is ${live.get(name) ?? 'missing'} after the restart`,
    );

  const events = await watchEvents(server, startRv);
  const rvs = events.map((e) => e.rv);
  assert.deepEqual(
    rvs,
    [...rvs].sort((a, b) => a - b),
    'events out of revision order',
  );
  assert.equal(new Set(rvs).size, rvs.length, 'duplicate events');
  assert.ok(
    rvs.every((rv) => rv > Number(startRv)),
    'an event from before the watch resourceVersion',
  );
  const seen = new Map(events.map((e) => [e.name, e.rv]));
  for (const [name, rv] of acked) assert.equal(seen.get(name), rv, `the resumed watch missed ${name}@${rv}`);
  // the writers only created objects, so the events after startRv are exactly the live objects' creations
  assert.ok(events.every((e) => e.type === 'ADDED' && live.get(e.name) === e.rv));
  assert.equal(events.length, live.size);
});
