import { displayText } from '../report/display-text';
import type { GroupRecap, IncidentBody, ToldGroup } from './incident-body';
import { endedFacts, isEnding, plural, timeRange } from './incident-ending';
import { shellQuote } from './incident-guide';

/**
 * The email of an incident alert (SNS plain text), for a phone: no line wider than 72 columns,
 * the title first, then for an update what is new, then a card per told group.
 *
 * Layout rules that keep log values from forging a line: every value goes through `displayText`
 * (one line, nothing invisible); a line that starts at column 0 is ours (a label, a rule, a title
 * line), and every wrapped or listed value is indented; commands are shell words, wrapped with
 * `\` continuations so they still paste as one command.
 */
export const EMAIL_WIDTH = 72;

const RULE = '='.repeat(EMAIL_WIDTH);
const THIN = '-'.repeat(EMAIL_WIDTH);

export function incidentEmail(body: IncidentBody): string {
  if (isEnding(body.alert)) return endedEmail(body);
  const i = body.incident;
  const out: string[] = [];
  // Continuation lines indented: only our labels start at column 0 below the title's first line.
  out.push(...wrapWords(body.title, EMAIL_WIDTH, '', '  '));
  out.push('');
  if (body.alert === 'test')
    out.push(...wrapWords('This is a test alert: a sample incident, sent on request. Nothing happened in your cluster.', EMAIL_WIDTH, '', ''));
  if (body.whatsNew) out.push(...field("What's new", body.whatsNew));
  if (i.chain) out.push(...field('Chain', i.chain));
  out.push(...field('Severity', `${i.severity}${i.alertedSeverity && i.alertedSeverity !== i.severity ? ` (was ${i.alertedSeverity})` : ''}`));
  out.push(...incidentFields(body));
  const told = body.told.length + body.omittedTold;
  out.push('');
  out.push(
    ...wrapWords(
      body.alert === 'updated'
        ? `${told} finding group${told === 1 ? '' : 's'} not told before, most severe first:`
        : `${told} finding group${told === 1 ? '' : 's'}, most severe first:`,
      EMAIL_WIDTH,
      '',
      '',
    ),
  );
  body.told.forEach((group, n) => out.push('', ...card(group, n + 1)));
  if (body.omittedTold > 0) {
    out.push('', RULE);
    out.push(
      ...wrapWords(
        `${body.omittedTold} less severe finding group${body.omittedTold === 1 ? ' was' : 's were'} left out of this message to fit SNS's 256 KB limit; the incident holds them all.`,
        EMAIL_WIDTH,
        '',
        '',
      ),
    );
  }
  out.push('', THIN, 'k8s-audit-analyzer', '');
  return out.join('\n');
}

/**
 * A final summary (`quiet`, `closed`): how it ended, whether it was told before, the incident's
 * fields as in an opening alert, then a recap line per group, no cards: read in ten seconds.
 */
function endedEmail(body: IncidentBody): string {
  const i = body.incident;
  const out: string[] = [...wrapWords(body.title, EMAIL_WIDTH, '', '  '), ''];
  out.push(...wrapWords("This is the incident's final summary.", EMAIL_WIDTH, '', ''));
  for (const [label, value] of endedFacts(i)) out.push(...field(label, value));
  out.push(...field('Severity', `${i.severity} (final)`));
  out.push(...incidentFields(body));
  if (i.omitted.groups > 0)
    out.push(
      ...field(
        'Left out',
        `${plural(i.omitted.groups, 'finding group')} with ${plural(i.omitted.findings, 'finding')}, the least severe, to keep the incident bounded`,
      ),
    );
  const recap = body.recap ?? [];
  const omitted = body.omittedRecap ?? 0;
  out.push('', ...wrapWords(`${plural(recap.length + omitted, 'finding group')}, most severe first:`, EMAIL_WIDTH, '', ''));
  recap.forEach((g, n) => out.push(...wrapWords(displayText(`${n + 1}. ${g.severity.toUpperCase()}: ${g.title}: ${recapText(g)}`), EMAIL_WIDTH, '', '   ')));
  if (omitted > 0)
    out.push('', ...wrapWords(`${plural(omitted, 'less severe finding group')} left out of this message to fit SNS's 256 KB limit.`, EMAIL_WIDTH, '', ''));
  out.push('', THIN, 'k8s-audit-analyzer', '');
  return out.join('\n');
}

/** Where, who, when and which incident: the same lines in every email. */
function incidentFields(body: IncidentBody): string[] {
  const i = body.incident;
  return [
    ...field('Cluster', i.cluster),
    ...field('Who', i.principal.display),
    ...list('Acting as', i.principal.usernames),
    ...(i.principal.impersonated?.length ? list('Impersonating', i.principal.impersonated) : []),
    ...field('When', timeRange(i.firstSeen, i.lastSeen)),
    ...field('Incident', `${i.id} (${i.state}; ${plural(i.groupCount, 'finding group')}, ${plural(i.findingCount, 'finding')})`),
  ];
}

/**
 * A group in a line, after its severity and title: `create serviceaccounts/token
 * kube-system/node-health-agent; 1 finding; 2026-11-20 09:00:04 UTC`, and `; not alerted` for a
 * group no alert told. As logged: each renderer escapes it.
 */
export function recapText(g: GroupRecap): string {
  return `${targetText(g)}; ${plural(g.count, 'finding')}; ${timeRange(g.firstSeen, g.lastSeen)}${g.alertedAt ? '' : '; not alerted'}`;
}

function card(group: ToldGroup, n: number): string[] {
  const g = group.guide;
  const out: string[] = [RULE];
  out.push(...wrapWords(`${n}. ${group.severity.toUpperCase()}: ${group.title}`, EMAIL_WIDTH, '', '   '));
  out.push(...wrapWords(`rule ${group.ruleId}`, EMAIL_WIDTH, '   ', '   '));
  out.push(THIN);
  out.push(...field('When', `${timeRange(group.firstSeen, group.lastSeen)} (${group.count} finding${group.count === 1 ? '' : 's'})`));
  out.push(...list('Who', group.usernames));
  if (group.identityGroups.length > 0) out.push(...list('Identity groups', group.identityGroups));
  out.push(...list('Source IPs', group.sourceIPs));
  out.push(...list('User agent', group.userAgents));
  out.push(...field('Target', targetText(group)));
  out.push(...field('What happened', group.summary));
  out.push(...list('Audit IDs', group.auditIDs));
  out.push(...list('Read from', group.sources));
  out.push(...field('Remediation', g.remediation));
  out.push('Rule documentation:', ...wrapToken(g.ruleDocUrl, EMAIL_WIDTH, '  '));
  if (g.logsInsights) {
    out.push('Raw events (CloudWatch Logs Insights):', ...wrapWords(`log group ${displayText(g.logsInsights.logGroup)}`, EMAIL_WIDTH, '  ', '    '));
    for (const line of g.logsInsights.query.split('\n')) out.push(...wrapWords(line, EMAIL_WIDTH, '  ', '    '));
    if (g.logsInsights.consoleUrl) out.push('Open Logs Insights:', ...wrapToken(g.logsInsights.consoleUrl, EMAIL_WIDTH, '  '));
  }
  if (g.auditIDsNotQueried > 0) out.push(...field('Not queried', `${g.auditIDsNotQueried} audit ID(s) that do not look like the API server's`));
  if (g.scanCommands.length > 0) {
    out.push('Raw events from the objects:');
    for (const c of g.scanCommands) out.push(...wrapCommand(c, EMAIL_WIDTH));
  }
  if (g.show.length > 0) {
    out.push('Show it:');
    for (const c of g.show) out.push(...wrapCommand(c, EMAIL_WIDTH));
  }
  if (g.undo.length > 0) {
    out.push('Undo it:');
    for (const c of g.undo) out.push(...wrapCommand(c, EMAIL_WIDTH));
  }
  if (g.undoNote) out.push(...field(g.undo.length > 0 ? 'Note' : 'Undo', g.undoNote));
  return out;
}

/** `verb resource/subresource namespace/name (apiGroup)`. */
export function targetText(group: Pick<GroupRecap, 'verb' | 'target'>): string {
  const t = group.target;
  const name = [t.namespace, t.name].filter(Boolean).join('/');
  return `${group.verb} ${t.resource}${t.subresource ? `/${t.subresource}` : ''}${name ? ` ${name}` : ''}${t.apiGroup ? ` (${t.apiGroup})` : ''}`;
}

/** Times are shown one way in every renderer (incident-ending.ts). */
export { timeRange };

// ---------------------------------------------------------------------------------------------
// Wrapping

/** `Label: value`, wrapped, continuation lines indented by two. */
function field(label: string, value: string): string[] {
  return wrapWords(`${label}: ${displayText(value)}`, EMAIL_WIDTH, '', '  ');
}

/** `Label:` then one indented line (or more, wrapped) per value; `none` when there is none. */
function list(label: string, values: readonly string[]): string[] {
  if (values.length === 0) return [`${label}: none recorded`];
  if (values.length === 1) return field(label, values[0]);
  return [`${label}:`, ...values.flatMap((v) => wrapWords(displayText(v), EMAIL_WIDTH, '  ', '    '))];
}

/**
 * Words on lines of at most `width`: the first line starts with `first`, the others with `rest`.
 * A word longer than a line is broken (after `/`, `:`, `.`, `-` when one is near the end).
 * Runs of spaces count as one.
 */
export function wrapWords(text: string, width: number, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(' ').filter((w) => w !== '')) {
    const candidate = empty ? line + word : `${line} ${word}`;
    if (candidate.length <= width) {
      line = candidate;
      empty = false;
      continue;
    }
    if (!empty) {
      lines.push(line);
      line = rest;
    }
    const pieces = breakWord(word, width - line.length, width - rest.length);
    for (const piece of pieces.slice(0, -1)) {
      lines.push(line + piece);
      line = rest;
    }
    line += pieces[pieces.length - 1];
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** A token (a URL) on lines of its own under `indent`, broken where it must be: join the lines to use it. */
export function wrapToken(token: string, width: number, indent: string): string[] {
  const text = displayText(token);
  return breakWord(text, width - indent.length, width - indent.length).map((p) => indent + p);
}

function breakWord(word: string, firstRoom: number, room: number): string[] {
  const pieces: string[] = [];
  let rest = word;
  let max = Math.max(1, firstRoom);
  while (rest.length > max) {
    let cut = max;
    const window = rest.slice(Math.max(1, max - 16), max);
    const soft = Math.max(window.lastIndexOf('/'), window.lastIndexOf(':'), window.lastIndexOf('.'), window.lastIndexOf('-'), window.lastIndexOf(','));
    if (soft >= 0) cut = Math.max(1, max - 16) + soft + 1;
    // Never half a surrogate pair.
    if (/[\ud800-\udbff]/.test(rest[cut - 1])) cut--;
    if (cut < 1) cut = 1;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
    max = Math.max(1, room);
  }
  pieces.push(rest);
  return pieces;
}

/**
 * A shell command (words as `shellQuote` writes them) within `width`, still one command when
 * pasted: lines end with ` \`; a word too long for a line is cut into pieces each quoted on its
 * own, the lines joined by `\` at the very end and the next piece at column 0 (adjacent quoted
 * strings are one word; an indent would split it).
 */
export function wrapCommand(command: string, width: number): string[] {
  const words = shellWords(command);
  const indent = '  ';
  const cont = '    ';
  const lines: string[] = [];
  let line = indent;
  let empty = true;
  for (const value of words) {
    const quoted = quote(value);
    const sep = empty ? '' : ' ';
    // Room for the word and a trailing ` \` should more follow.
    if ((line + sep + quoted).length + 2 <= width) {
      line += sep + quoted;
      empty = false;
      continue;
    }
    if (!empty) {
      lines.push(`${line} \\`);
      line = cont;
    }
    if ((line + quoted).length + 2 <= width) {
      line += quoted;
      empty = false;
      continue;
    }
    const pieces = quotedPieces(value, width - line.length - 1, width - 1);
    for (const piece of pieces.slice(0, -1)) {
      lines.push(`${line}${piece}\\`);
      line = '';
    }
    line += pieces[pieces.length - 1];
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** The words of a command written by `shellQuote`: bare words, `'…'` and `\'` between them. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  let quoted = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quoted) {
      if (c === "'") quoted = false;
      else word += c;
    } else if (c === "'") {
      quoted = true;
      started = true;
    } else if (c === '\\' && i + 1 < command.length) {
      word += command[++i];
      started = true;
    } else if (c === ' ') {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  if (started) words.push(word);
  return words;
}

const quote = shellQuote;

/**
 * `value` cut into pieces of at most `firstRoom` then `room` characters once quoted. Every piece is
 * single-quoted, so a line a piece starts at column 0 begins with `'`: it cannot pass for a label.
 */
function quotedPieces(value: string, firstRoom: number, room: number): string[] {
  const pieces: string[] = [];
  let current = '';
  let max = Math.max(5, firstRoom);
  for (const ch of value) {
    if (current !== '' && forceQuote(current + ch).length > max) {
      pieces.push(forceQuote(current));
      current = '';
      max = Math.max(5, room);
    }
    current += ch;
  }
  pieces.push(forceQuote(current));
  return pieces;
}

function forceQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
