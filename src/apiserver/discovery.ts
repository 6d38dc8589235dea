/**
 * Discovery documents: the legacy /api, /apis and per-group-version lists, and the aggregated
 * discovery (apidiscovery.k8s.io/v2) that kubectl 1.30+ asks for first.
 */
import { apiVersionOf } from '../api/meta.ts';
import type { ServedType } from './registry/types.ts';

export const aggregatedContentType = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** True when the Accept header asks for aggregated discovery. */
export function wantsAggregated(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some(
      (part) =>
        part.includes('as=APIGroupDiscoveryList') && part.includes('v=v2') && !part.includes('v2beta1'),
    );
}

interface GroupVersions {
  group: string;
  versions: Map<string, ServedType[]>;
  preferred: string;
}

/** Groups types by group and version, in a stable order: the core group, then built-in groups, then CRDs. */
export function groupTypes(types: ServedType[]): GroupVersions[] {
  const groups = new Map<string, GroupVersions>();
  for (const t of types) {
    let g = groups.get(t.group);
    if (!g) {
      g = { group: t.group, versions: new Map(), preferred: t.crd ? t.storageVersion : t.version };
      groups.set(t.group, g);
    }
    const list = g.versions.get(t.version) ?? [];
    list.push(t);
    g.versions.set(t.version, list);
  }
  for (const g of groups.values()) {
    g.versions = new Map([...g.versions.entries()].sort(([a], [b]) => compareKubeVersions(a, b)));
    g.preferred = g.versions.keys().next().value ?? g.preferred;
  }
  return [...groups.values()];
}

/** Kubernetes' version priority: GA > beta > alpha, higher numbers first. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0, v] as const;
    const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [1, stability, Number(m[1]), Number(m[3] ?? 0)] as const;
  };
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < 4; i++) {
    if (pa[i] !== pb[i]) {
      if (typeof pa[i] === 'string') return String(pa[i]).localeCompare(String(pb[i]));
      return Number(pb[i]) - Number(pa[i]);
    }
  }
  return 0;
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(groups: GroupVersions[]): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.filter((g) => g.group !== '').map(apiGroup),
  };
}

export function apiGroup(g: GroupVersions): object {
  const versions = [...g.versions.keys()].map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
  return {
    name: g.group,
    versions,
    preferredVersion: { groupVersion: `${g.group}/${g.preferred}`, version: g.preferred },
  };
}

function subresourceVerbs(
  t: ServedType,
): Array<{ name: string; kind: string; group?: string; version?: string; verbs: string[] }> {
  const out: Array<{ name: string; kind: string; group?: string; version?: string; verbs: string[] }> = [];
  if (t.subresources.status) out.push({ name: 'status', kind: t.kind, verbs: ['get', 'patch', 'update'] });
  if (t.subresources.scale)
    out.push({
      name: 'scale',
      kind: 'Scale',
      group: 'autoscaling',
      version: 'v1',
      verbs: ['get', 'patch', 'update'],
    });
  if (t.subresources.log) out.push({ name: 'log', kind: 'Pod', verbs: ['get'] });
  if (t.subresources.token)
    out.push({
      name: 'token',
      kind: 'TokenRequest',
      group: 'authentication.k8s.io',
      version: 'v1',
      verbs: ['create'],
    });
  if (t.subresources.binding) out.push({ name: 'binding', kind: 'Binding', verbs: ['create'] });
  if (t.kind === 'Namespace' && !t.crd) out.push({ name: 'finalize', kind: 'Namespace', verbs: ['update'] });
  return out;
}

export function apiResourceList(group: string, version: string, types: ServedType[]): object {
  const resources: object[] = [];
  for (const t of types) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length > 0 && { shortNames: t.shortNames }),
      ...(t.categories.length > 0 && { categories: t.categories }),
    });
    for (const s of subresourceVerbs(t)) {
      resources.push({
        name: `${t.plural}/${s.name}`,
        singularName: '',
        namespaced: t.namespaced,
        ...(s.group !== undefined && { group: s.group }),
        ...(s.version !== undefined && { version: s.version }),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

/** The aggregated discovery document for /api (core only) or /apis (every other group). */
export function aggregatedDiscovery(groups: GroupVersions[]): object {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: [...g.versions.entries()].map(([version, types]) => ({
        version,
        freshness: 'Current',
        resources: types.map((t) => ({
          resource: t.plural,
          responseKind: { group: t.group, version: t.version, kind: t.kind },
          scope: t.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: t.singular,
          verbs: t.verbs,
          ...(t.shortNames.length > 0 && { shortNames: t.shortNames }),
          ...(t.categories.length > 0 && { categories: t.categories }),
          ...(subresourceVerbs(t).length > 0 && {
            subresources: subresourceVerbs(t).map((s) => ({
              subresource: s.name,
              responseKind: { group: s.group ?? t.group, version: s.version ?? t.version, kind: s.kind },
              verbs: s.verbs,
            })),
          }),
        })),
      })),
    })),
  };
}
