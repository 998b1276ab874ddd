/**
 * Container image references as the container runtime resolves them (the docker reference
 * grammar): `nginx` is `docker.io/library/nginx:latest`, a first component is a registry only when
 * it looks like a host (has a dot or a port, or is `localhost`).
 */
export interface ImageReference {
  /** As written in the spec. */
  original: string;
  /** Registry host (with port), `docker.io` for Docker Hub whatever alias was written. */
  registry: string;
  /** Path inside the registry, `library/` added for Docker Hub's official images. */
  repository: string;
  /** The tag, `latest` when none was written and there is no digest. */
  tag?: string;
  /** True when the tag was not written and the runtime assumes `latest`. */
  tagImplied: boolean;
  /** `sha256:...` when pinned by digest. */
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** Parses an image reference; undefined for an empty or malformed one. */
export function parseImage(image: string): ImageReference | undefined {
  const original = image;
  let rest = image.trim();
  if (rest === '' || /\s/.test(rest)) return undefined;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (digest === '' || rest === '') return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag === '' || rest === '') return undefined;
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasRegistry ? first.toLowerCase() : DOCKER_HUB;
  let repository = hasRegistry ? rest.slice(slash + 1) : rest;
  if (DOCKER_HUB_ALIASES.has(registry)) registry = DOCKER_HUB;
  if (repository === '') return undefined;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  const tagImplied = tag === undefined && digest === undefined;
  return { original, registry, repository, tag: tag ?? (tagImplied ? 'latest' : undefined), tagImplied, ...(digest ? { digest } : {}) };
}

/**
 * A tag that can be moved to other content after review: `latest` or no tag at all, unless a
 * digest pins the content (`nginx:latest@sha256:...` is immutable).
 */
export function isMutableTag(ref: ImageReference): boolean {
  return ref.digest === undefined && (ref.tagImplied || ref.tag === 'latest');
}

/**
 * Whether an image comes from one of the allowed registries. An entry is a registry host
 * (`123456789012.dkr.ecr.eu-west-1.amazonaws.com`, `ghcr.io`) or a registry and path prefix
 * (`ghcr.io/my-org`, `docker.io/library`); `*` matches within one host label or path segment
 * (`*.dkr.ecr.*.amazonaws.com`). Docker Hub aliases are one registry.
 */
export function isFromAllowedRegistry(ref: ImageReference, allowed: readonly string[]): boolean {
  const full = `${ref.registry}/${ref.repository}`;
  return allowed.some((entry) => {
    const normalized = normalizeEntry(entry);
    if (normalized === '') return false;
    const pattern = globToRegExp(normalized);
    return pattern.test(full);
  });
}

function normalizeEntry(entry: string): string {
  let e = entry
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '');
  const slash = e.indexOf('/');
  const host = (slash >= 0 ? e.slice(0, slash) : e).toLowerCase();
  e = (DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host) + (slash >= 0 ? e.slice(slash) : '');
  return e;
}

/** `entry` as a prefix that ends at a path boundary, `*` matching within a segment. */
function globToRegExp(entry: string): RegExp {
  const body = entry
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${body}(?:/|$)`);
}
