import type { RequestContext } from '../registry/context.ts';

/** The context the API server's own controllers write with. */
export function systemContext(manager: string): RequestContext {
  return {
    user: { name: 'system:apiserver', groups: ['system:masters'] },
    dryRun: false,
    fieldManager: manager,
    fieldValidation: 'Ignore',
    warnings: [],
    now: new Date(),
  };
}

export function clusterOfKey(key: string): string {
  return key.slice(1, key.indexOf('/', 1));
}
