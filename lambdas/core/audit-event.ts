/**
 * The Kubernetes audit event (`audit.k8s.io/v1` Event), as far as the analyzer reads it.
 * v1beta1 events have the same shape plus a deprecated `timestamp`; both are accepted.
 * Every field the API server may omit is optional: the audit level decides what is logged.
 */
export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface ObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

export interface ResponseStatus {
  code?: number;
  status?: string;
  reason?: string;
  message?: string;
}

export interface AuditEvent {
  kind: 'Event';
  apiVersion: string;
  level?: 'None' | 'Metadata' | 'Request' | 'RequestResponse';
  auditID: string;
  stage?: AuditStage;
  requestURI?: string;
  verb: string;
  user?: UserInfo;
  impersonatedUser?: UserInfo;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  responseStatus?: ResponseStatus;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
  /** v1beta1 only. */
  timestamp?: string;
  annotations?: Record<string, string>;
}

/** Set by the API server when it cut the request or response body out of an event. */
export const TRUNCATED_ANNOTATION = 'audit.k8s.io/truncated';
