import type { EventView, JsonObject } from '../detect/event-view';
import { asArray, asObject, asString } from '../detect/event-view';
import { patchedFields } from './patch';

/** Where each workload kind keeps the pod spec it runs, by resource (RBAC spelling). */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  pods: ['spec'],
  deployments: ['spec', 'template', 'spec'],
  daemonsets: ['spec', 'template', 'spec'],
  statefulsets: ['spec', 'template', 'spec'],
  replicasets: ['spec', 'template', 'spec'],
  replicationcontrollers: ['spec', 'template', 'spec'],
  jobs: ['spec', 'template', 'spec'],
  cronjobs: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  podtemplates: ['template', 'spec'],
};

const KIND_TO_RESOURCE: Readonly<Record<string, string>> = {
  Pod: 'pods',
  Deployment: 'deployments',
  DaemonSet: 'daemonsets',
  StatefulSet: 'statefulsets',
  ReplicaSet: 'replicasets',
  ReplicationController: 'replicationcontrollers',
  Job: 'jobs',
  CronJob: 'cronjobs',
  PodTemplate: 'podtemplates',
};

export const RESOURCE_KIND: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(KIND_TO_RESOURCE).map(([k, r]) => [r, k]));

/** Resources that carry a pod template (everything but the pod itself). */
export const TEMPLATE_RESOURCES = ['deployments', 'daemonsets', 'statefulsets', 'replicasets', 'replicationcontrollers', 'jobs', 'cronjobs'] as const;
/** Every resource that runs pods. */
export const WORKLOAD_RESOURCES = ['pods', ...TEMPLATE_RESOURCES] as const;
/**
 * API groups whose workload resources have the shapes above. Custom resources that reuse a
 * name (OpenKruise's `daemonsets.apps.kruise.io`, Volcano's `jobs.batch.volcano.sh`) are not
 * read as if they were the built-in kinds. Events that omit the group are taken as built-in.
 */
const BUILT_IN_GROUPS = new Set(['', 'apps', 'extensions', 'batch']);

export function isBuiltInWorkload(view: Pick<EventView, 'resource' | 'apiGroup'>): boolean {
  return POD_SPEC_PATHS[view.resource] !== undefined && BUILT_IN_GROUPS.has(view.apiGroup);
}

export type ContainerKind = 'container' | 'initContainer' | 'ephemeralContainer';

export interface ContainerRef {
  kind: ContainerKind;
  /** The container's name, or `containers[1]` when a partial spec (a patch) does not carry it. */
  name: string;
  index: number;
  container: JsonObject;
}

const CONTAINER_LISTS: ReadonlyArray<[string, ContainerKind]> = [
  ['containers', 'container'],
  ['initContainers', 'initContainer'],
  ['ephemeralContainers', 'ephemeralContainer'],
];

/** Every container of a pod spec: containers, initContainers and ephemeralContainers. */
export function containersOf(spec: JsonObject): ContainerRef[] {
  const refs: ContainerRef[] = [];
  for (const [field, kind] of CONTAINER_LISTS) {
    asArray(spec[field]).forEach((item, index) => {
      const container = asObject(item);
      if (!container) return; // a JSON patch leaves holes for the entries it does not touch
      refs.push({ kind, index, container, name: asString(container.name) ?? `${field}[${index}]` });
    });
  }
  return refs;
}

/** The pod spec inside an object of a workload kind (by resource, or by `kind` for objects read elsewhere). */
export function podSpecOf(resourceOrKind: string, object: JsonObject | undefined): JsonObject | undefined {
  const path = POD_SPEC_PATHS[resourceOrKind] ?? POD_SPEC_PATHS[KIND_TO_RESOURCE[resourceOrKind] ?? ''];
  if (!path || !object) return undefined;
  let node: JsonObject | undefined = object;
  for (const key of path) {
    node = asObject(node?.[key]);
    if (!node) return undefined;
  }
  return node;
}

/** The pod spec a request wrote, and how much of it the log shows. */
export interface WrittenPodSpec {
  spec: JsonObject;
  /** The whole object the request left (`object`) or only what a patch sets (`patch`). */
  source: 'object' | 'patch';
  /** For patches: the partial spec the patch sets (also when `spec` is the full response). */
  patched?: JsonObject;
}

/**
 * The pod spec of the object a create/update/patch of a workload produced.
 * - create/update: the object as logged.
 * - patch: the response object when the level logged it, else the fields the patch sets. A patch
 *   that sets nothing under the pod spec (labels, replicas, `kubectl rollout restart`'s template
 *   annotation) did not change what runs: the result is undefined.
 * Undefined also when no body was logged (see `view.missingEvidence`).
 */
export function writtenPodSpec(view: EventView): WrittenPodSpec | undefined {
  if (view.verb === 'patch') {
    const patched = podSpecOf(view.resource, patchedFields(view.patch));
    if (!patched) {
      // No patch logged but a response: the level logged the result, not what changed.
      const full = view.patch === undefined ? podSpecOf(view.resource, view.object) : undefined;
      return full ? { spec: full, source: 'object' } : undefined;
    }
    const full = podSpecOf(view.resource, view.object);
    return full ? { spec: full, source: 'object', patched } : { spec: patched, source: 'patch', patched };
  }
  const spec = podSpecOf(view.resource, view.object);
  return spec ? { spec, source: 'object' } : undefined;
}
