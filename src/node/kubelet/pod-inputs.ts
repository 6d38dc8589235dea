/**
 * The ConfigMaps and Secrets a pod references (volumes, projected volumes, env valueFrom, envFrom),
 * looked up in the kubelet's caches. Missing ones are left out: the runtime decides what a missing
 * reference means (CreateContainerConfigError unless optional), and the kubelet starts the pod
 * again when one appears.
 */
import type { V1ConfigMap, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/meta.ts';

export interface PodReferences {
  configMaps: Set<string>;
  secrets: Set<string>;
  /** Whether a projected volume asks for a service account token. */
  serviceAccountToken?: { audience?: string; expirationSeconds?: number };
}

/** Every ConfigMap and Secret name the pod refers to. */
export function podReferences(pod: V1Pod): PodReferences {
  const refs: PodReferences = { configMaps: new Set(), secrets: new Set() };
  const spec = pod.spec;
  for (const volume of spec?.volumes ?? []) {
    if (volume.configMap?.name) refs.configMaps.add(volume.configMap.name);
    if (volume.secret?.secretName) refs.secrets.add(volume.secret.secretName);
    for (const source of volume.projected?.sources ?? []) {
      if (source.configMap?.name) refs.configMaps.add(source.configMap.name);
      if (source.secret?.name) refs.secrets.add(source.secret.name);
      if (source.serviceAccountToken) {
        refs.serviceAccountToken = {
          ...(source.serviceAccountToken.audience !== undefined && {
            audience: source.serviceAccountToken.audience,
          }),
          ...(source.serviceAccountToken.expirationSeconds !== undefined && {
            expirationSeconds: source.serviceAccountToken.expirationSeconds,
          }),
        };
      }
    }
  }
  for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    for (const env of container.env ?? []) {
      const cm = env.valueFrom?.configMapKeyRef?.name;
      if (cm) refs.configMaps.add(cm);
      const secret = env.valueFrom?.secretKeyRef?.name;
      if (secret) refs.secrets.add(secret);
    }
    for (const from of container.envFrom ?? []) {
      if (from.configMapRef?.name) refs.configMaps.add(from.configMapRef.name);
      if (from.secretRef?.name) refs.secrets.add(from.secretRef.name);
    }
  }
  return refs;
}

/** The keys (`namespace/name`) of the objects a pod refers to, for the reverse index. */
export function referenceKeys(pod: V1Pod): { configMaps: string[]; secrets: string[] } {
  const namespace = pod.metadata?.namespace ?? 'default';
  const refs = podReferences(pod);
  return {
    configMaps: [...refs.configMaps].map((n) => `${namespace}/${n}`),
    secrets: [...refs.secrets].map((n) => `${namespace}/${n}`),
  };
}

/** The referenced objects that exist, and a fingerprint of their versions (changes when one appears or changes). */
export function resolveReferences(
  pod: V1Pod,
  lookup: { configMap(key: string): KubeObject | undefined; secret(key: string): KubeObject | undefined },
): { configMaps: Record<string, V1ConfigMap>; secrets: Record<string, V1Secret>; fingerprint: string } {
  const namespace = pod.metadata?.namespace ?? 'default';
  const refs = podReferences(pod);
  const configMaps: Record<string, V1ConfigMap> = {};
  const secrets: Record<string, V1Secret> = {};
  const versions: string[] = [];
  for (const name of [...refs.configMaps].sort()) {
    const object = lookup.configMap(`${namespace}/${name}`);
    versions.push(`cm/${name}@${object?.metadata.resourceVersion ?? ''}`);
    if (object) configMaps[name] = object as unknown as V1ConfigMap;
  }
  for (const name of [...refs.secrets].sort()) {
    const object = lookup.secret(`${namespace}/${name}`);
    versions.push(`secret/${name}@${object?.metadata.resourceVersion ?? ''}`);
    if (object) secrets[name] = object as unknown as V1Secret;
  }
  return { configMaps, secrets, fingerprint: versions.join(',') };
}
