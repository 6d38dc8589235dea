/**
 * What wakes the endpoints controller: its Service; any pod the service's selector picks (before or
 * after the change, so a pod leaving the selector is removed); its Endpoints object (so a deleted or
 * edited one is restored).
 */
import type { Request } from '../../../runtime/controller.ts';
import { Controller } from '../../../runtime/controller.ts';
import type { NodeContext } from '../../context.ts';
import type { Pod } from '../pods.ts';
import type { Endpoints, Service } from './reconciler.ts';
import { EndpointsReconciler } from './reconciler.ts';

/** The endpoints controller: Endpoints (and EndpointSlices where served) for every Service with a selector. */
export function endpointsController(ctx: NodeContext): Controller {
  const services = ctx.informers.for<Service>('v1', 'Service');
  const pods = ctx.informers.for<Pod>('v1', 'Pod');
  const endpoints = ctx.informers.for<Endpoints>('v1', 'Endpoints');
  const controller = new Controller({
    name: 'endpoints',
    reconciler: new EndpointsReconciler({ client: ctx.client, clock: ctx.clock, services, pods, endpoints }),
    workers: 4,
    log: ctx.log,
  }).for(services);
  controller.watches(pods, (pod): Request[] => {
    const namespace = pod.metadata.namespace ?? '';
    const labels = pod.metadata.labels ?? {};
    return services
      .list(namespace)
      .filter((s) => {
        const selector = s.spec?.selector;
        return (
          selector !== undefined &&
          Object.keys(selector).length > 0 &&
          Object.entries(selector).every(([k, v]) => labels[k] === v)
        );
      })
      .map((s) => ({ namespace, name: s.metadata.name ?? '' }));
  });
  controller.watches(endpoints, (e) => [
    { namespace: e.metadata.namespace ?? '', name: e.metadata.name ?? '' },
  ]);
  return controller;
}
