/**
 * Writes docs/reference/incident-event.schema.json, the JSON Schema of the EventBridge incident
 * event's `detail`, from its zod schema (lambdas/core/export/incident-event.ts), so the published
 * contract cannot drift from the code (a test fails when the file is stale). Run with
 * `npm run docs:events`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { INCIDENT_EVENT_VERSION, incidentEventDetailSchema } from '../lambdas/core/export/incident-event';

export const INCIDENT_EVENT_SCHEMA_FILE = join(__dirname, '..', 'docs', 'reference', 'incident-event.schema.json');

export function renderIncidentEventSchema(): string {
  // `input`: objects stay open (no `additionalProperties: false`), so a consumer validating with
  // this file keeps working when version 1 gains an optional field. Optional fields are left
  // out, never null.
  const schema = z.toJSONSchema(incidentEventDetailSchema, { io: 'input', target: 'draft-2020-12' });
  const document = {
    title: `k8s-audit-analyzer incident event detail, version ${INCIDENT_EVENT_VERSION}`,
    $comment: 'Generated from lambdas/core/export/incident-event.ts by `npm run docs:events`; do not edit by hand.',
    ...schema,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(INCIDENT_EVENT_SCHEMA_FILE, renderIncidentEventSchema());
  console.log(`wrote ${INCIDENT_EVENT_SCHEMA_FILE}`);
}
