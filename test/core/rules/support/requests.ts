import type { AuditEvent } from '../../../../lambdas/core/audit-event';
import { DetectionEngine } from '../../../../lambdas/core/detect/engine';
import type { Rule } from '../../../../lambdas/core/detect/rule';
import type { Finding } from '../../../../lambdas/core/finding';
import { CompiledInterest } from '../../../../lambdas/core/read/interest';
import { FILTER, PreCheck } from '../../../../lambdas/core/read/precheck';
import { auditEvent } from '../../../helpers/events';
import type { Ev } from '../../../helpers/shipping';

/** Whether the reader's pre-check lets the event through to the rule (its `interest` covers it). */
export function reaches(rule: Rule, event: Ev): boolean {
  return new PreCheck(new CompiledInterest({ selectors: rule.interest, markers: rule.markers })).decideText(JSON.stringify(event)) !== FILTER;
}

/** Findings of the whole engine (gating, dedup across stages, redaction) for these events. */
export async function findingsOf(rules: readonly Rule[], events: Ev[]): Promise<Finding[]> {
  const engine = new DetectionEngine(rules);
  const out: Finding[] = [];
  for (const [i, event] of events.entries())
    out.push(...(await engine.analyze({ event: event as unknown as AuditEvent, offset: 0, line: i + 1, truncated: false })));
  return out;
}

export const users = {
  alice: { username: 'alice@example.com', groups: ['developers', 'system:authenticated'] },
  anonymous: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
  controllerManager: { username: 'system:kube-controller-manager', groups: ['system:authenticated'] },
  node: (name: string) => ({ username: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'] }),
  serviceAccount: (namespace: string, name: string) => ({
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  }),
};

/** The usual near misses of one positive event: each must raise nothing. */
export function nearMisses(positive: Ev): Array<[string, Ev]> {
  const uri = typeof positive.requestURI === 'string' ? positive.requestURI : '';
  return [
    ['the request failed (403)', { ...positive, responseStatus: { metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403 } }],
    ['it was a dry run', { ...positive, requestURI: `${uri}${uri.includes('?') ? '&' : '?'}dryRun=All` }],
    ['only the RequestReceived stage is logged', { ...positive, stage: 'RequestReceived', responseStatus: undefined }],
    ['the control plane did it', { ...positive, user: users.controllerManager }],
  ];
}

/** A request as an RBAC-resource event: verb, resource path, objectRef, user, body. */
export function request(fields: {
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  apiGroup?: string;
  user?: Ev;
  level?: string;
  query?: string;
  requestObject?: unknown;
  responseObject?: unknown;
  code?: number;
  stage?: string;
}): Ev {
  const group = fields.apiGroup ? `/apis/${fields.apiGroup}/v1` : '/api/v1';
  const ns = fields.namespace ? `/namespaces/${fields.namespace}` : '';
  const name = fields.name && fields.verb !== 'create' ? `/${fields.name}` : fields.name && fields.subresource ? `/${fields.name}` : '';
  const sub = fields.subresource ? `/${fields.subresource}` : '';
  return auditEvent({
    level: fields.level ?? (fields.requestObject !== undefined || fields.responseObject !== undefined ? 'RequestResponse' : 'Metadata'),
    verb: fields.verb,
    requestURI: `${group}${ns}/${fields.resource}${name}${sub}${fields.query ? `?${fields.query}` : ''}`,
    user: fields.user ?? users.alice,
    objectRef: {
      resource: fields.resource,
      ...(fields.subresource ? { subresource: fields.subresource } : {}),
      ...(fields.namespace ? { namespace: fields.namespace } : {}),
      ...(fields.name ? { name: fields.name } : {}),
      ...(fields.apiGroup ? { apiGroup: fields.apiGroup } : {}),
      apiVersion: 'v1',
    },
    responseStatus: { metadata: {}, code: fields.code ?? (fields.verb === 'create' ? 201 : 200) },
    ...(fields.stage ? { stage: fields.stage } : {}),
    ...(fields.requestObject !== undefined ? { requestObject: fields.requestObject } : {}),
    ...(fields.responseObject !== undefined ? { responseObject: fields.responseObject } : {}),
  });
}
