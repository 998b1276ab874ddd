/**
 * What a GitOps object (Argo CD, Flux) says about where it deploys from, where to, and with whose
 * rights: the fields the controller.gitops-source rule judges. Every field is read defensively:
 * the bodies are attacker-written and not type-checked.
 */
import type { JsonObject } from '../../detect/event-view';
import { asArray, asObject, asString } from '../../detect/event-view';
import { SYSTEM_NAMESPACES } from '../../detect/identity';

/** The API group of each GitOps resource (resource names such as `applications` are not unique across groups). */
export const GITOPS_GROUPS: Readonly<Record<string, string>> = {
  applications: 'argoproj.io',
  applicationsets: 'argoproj.io',
  appprojects: 'argoproj.io',
  gitrepositories: 'source.toolkit.fluxcd.io',
  ocirepositories: 'source.toolkit.fluxcd.io',
  helmrepositories: 'source.toolkit.fluxcd.io',
  kustomizations: 'kustomize.toolkit.fluxcd.io',
  helmreleases: 'helm.toolkit.fluxcd.io',
};

export const GITOPS_RESOURCES = Object.keys(GITOPS_GROUPS);

/** The spec fields that choose the source, the destination or the rights: a patch touching none of them re-points nothing. */
const POINTING_FIELDS: Readonly<Record<string, readonly string[]>> = {
  applications: ['source', 'sources', 'destination', 'project'],
  applicationsets: ['template', 'generators'],
  appprojects: ['sourceRepos', 'destinations', 'clusterResourceWhitelist'],
  gitrepositories: ['url', 'ref'],
  ocirepositories: ['url', 'ref'],
  helmrepositories: ['url'],
  kustomizations: ['sourceRef', 'path', 'targetNamespace', 'serviceAccountName', 'kubeConfig'],
  helmreleases: ['chart', 'chartRef', 'targetNamespace', 'serviceAccountName', 'kubeConfig'],
};

export interface GitOpsPointing {
  /** Where it deploys from, as the object names it (repository URLs, `GitRepository/flux-system` + path). */
  sources: string[];
  /** Why its reach is wide, in words: system-namespace destinations, cluster-admin rights, wildcards. */
  reach: string[];
}

/** Whether a patch's fields touch what chooses the source, destination or rights of the resource. */
export function touchesPointing(resource: string, patched: JsonObject | undefined): boolean {
  const spec = asObject(patched?.spec);
  return spec !== undefined && (POINTING_FIELDS[resource] ?? []).some((key) => spec[key] !== undefined);
}

/** A repository URL without the token or password some put before the host (`https://TOKEN@github.com/...`). */
const withoutUserinfo = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1');

const strings = (values: unknown[]): string[] => values.filter((v): v is string => typeof v === 'string' && v !== '');

/** An Argo CD application spec's sources and destination namespace (Application, or an ApplicationSet's template). */
function argoApplication(spec: JsonObject | undefined, into: GitOpsPointing): void {
  const sources = [asObject(spec?.source), ...asArray(spec?.sources).map(asObject)];
  into.sources.push(...strings(sources.map((s) => asString(s?.repoURL))));
  const namespace = asString(asObject(spec?.destination)?.namespace);
  if (namespace !== undefined && SYSTEM_NAMESPACES.has(namespace)) into.reach.push(`deploys into system namespace ${namespace}`);
}

/** A Flux Kustomization's or HelmRelease's source, target namespace and the rights it applies with. */
function fluxApplier(resource: string, spec: JsonObject | undefined, into: GitOpsPointing): void {
  const chart = asObject(asObject(spec?.chart)?.spec);
  const ref = asObject(spec?.sourceRef) ?? asObject(chart?.sourceRef) ?? asObject(spec?.chartRef);
  if (ref) {
    const refName = `${asString(ref.kind) ?? '?'}/${asString(ref.namespace) ? `${asString(ref.namespace)}/` : ''}${asString(ref.name) ?? '?'}`;
    const within = asString(spec?.path) ?? asString(chart?.chart);
    into.sources.push(within ? `${refName} ${within}` : refName);
  }
  const namespace = asString(spec?.targetNamespace);
  if (namespace !== undefined && SYSTEM_NAMESPACES.has(namespace)) into.reach.push(`deploys into system namespace ${namespace}`);
  if (asString(spec?.serviceAccountName) === undefined && asObject(spec?.kubeConfig) === undefined)
    into.reach.push(`applies with the ${resource === 'helmreleases' ? 'helm' : 'kustomize'}-controller's own rights (cluster-admin in a default install)`);
}

/** What an object written to a GitOps resource points at, read from the object (or the fields a patch sets). */
export function gitopsPointing(resource: string, name: string, object: JsonObject | undefined): GitOpsPointing {
  const spec = asObject(object?.spec);
  const found: GitOpsPointing = { sources: [], reach: [] };
  switch (resource) {
    case 'applications':
      argoApplication(spec, found);
      break;
    case 'applicationsets': {
      argoApplication(asObject(asObject(spec?.template)?.spec), found);
      found.sources.push(...strings(asArray(spec?.generators).map((g) => asString(asObject(asObject(g)?.git)?.repoURL))));
      break;
    }
    case 'appprojects': {
      const repos = strings(asArray(spec?.sourceRepos));
      found.sources.push(...repos);
      if (repos.includes('*')) found.reach.push('allows any source repository');
      const namespaces = strings(asArray(spec?.destinations).map((d) => asString(asObject(d)?.namespace)));
      for (const ns of namespaces)
        if (ns === '*' || SYSTEM_NAMESPACES.has(ns)) found.reach.push(ns === '*' ? 'allows every destination namespace' : `allows system namespace ${ns}`);
      const anyClusterResource = asArray(spec?.clusterResourceWhitelist).some((r) => asObject(r)?.group === '*' && asObject(r)?.kind === '*');
      if (anyClusterResource) found.reach.push('allows any cluster-scoped resource (RBAC, webhooks, CRDs)');
      break;
    }
    case 'gitrepositories':
    case 'ocirepositories':
    case 'helmrepositories': {
      const url = asString(spec?.url);
      if (url) found.sources.push(url);
      if (name === 'flux-system') found.reach.push('is the source Flux reconciles itself from');
      break;
    }
    case 'kustomizations':
    case 'helmreleases':
      fluxApplier(resource, spec, found);
      break;
    default:
      break;
  }
  return { sources: [...new Set(found.sources.map(withoutUserinfo))], reach: [...new Set(found.reach)] };
}

/** The GitOps controllers' own service accounts: they create and update these objects from Git all day. */
const GITOPS_CONTROLLERS = /^(argocd-(application-controller|applicationset-controller)|(kustomize|helm|source)-controller)$/;
const GITOPS_NAMESPACES = new Set(['argocd', 'argo-cd', 'flux-system']);

export function isGitOpsController(serviceAccount: { namespace: string; name: string } | undefined): boolean {
  return serviceAccount !== undefined && GITOPS_NAMESPACES.has(serviceAccount.namespace) && GITOPS_CONTROLLERS.test(serviceAccount.name);
}
