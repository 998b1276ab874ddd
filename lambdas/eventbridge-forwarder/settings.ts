import { EVENTBRIDGE_FORWARDER_ENV, parseEnvironment } from '../commons/env';

/** The forwarder's settings, read once per execution environment from its environment variables (EVENTBRIDGE_FORWARDER_ENV, zod). */
export interface EventBridgeForwarderSettings {
  /** `EVENT_BUS_NAME` (required): the bus the incident events are put on (a name or an ARN). */
  eventBusName: string;
}

export class EventBridgeForwarderSettingsError extends Error {
  override readonly name = 'EventBridgeForwarderSettingsError';
  constructor(readonly problems: string[]) {
    super(`invalid eventbridge-forwarder environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads and checks every variable at once, so a cold start names all the problems together. */
export function eventBridgeForwarderSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): EventBridgeForwarderSettings {
  const result = parseEnvironment(EVENTBRIDGE_FORWARDER_ENV, env);
  if (!result.ok) throw new EventBridgeForwarderSettingsError(result.problems);
  return { eventBusName: result.value.EVENT_BUS_NAME };
}
