import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Powertools configured once for every function (after Powertools' example app,
 * functions/commons/powertools): the service name in every log line, and the metrics namespace
 * the stack's alarms read (lib/analyzer-stack.ts passes the same name to its alarms).
 */
export const SERVICE_NAME = 'k8s-audit-analyzer';
export const METRICS_NAMESPACE = 'K8sAuditAnalyzer';

/** The functions that publish metrics: each is the `service` dimension of its own. */
export type FunctionName = 'analyzer' | 'watchdog' | 'reporter';

/** The log of whichever function this module is bundled into (`POWERTOOLS_LOG_LEVEL` sets its level). */
export const logger = new Logger({ serviceName: SERVICE_NAME });

const metrics = new Map<FunctionName, Metrics>();

/** The function's metrics, made on first use: a bundle holds one function, so one instance each. */
export function metricsFor(fn: FunctionName): Metrics {
  let instance = metrics.get(fn);
  if (!instance) metrics.set(fn, (instance = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: fn })));
  return instance;
}
