import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../base/errors.ts';
import type { KubeObject } from '../meta.ts';
import { builtinResources, type ResourceType } from '../resources.ts';
import { applyDefaults, prepareForCreate, validateObject } from './index.ts';

function typeOf(group: string, kind: string): ResourceType {
  const type = builtinResources.find((t) => t.group === group && t.kind === kind);
  assert.ok(type, `${group}/${kind}`);
  return type;
}

const deploymentType = typeOf('apps', 'Deployment');
const jobType = typeOf('batch', 'Job');
const cronJobType = typeOf('batch', 'CronJob');

/** Defaults then validates, as kube-apiserver handles a create. */
function create(type: ResourceType, obj: KubeObject): string[] {
  applyDefaults(type, obj);
  return validateObject(type, obj).map(formatFieldError);
}

function update(type: ResourceType, obj: KubeObject, old: KubeObject): string[] {
  applyDefaults(type, obj);
  return validateObject(type, obj, old).map(formatFieldError);
}

function deployment(selector: unknown, templateLabels: Record<string, string> | undefined): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      selector,
      template: {
        metadata: templateLabels === undefined ? {} : { labels: templateLabels },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  };
}

describe('Deployment', () => {
  it('accepts a defaulted minimal Deployment', () => {
    assert.deepEqual(create(deploymentType, deployment({ matchLabels: { app: 'web' } }, { app: 'web' })), []);
  });

  it('rejects a selector that does not match the template labels', () => {
    const found = create(
      deploymentType,
      deployment({ matchLabels: { app: 'web' } }, { app: 'api', tier: 'backend' }),
    );
    assert.deepEqual(found, [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"api", "tier":"backend"}: `selector` does not match template `labels`',
    ]);
  });

  it('requires a selector, and a nil one matches nothing', () => {
    assert.deepEqual(create(deploymentType, deployment(undefined, { app: 'web' })), [
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
  });

  it('rejects an empty selector', () => {
    assert.deepEqual(create(deploymentType, deployment({}, { app: 'web' })), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]);
  });

  it('matches selector expressions', () => {
    const selector = { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'edge'] }] };
    assert.deepEqual(create(deploymentType, deployment(selector, { tier: 'edge' })), []);
    assert.equal(create(deploymentType, deployment(selector, { tier: 'db' })).length, 1);
  });

  it('rejects negative replicas and unknown strategies', () => {
    const obj = deployment({ matchLabels: { app: 'web' } }, { app: 'web' });
    Object.assign(obj['spec'] as object, { replicas: -1, strategy: { type: 'BlueGreen' } });
    assert.deepEqual(create(deploymentType, obj), [
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"',
    ]);
  });

  it('checks rolling update bounds', () => {
    const obj = deployment({ matchLabels: { app: 'web' } }, { app: 'web' });
    Object.assign(obj['spec'] as object, {
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%', maxSurge: 'lots' } },
    });
    assert.deepEqual(create(deploymentType, obj), [
      `spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"lots"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%',
    ]);
  });

  it('reports pod template problems with Kubernetes paths', () => {
    const obj = deployment({ matchLabels: { app: 'web' } }, { app: 'web' });
    const spec = (obj['spec'] as { template: { spec: unknown } }).template;
    spec.spec = {
      containers: [
        {
          name: 'web',
          image: '',
          ports: [{ containerPort: 70000 }],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
        { name: 'web', image: 'busybox', env: [{ name: 'A=B' }] },
      ],
      restartPolicy: 'OnFailure',
    };
    assert.deepEqual(create(deploymentType, obj), [
      'spec.template.spec.containers[0].image: Required value',
      'spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.template.spec.containers[0].volumeMounts[0].name: Invalid value: "data": not found',
      'spec.template.spec.containers[1].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'',
      'spec.template.spec.containers[1].name: Duplicate value: "web"',
      'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ]);
  });

  it('keeps the selector immutable on update', () => {
    const old = deployment({ matchLabels: { app: 'web' } }, { app: 'web', version: 'v1' });
    applyDefaults(deploymentType, old);
    old.metadata = { ...old.metadata, uid: 'u1', resourceVersion: '3', generation: 1 };
    const changed = deployment({ matchLabels: { app: 'web', version: 'v1' } }, { app: 'web', version: 'v1' });
    changed.metadata = { ...old.metadata };
    assert.deepEqual(update(deploymentType, changed, old), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "version":"v1"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
    const scaled = structuredClone(old);
    (scaled['spec'] as { replicas: number }).replicas = 5;
    assert.deepEqual(update(deploymentType, scaled, old), []);
  });
});

describe('StatefulSet, DaemonSet and ReplicaSet', () => {
  const stsType = typeOf('apps', 'StatefulSet');
  function statefulSet(): KubeObject {
    return {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default', uid: 'u', resourceVersion: '1' },
      spec: {
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image: 'postgres:16' }] },
        },
      },
    };
  }

  it('accepts a StatefulSet without serviceName', () => {
    assert.deepEqual(create(stsType, statefulSet()), []);
  });

  it('forbids updates outside the mutable fields', () => {
    const old = statefulSet();
    applyDefaults(stsType, old);
    const changed = structuredClone(old);
    (changed['spec'] as Record<string, unknown>)['serviceName'] = 'db-headless';
    assert.deepEqual(update(stsType, changed, old), [
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
    const scaled = structuredClone(old);
    (scaled['spec'] as Record<string, unknown>)['replicas'] = 3;
    assert.deepEqual(update(stsType, scaled, old), []);
  });

  it('reports a DaemonSet without a selector only through the label mismatch', () => {
    const ds: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'kube-system' },
      spec: {
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { containers: [{ name: 'agent', image: 'agent:1' }] },
        },
      },
    };
    assert.deepEqual(create(typeOf('apps', 'DaemonSet'), ds), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"agent"}: `selector` does not match template `labels`',
    ]);
  });

  it('words the ReplicaSet empty-selector error as Kubernetes does', () => {
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-1', namespace: 'default' },
      spec: {
        selector: { matchLabels: {} },
        template: { spec: { containers: [{ name: 'web', image: 'nginx' }] } },
      },
    };
    assert.deepEqual(create(typeOf('apps', 'ReplicaSet'), rs), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]);
  });
});

function job(restartPolicy?: string): KubeObject {
  const podSpec: Record<string, unknown> = { containers: [{ name: 'migrate', image: 'migrate:1' }] };
  if (restartPolicy !== undefined) podSpec['restartPolicy'] = restartPolicy;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate', namespace: 'default', uid: '9f1c' },
    spec: { template: { spec: podSpec } },
  };
}

describe('Job', () => {
  it('accepts a Job with a generated selector', () => {
    const obj = job('Never');
    assert.deepEqual(create(jobType, obj), []);
    prepareForCreate(jobType, obj);
    assert.deepEqual(validateObject(jobType, obj), []);
    assert.deepEqual((obj['spec'] as { selector: unknown }).selector, {
      matchLabels: { 'batch.kubernetes.io/controller-uid': '9f1c' },
    });
  });

  it('rejects restartPolicy Always', () => {
    assert.deepEqual(create(jobType, job('Always')), [
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ]);
  });

  it('rejects a Job without a restart policy, which defaulting made Always', () => {
    assert.deepEqual(create(jobType, job()), [
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ]);
  });

  it('rejects a template that lost its generated labels', () => {
    const obj = job('Never');
    applyDefaults(jobType, obj);
    prepareForCreate(jobType, obj);
    const labels = (obj['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template
      .metadata.labels;
    labels['batch.kubernetes.io/controller-uid'] = 'other';
    assert.deepEqual(validateObject(jobType, obj).map(formatFieldError), [
      `spec.template.metadata.labels[batch.kubernetes.io/controller-uid]: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"other", "batch.kubernetes.io/job-name":"migrate", "controller-uid":"9f1c", "job-name":"migrate"}: must be '9f1c'`,
      'spec.template.metadata.labels: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"other", "batch.kubernetes.io/job-name":"migrate", "controller-uid":"9f1c", "job-name":"migrate"}: `selector` does not match template `labels`',
    ]);
  });

  it('keeps the pod template immutable on update, unless suspended and unstarted', () => {
    const old = job('Never');
    applyDefaults(jobType, old);
    prepareForCreate(jobType, old);
    old.metadata = { ...old.metadata, resourceVersion: '7' };
    const changed = structuredClone(old);
    const template = (changed['spec'] as { template: { spec: { containers: Array<{ image: string }> } } })
      .template;
    template.spec.containers[0] = { ...template.spec.containers[0], image: 'migrate:2' };
    const found = update(jobType, changed, old);
    assert.equal(found.length, 1);
    assert.match(found[0] ?? '', /^spec\.template: Invalid value: \{.*\}: field is immutable$/);

    const suspended = structuredClone(old);
    (suspended['spec'] as Record<string, unknown>)['suspend'] = true;
    const rescheduled = structuredClone(suspended);
    const podSpec = (rescheduled['spec'] as { template: { spec: Record<string, unknown> } }).template.spec;
    podSpec['nodeSelector'] = { zone: 'a' };
    assert.deepEqual(update(jobType, rescheduled, suspended), []);
  });
});

describe('CronJob', () => {
  function cronJob(schedule: string, name = 'nightly'): KubeObject {
    return {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name, namespace: 'default' },
      spec: {
        schedule,
        jobTemplate: {
          spec: {
            template: {
              spec: { restartPolicy: 'OnFailure', containers: [{ name: 'backup', image: 'backup:1' }] },
            },
          },
        },
      },
    };
  }

  it('accepts cron expressions and descriptors', () => {
    for (const schedule of ['*/5 * * * *', '0 3 * * mon-fri', '@hourly', '@every 1h30m']) {
      assert.deepEqual(create(cronJobType, cronJob(schedule)), [], schedule);
    }
  });

  it('reports schedule errors with robfig/cron messages', () => {
    assert.deepEqual(create(cronJobType, cronJob('61 * * * *')), [
      'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
    ]);
    assert.deepEqual(create(cronJobType, cronJob('* * * *')), [
      'spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]',
    ]);
    assert.deepEqual(create(cronJobType, cronJob('CRON_TZ=UTC * * * * *')), [
      'spec.schedule: Invalid value: "CRON_TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ]);
  });

  it('requires a schedule and limits the name to 52 characters', () => {
    assert.deepEqual(create(cronJobType, cronJob('', 'n'.repeat(53))), [
      'spec.schedule: Required value',
      `metadata.name: Invalid value: "${'n'.repeat(53)}": must be no more than 52 characters`,
    ]);
  });

  it('checks the time zone', () => {
    const obj = cronJob('0 3 * * *');
    (obj['spec'] as Record<string, unknown>)['timeZone'] = 'Europe/Pariss';
    assert.deepEqual(create(cronJobType, obj), [
      'spec.timeZone: Invalid value: "Europe/Pariss": unknown time zone Europe/Pariss',
    ]);
    (obj['spec'] as Record<string, unknown>)['timeZone'] = 'Europe/Paris';
    assert.deepEqual(create(cronJobType, obj), []);
  });
});
