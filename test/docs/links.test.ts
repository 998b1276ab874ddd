import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The docs link to each other by file and by heading. A page moved or a heading reworded breaks a
 * link silently on GitHub; these tests make it loud. They read README.md, CONTRIBUTING.md and every
 * docs/*.md, and check every relative link (`file.md`, `file.md#anchor`, `#anchor`, images too)
 * against the files in the repository and the anchors GitHub derives from their headings. The
 * README is the front door: at most 300 lines, and no heading twice.
 */

const ROOT = join(__dirname, '..', '..');
const README_MAX_LINES = 300;

const markdownIn = (dir: string): string[] =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(dir, f))
    .sort();

/** The pages checked: the README, CONTRIBUTING.md, docs/*.md and the generated docs/reference/*.md. */
function pages(): string[] {
  return ['README.md', 'CONTRIBUTING.md', ...markdownIn('docs'), ...markdownIn(join('docs', 'reference'))];
}

/** The lines of a Markdown text outside fenced code blocks, with their 1-based numbers. */
function proseLines(text: string): Array<{ line: string; number: number }> {
  const out: Array<{ line: string; number: number }> = [];
  let fence: string | undefined;
  text.split(/\r?\n/).forEach((line, index) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined) {
      if (fence === undefined) fence = marker;
      else if (marker.startsWith(fence[0]) && marker.length >= fence.length) fence = undefined;
      return;
    }
    if (fence === undefined) out.push({ line, number: index + 1 });
  });
  return out;
}

/** The text of every ATX heading outside code blocks. */
function headings(text: string): string[] {
  const out: string[] = [];
  for (const { line } of proseLines(text)) {
    const m = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

/**
 * GitHub's anchor for a heading: the rendered text (links reduced to their text, markup dropped),
 * lower case, every character that is not a letter, digit, space, `-` or `_` removed, each space a
 * `-`. Repeats get `-1`, `-2`, … in order.
 */
function slug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim();
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const h of headings(text)) {
    const base = slug(h);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  // Explicit HTML anchors, `<a name="x">` or `id="x"`.
  for (const m of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(m[1]);
  return out;
}

/** Every link target in the prose (inline links and images, and reference definitions), with its line. */
function links(text: string): Array<{ target: string; line: number }> {
  const out: Array<{ target: string; line: number }> = [];
  for (const { line, number } of proseLines(text)) {
    // Code spans are literal text: `[a](b)` in backticks is not a link. A link's text may hold one.
    const prose = line.replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, (span) => (/\]\(/.test(span) ? '' : 'code'));
    for (const m of prose.matchAll(/!?\[(?:[^\]]|\\\])*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1], line: number });
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(prose);
    if (definition) out.push({ target: definition[1], line: number });
  }
  return out;
}

/**
 * What is wrong with the relative links of `page` (a path relative to `root`): targets that do not
 * exist or lie outside the repository, and anchors the target Markdown file does not have.
 */
function linkProblems(root: string, page: string): string[] {
  const read = (path: string): string => readFileSync(path, 'utf8');
  const problems: string[] = [];
  const text = read(join(root, page));
  for (const { target, line } of links(text)) {
    const where = `${page}:${line}: ${target}`;
    if (target === '') {
      problems.push(`${where}: empty link`);
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // https:, mailto:, …
    const hash = target.indexOf('#');
    const pathPart = hash >= 0 ? target.slice(0, hash) : target;
    const anchor = hash >= 0 ? decodeURIComponent(target.slice(hash + 1)) : undefined;
    const file = pathPart === '' ? join(root, page) : resolve(dirname(join(root, page)), decodeURIComponent(pathPart));
    const inRepo = relative(root, file);
    if (inRepo.startsWith('..') || inRepo.split(sep).includes('node_modules')) {
      problems.push(`${where}: points outside the repository`);
      continue;
    }
    if (!existsSync(file)) {
      problems.push(`${where}: no such file`);
      continue;
    }
    if (anchor === undefined) continue;
    if (!file.endsWith('.md')) {
      problems.push(`${where}: an anchor into a file that is not Markdown`);
      continue;
    }
    if (!anchors(read(file)).has(anchor)) problems.push(`${where}: ${relative(root, file)} has no heading with the anchor #${anchor}`);
  }
  return problems;
}

describe('GitHub heading anchors', () => {
  it.each([
    ['Backfill: history through the fleet', 'backfill-history-through-the-fleet'],
    ['EKS: the `EksAuditIngestion` construct', 'eks-the-eksauditingestion-construct'],
    ['rbac.role-or-binding-changed', 'rbacrole-or-binding-changed'],
    ['The analyzer Lambda: `npm run bench:analyzer`', 'the-analyzer-lambda-npm-run-benchanalyzer'],
    ['Lag (oldest work and ProcessingLag)', 'lag-oldest-work-and-processinglag'],
    ['The corpus and `npm run eval`', 'the-corpus-and-npm-run-eval'],
    ['IAM: each shipper writes its own prefix, nothing else', 'iam-each-shipper-writes-its-own-prefix-nothing-else'],
    ['See [the rules](rules.md) – all of them', 'see-the-rules--all-of-them'],
    ['snake_case stays', 'snake_case-stays'],
  ])('%s → #%s', (heading, expected) => {
    expect(slug(heading)).toBe(expected);
  });

  it('numbers repeated headings and ignores headings in code blocks', () => {
    const text = '# Title\n\n## Setup\n\n```sh\n# Setup\n```\n\n### Setup\n';
    expect([...anchors(text)]).toEqual(['title', 'setup', 'setup-1']);
  });
});

describe('the link checker', () => {
  const files: Record<string, string> = {
    'README.md':
      '# Top\n\n[ok](docs/a.md#part-one) [gone](docs/b.md) [bad anchor](docs/a.md#part-two) [self](#top) [web](https://example.com/x.md#y)\n`[not a link](nowhere.md)`\n',
    'docs/a.md': '# A\n\n## Part one\n\n[up](../README.md#top) [outside](../../etc/passwd) ![picture](a.png)\n',
  };
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'links-'));
    mkdirSync(join(root, 'docs'));
    for (const [path, text] of Object.entries(files)) writeFileSync(join(root, path), text);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds missing files, missing anchors and links out of the repository, and nothing else', () => {
    expect(linkProblems(root, 'README.md')).toEqual([
      'README.md:3: docs/b.md: no such file',
      'README.md:3: docs/a.md#part-two: docs/a.md has no heading with the anchor #part-two',
    ]);
    expect(linkProblems(root, join('docs', 'a.md'))).toEqual([
      `${join('docs', 'a.md')}:5: ../../etc/passwd: points outside the repository`,
      `${join('docs', 'a.md')}:5: a.png: no such file`,
    ]);
  });
});

describe('the docs', () => {
  it.each(pages())('%s: every relative link reaches a file and a heading that exist', (page) => {
    expect(linkProblems(ROOT, page)).toEqual([]);
  });

  it(`README.md is a front door: at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\n$/, '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('README.md has no heading twice', () => {
    const seen = headings(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((h) => slug(h));
    expect(seen.filter((h, i) => seen.indexOf(h) !== i)).toEqual([]);
  });

  it('links every page under docs/ from the README', () => {
    const linked = new Set(links(readFileSync(join(ROOT, 'README.md'), 'utf8')).map(({ target }) => target.split('#')[0]));
    const unlinked = markdownIn('docs')
      .map((p) => p.split(sep).join('/'))
      .filter((p) => !linked.has(p));
    expect(unlinked).toEqual([]);
  });

  it('links every reference page under docs/reference/ from a page under docs/', () => {
    const linked = new Set(
      markdownIn('docs').flatMap((page) => links(readFileSync(join(ROOT, page), 'utf8')).map(({ target }) => join('docs', target.split('#')[0]))),
    );
    expect(markdownIn(join('docs', 'reference')).filter((p) => !linked.has(p))).toEqual([]);
  });
});
