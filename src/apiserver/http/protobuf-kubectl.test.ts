/**
 * kubectl's typed commands against a real `keelson apiserver` process: they post protobuf and never
 * retry as JSON, so each one passes only if the server decodes the whole object it was sent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { kubectl, startServer, type ServerProcess } from '../../../test/e2e/harness.ts';

let server: ServerProcess;

before(async () => {
  server = await startServer({ tls: true, args: ['--no-node'] });
});

after(async () => {
  await server.stop();
});

async function run(args: string[], input?: string): Promise<string> {
  const result = await kubectl(server.kubeconfig, args, input);
  assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function get(...args: string[]): Promise<Record<string, any>> {
  return JSON.parse(await run(['get', ...args, '-o', 'json'])) as Record<string, any>;
}

test('kubectl create deployment, with replicas zero kept rather than defaulted', async () => {
  await run(['create', 'deployment', 'web', '--image=example.com/web:1', '--replicas=2', '--port=8080']);
  const web = await get('deployment', 'web');
  assert.equal(web['spec'].replicas, 2);
  assert.deepEqual(web['spec'].selector, { matchLabels: { app: 'web' } });
  const [container] = web['spec'].template.spec.containers;
  assert.equal(container.image, 'example.com/web:1');
  assert.deepEqual(container.ports, [{ containerPort: 8080, protocol: 'TCP' }]);

  await run(['create', 'deployment', 'idle', '--image=example.com/idle:1', '--replicas=0']);
  assert.equal((await get('deployment', 'idle'))['spec'].replicas, 0);
});

const cronJob = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'nightly' },
  spec: {
    schedule: '0 3 * * *',
    suspend: true,
    jobTemplate: {
      metadata: { labels: { job: 'nightly' } },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: { runAsUser: 1000, runAsNonRoot: true, supplementalGroups: [3000] },
            tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
                },
              },
            },
            containers: [
              {
                name: 'main',
                image: 'example.com/etl:2',
                args: ['--date=$(DATE)'],
                env: [
                  { name: 'DATE', value: 'today' },
                  { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  {
                    name: 'MEM',
                    valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } },
                  },
                ],
                resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { memory: '128Mi' } },
                livenessProbe: { httpGet: { path: '/healthz', port: 9090 }, periodSeconds: 10 },
                readinessProbe: { tcpSocket: { port: 'metrics' }, timeoutSeconds: 2 },
                ports: [{ name: 'metrics', containerPort: 9090 }],
                securityContext: { readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
            volumes: [
              { name: 'data', emptyDir: { sizeLimit: '256Mi' } },
              { name: 'cfg', configMap: { name: 'settings', optional: true } },
            ],
          },
        },
      },
    },
  },
};

test('kubectl create job --from=cronjob copies the whole job template', async () => {
  await run(['apply', '-f', '-'], JSON.stringify(cronJob));
  await run(['create', 'job', 'once', '--from=cronjob/nightly']);
  const stored = await get('cronjob', 'nightly');
  const job = await get('job', 'once');
  assert.equal(job['spec'].backoffLimit, 0);
  assert.deepEqual(job['spec'].template.spec, stored['spec'].jobTemplate.spec.template.spec);
  const [container] = job['spec'].template.spec.containers;
  assert.deepEqual(container.livenessProbe.httpGet, { path: '/healthz', port: 9090, scheme: 'HTTP' });
  assert.deepEqual(container.env[2].valueFrom.resourceFieldRef, {
    resource: 'limits.memory',
    divisor: '1Mi',
  });
  assert.equal(job['spec'].template.spec.automountServiceAccountToken, false);
  assert.deepEqual(job['metadata'].ownerReferences?.[0]?.name, 'nightly');
});

test('kubectl create service clusterip', async () => {
  await run(['create', 'service', 'clusterip', 'api', '--tcp=80:8080', '--tcp=443']);
  const service = await get('service', 'api');
  assert.equal(service['spec'].type, 'ClusterIP');
  assert.deepEqual(service['spec'].selector, { app: 'api' });
  assert.deepEqual(
    service['spec'].ports.map((p: Record<string, unknown>) => [
      p['name'],
      p['port'],
      p['targetPort'],
      p['protocol'],
    ]),
    [
      ['80-8080', 80, 8080, 'TCP'],
      ['443', 443, 443, 'TCP'],
    ],
  );
});

test('kubectl run', async () => {
  await run([
    'run',
    'pod1',
    '--image=nginx:1.27',
    '--labels=app=pod1',
    '--env=A=1',
    '--port=80',
    '--restart=Never',
  ]);
  const pod = await get('pod', 'pod1');
  assert.deepEqual(pod['metadata'].labels, { app: 'pod1' });
  assert.equal(pod['spec'].restartPolicy, 'Never');
  const [container] = pod['spec'].containers;
  assert.deepEqual([container.name, container.image], ['pod1', 'nginx:1.27']);
  assert.deepEqual(container.env, [{ name: 'A', value: '1' }]);
  assert.deepEqual(container.ports, [{ containerPort: 80, protocol: 'TCP' }]);
});

test('kubectl create role', async () => {
  await run(['create', 'role', 'reader', '--verb=get,list', '--resource=pods,deployments.apps']);
  await run([
    'create',
    'role',
    'one',
    '--verb=get',
    '--resource=configmaps',
    '--resource-name=a',
    '--resource-name=b',
  ]);
  assert.deepEqual((await get('role', 'reader'))['rules'], [
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
  ]);
  assert.deepEqual((await get('role', 'one'))['rules'], [
    { apiGroups: [''], resources: ['configmaps'], resourceNames: ['a', 'b'], verbs: ['get'] },
  ]);
});

test('kubectl create ingress', async () => {
  await run([
    'create',
    'ingress',
    'ing',
    '--class=nginx',
    '--rule=foo.com/bar*=svc:8080,tls=tls-secret',
    '--rule=baz.com/=svc2:http',
    '--annotation=team=web',
  ]);
  const ingress = await get('ingress', 'ing');
  assert.deepEqual(ingress['metadata'].annotations, { team: 'web' });
  assert.deepEqual(ingress['spec'], {
    ingressClassName: 'nginx',
    tls: [{ hosts: ['foo.com'], secretName: 'tls-secret' }],
    rules: [
      {
        host: 'foo.com',
        http: {
          paths: [
            {
              path: '/bar',
              pathType: 'Prefix',
              backend: { service: { name: 'svc', port: { number: 8080 } } },
            },
          ],
        },
      },
      {
        host: 'baz.com',
        http: {
          paths: [
            { path: '/', pathType: 'Exact', backend: { service: { name: 'svc2', port: { name: 'http' } } } },
          ],
        },
      },
    ],
  });
});

test('kubectl create poddisruptionbudget keeps maxUnavailable: 0', async () => {
  await run(['create', 'poddisruptionbudget', 'pdb', '--selector=app=web', '--max-unavailable=0']);
  assert.deepEqual((await get('pdb', 'pdb'))['spec'], {
    selector: { matchLabels: { app: 'web' } },
    maxUnavailable: 0,
  });
});
