import type { Incident, IncidentAlert } from '../incident/types';
import { displayText } from '../report/display-text';
import { clipUnits as clip } from './slack-text';

/**
 * What a final summary says about how its incident ended, written once for every renderer: the
 * `quiet` and `closed` alerts tell the whole incident in brief (a recap line per group) rather than
 * cards of the groups told, so a person reads in ten seconds that it is over, how, and what it was.
 *
 * `ended.by` and `ended.reason` come from whoever closed the incident: shown through `displayText`
 * like every log value, and escaped again by each destination.
 */

/** The alert kinds that end an incident: their body carries a recap of every group, no cards. */
export type EndingKind = Extract<IncidentAlert['kind'], 'quiet' | 'closed'>;

export function isEnding(kind: IncidentAlert['kind']): kind is EndingKind {
  return kind === 'quiet' || kind === 'closed';
}

/** How long the title lets a closer's name run: who and the cluster must still fit the subject. */
const TITLE_BY_MAX = 40;

/**
 * `quiet after 1 h 5 min` (the time from the last finding to the end) or `closed by carla.rossi`
 * (the closer's name cut to `byMax`); `quiet`/`closed` alone when the times or the closer are not
 * known. One line, whatever the closer wrote.
 */
function endedPhrase(incident: Pick<Incident, 'lastSeen' | 'ended' | 'state'>, byMax = Infinity): string {
  const ended = incident.ended;
  const how = ended?.how ?? (incident.state === 'closed' ? 'closed' : 'quiet');
  if (how === 'quiet') {
    const after = ended ? durationBetween(incident.lastSeen, ended.at) : undefined;
    return after ? `quiet after ${after}` : 'quiet';
  }
  return `closed${ended?.by ? ` by ${clip(displayText(ended.by), byMax)}` : ''}`;
}

/**
 * The title's prefix of a final summary, `Ended, quiet after 1 h 5 min: ` or `Closed by
 * carla.rossi: `, and a closer's reason, which the title shows in brackets before the colon
 * (`titleText` decides how much of it fits).
 */
export function endingPrefix(incident: Pick<Incident, 'lastSeen' | 'ended' | 'state'>, kind: EndingKind): { prefix: string; reason?: string } {
  if (kind === 'quiet') return { prefix: `Ended, ${endedPhrase(incident)}: ` };
  const phrase = endedPhrase(incident, TITLE_BY_MAX);
  const prefix = `${phrase.charAt(0).toUpperCase()}${phrase.slice(1)}: `;
  return incident.ended?.reason ? { prefix, reason: displayText(incident.ended.reason) } : { prefix };
}

/** Whether anyone was told of the incident before its end, in a sentence. */
export function alertedBeforeText(incident: Pick<Incident, 'alertedSeverity'>): string {
  return incident.alertedSeverity ? `yes, last told at ${incident.alertedSeverity}` : 'no: this summary is the first message about this incident';
}

/** `2 h 10 min`, `45 min`, `3 d 4 h`, `under a minute`; `undefined` when a time does not parse or runs backwards. */
export function durationBetween(from: string, to: string): string | undefined {
  const ms = Date.parse(to) - Date.parse(from);
  if (Number.isNaN(ms) || ms < 0) return undefined;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days} d${hours > 0 ? ` ${hours} h` : ''}`;
  if (hours > 0) return `${hours} h${mins > 0 ? ` ${mins} min` : ''}`;
  return `${mins} min`;
}

/**
 * What a final summary says first, as labelled values (as logged: each renderer escapes them): how
 * it ended and when, a closer's reason, whether it was told before, and the chain.
 */
export function endedFacts(incident: Pick<Incident, 'lastSeen' | 'ended' | 'state' | 'alertedSeverity' | 'chain'>): [label: string, value: string][] {
  const at = incident.ended ? ` (${timeRange(incident.ended.at, incident.ended.at)})` : '';
  return [
    ['Ended', `${endedPhrase(incident)}${at}`],
    ...(incident.ended?.reason ? [['Reason', incident.ended.reason] as [string, string]] : []),
    ['Alerted before', alertedBeforeText(incident)],
    ...(incident.chain ? [['Chain', incident.chain] as [string, string]] : []),
  ];
}

/** `2026-11-20 09:00:01 – 09:00:05 UTC`; a time that does not parse is shown as written. */
export function timeRange(first: string, last: string): string {
  const a = utc(first);
  const b = utc(last);
  if (a === b) return `${a} UTC`;
  if (a.slice(0, 10) === b.slice(0, 10) && /^\d{4}-/.test(a)) return `${a} – ${b.slice(11)} UTC`;
  return `${a} – ${b} UTC`;
}

function utc(time: string): string {
  const ms = Date.parse(time);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(time) || Number.isNaN(ms)) return displayText(time);
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** `1 finding`, `2 findings`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
