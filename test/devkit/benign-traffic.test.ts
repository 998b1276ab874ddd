import { Readable } from 'node:stream';
import { auditLines } from '../../devkit/generate';
import { scanObjects } from '../../lambdas/core/pipeline/scan-objects';
import { MemoryStateStore } from '../../lambdas/core/detect/state-store';
import type { Finding } from '../../lambdas/core/finding';
import { severityRank } from '../../lambdas/core/finding';
import type { SourceObject } from '../../lambdas/core/ports';
import { STORIES } from '../../scripts/attack-stories';

/**
 * The bulk benchmark's traffic is a busy EKS cluster going about its day (devkit/generate.ts). It
 * must page nobody once the cluster's routine is known, and the attack stories (samples/) hidden
 * in the same day must still page. The baseline is seeded the way docs/baselines.md says: by
 * reading the days before through the same state. The generator's days are slices of one
 * deterministic stream (the same cluster: nodes, people, controllers), each moved to its own date.
 */
const EVENTS_PER_DAY = 40_000;
const DAYS_BEFORE = 6;
const ATTACK_DAY = '2026-11-20'; // the stories' day (scripts/attack-stories.ts)
const GENERATED_DAY = '2025-03-04'; // the generator's default start

function dayOf(offset: number): string {
  return new Date(Date.parse(`${ATTACK_DAY}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
}

/** An object of `clusters/prod-eu/…` (the stories' cluster) holding these lines. */
function object(name: string, lines: string[]): SourceObject {
  const bytes = Buffer.from(lines.join('\n') + '\n');
  return {
    name: `s3://audit-logs/clusters/prod-eu/${name}`,
    key: `clusters/prod-eu/${name}`,
    size: bytes.length,
    open: () => Promise.resolve(Readable.from([bytes])),
  };
}

/** The generator's stream cut into days: day -DAYS_BEFORE … -1, then the attack day. */
function generatedDays(): string[][] {
  const days: string[][] = Array.from({ length: DAYS_BEFORE + 1 }, () => []);
  let i = 0;
  for (const line of auditLines({ events: EVENTS_PER_DAY * (DAYS_BEFORE + 1), seed: 1 })) {
    const d = Math.floor(i++ / EVENTS_PER_DAY);
    days[d].push(line.replaceAll(`${GENERATED_DAY}T`, `${dayOf(d - DAYS_BEFORE)}T`));
  }
  return days;
}

const atOrAbove = (f: Finding, s: 'medium'): boolean => severityRank(f.severity) >= severityRank(s);

describe('the bulk benchmark traffic, with a baseline of the days before', () => {
  jest.setTimeout(180_000);
  let attackDay: Finding[];
  const storyIds = new Set(STORIES.flatMap((s) => s.parts.flatMap(([, events]) => events.map((e) => String(e.auditID)))));

  beforeAll(async () => {
    const days = generatedDays();
    const state = new MemoryStateStore(() => Date.parse(`${ATTACK_DAY}T12:00:00Z`));
    for (let d = 0; d < DAYS_BEFORE; d++) await scanObjects([object(`${dayOf(d - DAYS_BEFORE)}/traffic.jsonl`, days[d])], { state });
    const stories = STORIES.flatMap((s) => s.parts.flatMap(([, events]) => events.map((e) => JSON.stringify(e))));
    const result = await scanObjects([object(`${ATTACK_DAY}/traffic.jsonl`, days[DAYS_BEFORE]), object(`${ATTACK_DAY}/stories.jsonl`, stories)], { state });
    attackDay = result.findings.map((f) => f.finding);
  });

  it('raises nothing at medium or above for the benign traffic', () => {
    const paged = attackDay.filter((f) => !storyIds.has(f.auditID) && atOrAbove(f, 'medium'));
    expect(paged.map((f) => `${f.severity} ${f.ruleId} ${f.actor.username} ${f.verb} ${f.target.namespace ?? ''}/${f.target.name ?? ''}`)).toEqual([]);
    // It is not quiet because nothing was found: the routine is there, and rated low.
    expect(
      attackDay.filter((f) => !storyIds.has(f.auditID) && (f.evidence.baseline as { history?: string } | undefined)?.history === 'routine').length,
    ).toBeGreaterThan(10);
  });

  it('still pages for every attack story of the same day', () => {
    for (const story of STORIES) {
      const ids = new Set(story.parts.flatMap(([, events]) => events.map((e) => String(e.auditID))));
      expect({ story: story.id, paged: attackDay.some((f) => ids.has(f.auditID) && atOrAbove(f, 'medium')) }).toEqual({ story: story.id, paged: true });
    }
  });
});
