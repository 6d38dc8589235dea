/**
 * A container's environment as kubelet's makeEnvironmentVariables builds it: the kubelet's own
 * variables (service links) first, then `envFrom` (ConfigMaps and Secrets, with prefix), then `env`,
 * whose values expand `$(VAR)` against what came before; then `command` and `args` expanded against
 * the result. Pure: the ConfigMaps and Secrets come in PodInputs. A missing reference that is not
 * optional is a CreateContainerConfigError with kubelet's message.
 */
import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from '@kubernetes/client-node';
import { parseQuantity } from '../../api/validation/quantity.ts';
import type { PodInputs } from './pod-runtime.ts';
import { ContainerWaitingError } from './pod-supervisor.ts';

export interface EnvironmentContext {
  pod: V1Pod;
  container: V1Container;
  inputs: PodInputs;
  podIP?: string;
  hostIP?: string;
  /** What `resourceFieldRef` limits fall back to when the container sets none (node allocatable). */
  allocatable?: { cpu: number; memory: number; 'ephemeral-storage': number };
}

const configError = (message: string): ContainerWaitingError =>
  new ContainerWaitingError('CreateContainerConfigError', message);

/**
 * Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion): `$(NAME)` becomes the value
 * when `lookup` knows NAME and stays as written otherwise; `$$` is a literal `$`.
 */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    let advance = 1;
    if (next === '$') out += '$';
    else if (next === '(') {
      const close = input.indexOf(')', cursor + 2);
      if (close < 0) out += '$(';
      else {
        const name = input.slice(cursor + 2, close);
        out += lookup(name) ?? `$(${name})`;
        advance = close - cursor;
      }
    } else out += `$${next}`;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

function decodeBase64(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}

/** Secret `data` values as text (the API serves them base64-encoded; `stringData` is write-only). */
export function secretData(secret: V1Secret): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) data[key] = decodeBase64(value);
  for (const [key, value] of Object.entries(secret.stringData ?? {})) data[key] = value;
  return data;
}

/** The quoted name inside `metadata.labels['key']`. */
function subscript(path: string, field: string): string | undefined {
  const match = new RegExp(`^${field.replace('.', '\\.')}\\[['"](.*)['"]\\]$`).exec(path);
  return match?.[1];
}

/** kubelet's podFieldSelectorRuntimeValue. */
export function podFieldValue(
  pod: V1Pod,
  path: string,
  addresses: { podIP?: string; hostIP?: string },
): string {
  const meta = pod.metadata ?? {};
  switch (path) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? 'default';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return addresses.podIP ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return addresses.hostIP ?? '';
  }
  const label = subscript(path, 'metadata.labels');
  if (label !== undefined) return meta.labels?.[label] ?? '';
  const annotation = subscript(path, 'metadata.annotations');
  if (annotation !== undefined) return meta.annotations?.[annotation] ?? '';
  throw configError(`unsupported fieldRef ${path}`);
}

/** kubelet's ExtractContainerResourceValue: the value divided by the divisor, rounded up. */
export function resourceFieldValue(
  pod: V1Pod,
  container: V1Container,
  ref: { containerName?: string; resource: string; divisor?: string },
  allocatable: EnvironmentContext['allocatable'],
): string {
  const target =
    ref.containerName === undefined || ref.containerName === ''
      ? container
      : [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
          (c) => c.name === ref.containerName,
        );
  if (target === undefined) throw configError(`container ${ref.containerName ?? ''} not found`);
  const [kind, resource] = ref.resource.split('.', 2) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || resource === undefined) {
    throw configError(`unsupported container resource : ${ref.resource}`);
  }
  const given = parseQuantity(
    (kind === 'limits' ? target.resources?.limits : target.resources?.requests)?.[resource],
  );
  const fallback =
    kind === 'limits' && allocatable !== undefined && resource in allocatable
      ? allocatable[resource as keyof typeof allocatable]
      : 0;
  const divisor = parseQuantity(ref.divisor ?? '1') ?? 1;
  if (!['cpu', 'memory', 'ephemeral-storage'].includes(resource) && !resource.startsWith('hugepages-')) {
    throw configError(`unsupported container resource : ${ref.resource}`);
  }
  return String(Math.ceil((given ?? fallback) / (divisor === 0 ? 1 : divisor)));
}

function configMapKey(
  inputs: PodInputs,
  namespace: string,
  ref: { name?: string; key: string; optional?: boolean },
): string | undefined {
  const name = ref.name ?? '';
  const configMap: V1ConfigMap | undefined = inputs.configMaps?.[name];
  if (configMap === undefined) {
    if (ref.optional === true) return undefined;
    throw configError(`configmap "${name}" not found`);
  }
  const value = configMap.data?.[ref.key];
  if (value === undefined && ref.optional !== true) {
    throw configError(`couldn't find key ${ref.key} in ConfigMap ${namespace}/${name}`);
  }
  return value;
}

function secretKey(
  inputs: PodInputs,
  namespace: string,
  ref: { name?: string; key: string; optional?: boolean },
): string | undefined {
  const name = ref.name ?? '';
  const secret = inputs.secrets?.[name];
  if (secret === undefined) {
    if (ref.optional === true) return undefined;
    throw configError(`secret "${name}" not found`);
  }
  const value = secretData(secret)[ref.key];
  if (value === undefined && ref.optional !== true) {
    throw configError(`couldn't find key ${ref.key} in Secret ${namespace}/${name}`);
  }
  return value;
}

/** The container's variables (not the runtime's base environment such as PATH). */
export function containerEnvironment(context: EnvironmentContext): Record<string, string> {
  const { pod, container, inputs } = context;
  const namespace = pod.metadata?.namespace ?? 'default';
  const addresses = {
    ...(context.podIP !== undefined && { podIP: context.podIP }),
    ...(context.hostIP !== undefined && { hostIP: context.hostIP }),
  };
  const serviceEnv = inputs.environment ?? {};
  const env = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    let data: Record<string, string> | undefined;
    if (source.configMapRef !== undefined) {
      const name = source.configMapRef.name ?? '';
      const configMap = inputs.configMaps?.[name];
      if (configMap === undefined && source.configMapRef.optional !== true) {
        throw configError(`configmap "${name}" not found`);
      }
      data = configMap?.data;
    } else if (source.secretRef !== undefined) {
      const name = source.secretRef.name ?? '';
      const secret = inputs.secrets?.[name];
      if (secret === undefined && source.secretRef.optional !== true) {
        throw configError(`secret "${name}" not found`);
      }
      data = secret === undefined ? undefined : secretData(secret);
    }
    for (const [key, value] of Object.entries(data ?? {})) {
      const name = prefix + key;
      if (name === '' || name.includes('=')) continue; // kubelet skips invalid names (and records an event)
      env.set(name, value);
    }
  }
  const lookup = (name: string): string | undefined => env.get(name) ?? serviceEnv[name];
  for (const variable of container.env ?? []) {
    let value: string | undefined = variable.value ?? '';
    if (variable.value !== undefined && variable.value !== '') value = expand(variable.value, lookup);
    else if (variable.valueFrom !== undefined) {
      const from = variable.valueFrom;
      if (from.fieldRef !== undefined) value = podFieldValue(pod, from.fieldRef.fieldPath, addresses);
      else if (from.resourceFieldRef !== undefined) {
        value = resourceFieldValue(
          pod,
          container,
          {
            resource: from.resourceFieldRef.resource,
            ...(from.resourceFieldRef.containerName !== undefined && {
              containerName: from.resourceFieldRef.containerName,
            }),
            ...(from.resourceFieldRef.divisor !== undefined && {
              divisor: String(from.resourceFieldRef.divisor),
            }),
          },
          context.allocatable,
        );
      } else if (from.configMapKeyRef !== undefined)
        value = configMapKey(inputs, namespace, from.configMapKeyRef);
      else if (from.secretKeyRef !== undefined) value = secretKey(inputs, namespace, from.secretKeyRef);
      else throw configError(`env var ${variable.name} has an unsupported valueFrom`);
      if (value === undefined) continue; // an optional reference to something missing
    }
    env.set(variable.name, value);
  }
  const result: Record<string, string> = { ...serviceEnv };
  for (const [name, value] of env) result[name] = value;
  return result;
}

/** `command` and `args` with `$(VAR)` expanded against the container's environment (kubelet semantics). */
export function expandCommand(list: readonly string[] | undefined, env: Record<string, string>): string[] {
  return (list ?? []).map((part) =>
    expand(part, (name) => (Object.hasOwn(env, name) ? env[name] : undefined)),
  );
}
