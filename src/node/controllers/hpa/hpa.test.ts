import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../../api/meta.ts';
import { eventually, startServer, type ServerProcess } from '../../../../test/e2e/harness.ts';
import { KubeClient } from '../../../runtime/client.ts';
import { Manager } from '../../../runtime/controller.ts';
import { InformerFactory } from '../../../runtime/informer.ts';
import { volumeBinderController } from '../volumes/controller.ts';
import { hpaController } from './controller.ts';
import type { HorizontalPodAutoscaler } from './reconciler.ts';

let server: ServerProcess;
let client: KubeClient;
let manager: Manager;

before(async () => {
  server = await startServer({ args: ['--no-node'] });
  client = KubeClient.fromFile(server.kubeconfig);
  const ctx = { client, informers: new InformerFactory(client), clock: { now: Date.now }, log: () => {} };
  manager = new Manager().add(hpaController(ctx)).add(volumeBinderController(ctx));
  await manager.start();
});
after(async () => {
  await manager.stop();
  client.close();
  await server.stop();
});

function deployment(name: string, replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    },
  };
}

function hpa(name: string, min: number, max: number): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: min,
      maxReplicas: max,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
        },
      ],
    },
  };
}

async function replicas(name: string): Promise<number> {
  const d = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name });
  return (d.spec as { replicas: number }).replicas;
}

test('an HPA clamps its target to maxReplicas and minReplicas', async () => {
  await client.create(deployment('big', 5));
  await client.create(hpa('big', 1, 2));
  await client.create(deployment('small', 1));
  await client.create(hpa('small', 3, 6));
  await eventually('big scaled down to 2', async () => (await replicas('big')) === 2);
  await eventually('small scaled up to 3', async () => (await replicas('small')) === 3);
  const status = await eventually('status written', async () => {
    const h = await client.get<HorizontalPodAutoscaler>({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      namespace: 'default',
      name: 'big',
    });
    return h.status?.desiredReplicas === 2 ? h.status : undefined;
  });
  assert.ok(status.lastScaleTime);
  assert.equal(status.conditions?.find((c) => c.type === 'ScalingLimited')?.reason, 'TooManyReplicas');
});

test('in range with no metrics API, an HPA reports FailedGetResourceMetric and leaves replicas', async () => {
  await client.create(deployment('steady', 2));
  await client.create(hpa('steady', 1, 4));
  const active = await eventually('ScalingActive reported', async () => {
    const h = await client.get<HorizontalPodAutoscaler>({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      namespace: 'default',
      name: 'steady',
    });
    return h.status?.conditions?.find((c) => c.type === 'ScalingActive');
  });
  assert.equal(active.status, 'False');
  assert.equal(active.reason, 'FailedGetResourceMetric');
  assert.equal(await replicas('steady'), 2);
});

test('an HPA whose target is missing reports FailedGetScale', async () => {
  await client.create(hpa('ghost', 1, 2));
  const able = await eventually('AbleToScale reported', async () => {
    const h = await client.get<HorizontalPodAutoscaler>({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      namespace: 'default',
      name: 'ghost',
    });
    return h.status?.conditions?.find((c) => c.type === 'AbleToScale');
  });
  assert.equal(able.status, 'False');
  assert.equal(able.reason, 'FailedGetScale');
  assert.match(able.message ?? '', /not found/);
});

test('a PersistentVolumeClaim is bound with its requested capacity', async () => {
  await client.create({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
  });
  const claim = await eventually('claim bound', async () => {
    const c = await client.get({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      namespace: 'default',
      name: 'data',
    });
    return (c.status as { phase?: string } | undefined)?.phase === 'Bound' ? c : undefined;
  });
  assert.deepEqual((claim.status as { capacity: unknown }).capacity, { storage: '2Gi' });
  assert.equal(claim.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
});
