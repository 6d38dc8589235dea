/**
 * One logical cluster: its served types, its object store and its RBAC authorizer. The default
 * cluster is served at `/`, the others at `/clusters/<name>/`; all share one Storage and so one
 * revision sequence.
 */
import type { KubeObject } from '../api/meta.ts';
import { RbacAuthorizer, type RbacObjects } from './auth/authorizer.ts';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './auth/bootstrap-policy.ts';
import { typesOfCrd } from './custom-resources.ts';
import type { RequestContext } from './registry/context.ts';
import { createKindHooks, type HookOptions } from './registry/hooks.ts';
import { ObjectStore } from './registry/store.ts';
import { TypeRegistry, type ServedType } from './registry/types.ts';
import type { Storage } from './storage/storage.ts';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class LogicalCluster {
  readonly name: string;
  readonly types = new TypeRegistry();
  readonly store: ObjectStore;
  #authorizer: RbacAuthorizer | undefined;

  constructor(name: string, storage: Storage, hookOptions: HookOptions) {
    this.name = name;
    this.store = new ObjectStore({
      cluster: name,
      storage,
      types: this.types,
      hooks: createKindHooks(hookOptions),
    });
  }

  type(group: string, version: string, plural: string): ServedType {
    const t = this.types.lookup(group, version, plural);
    if (!t) throw new Error(`no built-in type ${group}/${version}/${plural}`);
    return t;
  }

  /** The RBAC authorizer, rebuilt after any RBAC object of this cluster changed. */
  authorizer(): RbacAuthorizer {
    if (!this.#authorizer) {
      const read = (plural: string) =>
        this.store.list(this.type('rbac.authorization.k8s.io', 'v1', plural), '').items;
      const rbac: RbacObjects = {
        roles: read('roles'),
        roleBindings: read('rolebindings'),
        clusterRoles: read('clusterroles'),
        clusterRoleBindings: read('clusterrolebindings'),
      };
      this.#authorizer = new RbacAuthorizer(rbac);
    }
    return this.#authorizer;
  }

  invalidateAuthorizer(): void {
    this.#authorizer = undefined;
  }

  /** Registers the types of every stored CRD (at start, and after a restart). */
  loadCrds(): void {
    const crds = this.store.list(
      this.type('apiextensions.k8s.io', 'v1', 'customresourcedefinitions'),
      '',
    ).items;
    for (const crd of crds)
      if (crd.metadata.deletionTimestamp === undefined)
        this.types.setCrd(crd.metadata.name ?? '', typesOfCrd(crd));
  }

  /** Creates what a fresh cluster has: system namespaces and the default RBAC policy. Idempotent. */
  bootstrap(ctx: RequestContext): void {
    const ns = this.type('', 'v1', 'namespaces');
    for (const name of systemNamespaces)
      this.#ensure(ctx, ns, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    const roles = this.type('rbac.authorization.k8s.io', 'v1', 'clusterroles');
    for (const role of bootstrapClusterRoles()) this.#ensure(ctx, roles, '', role);
    const bindings = this.type('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings');
    for (const binding of bootstrapClusterRoleBindings()) this.#ensure(ctx, bindings, '', binding);
  }

  #ensure(ctx: RequestContext, type: ServedType, namespace: string, object: KubeObject): void {
    if (this.store.storage.get(this.store.key(type, namespace, object.metadata.name ?? ''))) return;
    this.store.create(ctx, type, namespace, object);
  }
}
