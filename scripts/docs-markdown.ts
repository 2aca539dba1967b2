/**
 * The pure part of the docs tooling: finding the generated console examples of a Markdown file,
 * their options, the headings' anchors and the relative links. Used by `scripts/docs-examples.ts`
 * (npm run docs:examples) and by `test/unit/docs.test.ts`.
 *
 * A generated example is written as
 *
 *     <!-- example: trailwatch query instance i-0dbc91f429e48eeed | head 8 -->
 *     ```console
 *     $ npx trailwatch query instance i-0dbc91f429e48eeed
 *     …what the command printed…
 *     ```
 *     <!-- /example -->
 *
 * and a console block that is not generated (it needs AWS, a terminal, a server) is preceded by
 * `<!-- illustrative -->`, and the text around it says it is illustrative.
 */

/** A broken marker or block; names the file and line. */
export class DocsFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'DocsFormatError';
  }
}

export interface ExampleOptions {
  /** Keep the first N lines of the output, then `…`. */
  readonly head?: number;
  /**
   * Show only the first N lines of stderr, sorted (files processed concurrently report in any
   * order), then `…`. Without it stderr is shown whole, in the order printed.
   */
  readonly stderr?: number;
  /**
   * Run against the named store, empty at first and shared by the blocks naming it, in document
   * order (README.md, then docs/*.md by name). @default the store holding ../shared/corpus/real
   */
  readonly store?: string;
  /** The exit code the command must end with. @default 0 */
  readonly exit: number;
  /** The command reads the example bucket `s3://acme-cloudtrail` (s3rver). */
  readonly s3: boolean;
  /**
   * The block shows the ingest that set the default store up (`trailwatch ingest
   * ../shared/corpus/real` into an empty store), instead of running it again.
   */
  readonly setup?: boolean;
}

export interface ExampleBlock {
  readonly file: string;
  /** 1-based line of the `<!-- example: … -->` marker. */
  readonly line: number;
  /** The command as written in the marker (`trailwatch …`). */
  readonly command: string;
  /** Its arguments after `trailwatch`. */
  readonly args: readonly string[];
  readonly options: ExampleOptions;
  /** Offsets of the whole fenced block (from its opening fence to its closing fence's newline). */
  readonly start: number;
  readonly end: number;
  /** The fenced block as it is in the file. */
  readonly current: string;
}

const MARKER = /^<!--\s*example:\s*(.*?)\s*-->\s*$/;
const END_MARKER = /^<!--\s*\/example\s*-->\s*$/;
const ILLUSTRATIVE = /^<!--\s*illustrative\b.*-->\s*$/;
const FENCE = /^(`{3,}|~{3,})/;

/** Tracks fenced code blocks line by line: a fence closes with the same character, at least as long. */
class FenceTracker {
  private open: string | undefined;

  /** Inside a fenced block before the next line is fed. */
  inCodeBefore(): boolean {
    return this.open !== undefined;
  }

  /** Feeds a line; true when the line is a fence or inside a fenced block. */
  inCode(line: string): boolean {
    const m = FENCE.exec(line.trimStart());
    if (this.open === undefined) {
      if (m) this.open = m[1];
      return m !== null;
    }
    const fence = this.open;
    if (m && (m[1] ?? '')[0] === fence[0] && (m[1] ?? '').length >= fence.length && line.trim() === m[1])
      this.open = undefined;
    return true;
  }
}

/** Shell-like splitting of a command line: spaces separate, single and double quotes group. */
export function splitArgs(command: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inArg = false;
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inArg = true;
    } else if (/\s/.test(ch)) {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
    } else {
      current += ch;
      inArg = true;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} in: ${command}`);
  if (inArg) args.push(current);
  return args;
}

function wholeNumber(value: string | undefined, what: string): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 0) throw new Error(`${what} takes a whole number`);
  return n;
}

/** `trailwatch ARGS | option | option`: the command and its options. */
export function parseMarker(spec: string): { command: string; args: string[]; options: ExampleOptions } {
  const [commandPart = '', ...optionParts] = spec.split(/\s+\|\s+/);
  const command = commandPart.trim();
  const words = splitArgs(command);
  if (words[0] !== 'trailwatch') throw new Error(`an example runs trailwatch, got '${command}'`);
  let options: ExampleOptions = { exit: 0, s3: false };
  for (const part of optionParts) {
    const [name, value, ...rest] = part.trim().split(/\s+/);
    if (rest.length > 0) throw new Error(`option '${part}' has too many words`);
    switch (name) {
      case 'head':
        options = { ...options, head: wholeNumber(value, 'head') };
        break;
      case 'stderr':
        options = { ...options, stderr: wholeNumber(value, 'stderr') };
        break;
      case 'exit':
        options = { ...options, exit: wholeNumber(value, 'exit') };
        break;
      case 'store':
        if (!value || !/^[a-z0-9-]+$/.test(value)) throw new Error('store takes a name (a-z, 0-9, -)');
        options = { ...options, store: value };
        break;
      case 's3':
        if (value !== undefined) throw new Error('s3 takes no value');
        options = { ...options, s3: true };
        break;
      case 'setup':
        if (value !== undefined) throw new Error('setup takes no value');
        options = { ...options, setup: true };
        break;
      default:
        throw new Error(`unknown option '${name}' (head N, stderr N, store NAME, exit N, s3, setup)`);
    }
  }
  return { command, args: words.slice(1), options };
}

/** Offsets of the start of every line (and of the end of the text). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

/** The generated examples of a Markdown file. @throws DocsFormatError on a broken marker or block */
export function findExamples(text: string, file: string): ExampleBlock[] {
  const lines = text.split('\n');
  const starts = lineStarts(text);
  const blocks: ExampleBlock[] = [];
  const fences = new FenceTracker();
  for (let i = 0; i < lines.length; i++) {
    if (fences.inCode(lines[i] ?? '')) continue;
    const m = MARKER.exec(lines[i] ?? '');
    if (!m) continue;
    const line = i + 1;
    let parsed: ReturnType<typeof parseMarker>;
    try {
      parsed = parseMarker(m[1] ?? '');
    } catch (error) {
      throw new DocsFormatError(file, line, (error as Error).message);
    }
    if (lines[i + 1] !== '```console')
      throw new DocsFormatError(file, line, 'the marker must be followed by a ```console block');
    let close = i + 2;
    while (close < lines.length && lines[close] !== '```') close++;
    if (close >= lines.length) throw new DocsFormatError(file, line, 'the ```console block is not closed');
    if (!END_MARKER.test(lines[close + 1] ?? ''))
      throw new DocsFormatError(file, line, 'the block must be followed by <!-- /example -->');
    const start = starts[i + 1] ?? 0;
    const end = starts[close + 1] ?? text.length;
    blocks.push({ file, line, ...parsed, start, end, current: text.slice(start, end) });
    i = close + 1;
  }
  return blocks;
}

/** The fenced block an example's output is written as. */
export function renderExample(command: string, output: string): string {
  const body = output === '' ? '' : `${output}\n`;
  return `\`\`\`console\n$ npx ${command}\n${body}\`\`\`\n`;
}

/**
 * The output as shown: stderr first (the commands print diagnostics before their result), then
 * stdout; trailing spaces dropped; cut by `stderr N` and `head N`.
 */
export function shapeOutput(stdout: string, stderr: string, options: ExampleOptions): string {
  const split = (t: string): string[] =>
    t.replace(/\n+$/, '') === '' ? [] : t.replace(/\n+$/, '').split('\n');
  let err = split(stderr);
  if (options.stderr !== undefined) {
    const sorted = [...err].sort();
    err = sorted.length > options.stderr ? [...sorted.slice(0, options.stderr), '…'] : sorted;
  }
  let lines = [...err, ...split(stdout)].map((l) => l.trimEnd());
  if (options.head !== undefined && lines.length > options.head)
    lines = [...lines.slice(0, options.head), '…'];
  return lines.join('\n');
}

/**
 * What may differ between two runs of the same command and is not compared: elapsed times
 * (`in 0.9s`, `"seconds":0.93`).
 */
export function normalizeVolatile(text: string): string {
  return text
    .replace(/\bin \d+(\.\d+)?s\b/g, 'in <seconds>s')
    .replace(/"seconds":\d+(\.\d+)?/g, '"seconds":0');
}

/** A short line diff of two texts: the first lines that differ. */
export function lineDiff(expected: string, actual: string, context = 6): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  let first = 0;
  while (first < a.length && first < b.length && a[first] === b[first]) first++;
  const out: string[] = [];
  for (const l of a.slice(first, first + context)) out.push(`  - ${l}`);
  for (const l of b.slice(first, first + context)) out.push(`  + ${l}`);
  return out.join('\n');
}

/* ------------------------------------------------------------------ links and anchors */

/** Lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const fences = new FenceTracker();
  text.split('\n').forEach((l, i) => {
    if (!fences.inCode(l)) out.push({ line: i + 1, text: l });
  });
  return out;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a file's headings (a repeated heading gets `-1`, `-2`, … as on GitHub). */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { text: l } of proseLines(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(l);
    if (!m) continue;
    const base = slug(m[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export interface Link {
  readonly line: number;
  readonly target: string;
}

/** Links to other files of the repository or to anchors (not to web sites), outside code. */
export function relativeLinks(text: string): Link[] {
  const out: Link[] = [];
  for (const { line, text: l } of proseLines(text)) {
    const withoutCode = l.replace(/`[^`]*`/g, '');
    for (const m of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      out.push({ line, target });
    }
  }
  return out;
}

export interface ConsoleBlock {
  readonly line: number;
  /** Generated by an example marker, or marked illustrative. */
  readonly accounted: boolean;
}

/** Every ```console block, and whether it is generated or marked `<!-- illustrative -->`. */
export function consoleBlocks(text: string): ConsoleBlock[] {
  const lines = text.split('\n');
  const out: ConsoleBlock[] = [];
  const fences = new FenceTracker();
  lines.forEach((l, i) => {
    const wasProse = !fences.inCodeBefore();
    if (fences.inCode(l) && wasProse && l.trim() === '```console') {
      const previous = lines[i - 1] ?? '';
      out.push({ line: i + 1, accounted: MARKER.test(previous) || ILLUSTRATIVE.test(previous) });
    }
  });
  return out;
}

/* ------------------------------------------------------------------ generated sections */

/**
 * Replaces the body of a generated section, written as
 *
 *     <!-- generated: NAME -->
 *     …the generated text…
 *     <!-- /generated -->
 *
 * with `body` (which ends with a newline). @throws DocsFormatError when the section is missing,
 * repeated or not closed
 */
export function replaceGenerated(text: string, file: string, name: string, body: string): string {
  const open = `<!-- generated: ${name} -->\n`;
  const close = '<!-- /generated -->';
  const start = text.indexOf(open);
  if (start < 0) throw new DocsFormatError(file, 0, `no section ${open.trim()}`);
  const line = text.slice(0, start).split('\n').length;
  if (text.indexOf(open, start + open.length) >= 0)
    throw new DocsFormatError(file, line, `the section ${name} is there twice`);
  const from = start + open.length;
  const end = text.indexOf(close, from);
  if (end < 0) throw new DocsFormatError(file, line, `the section ${name} is not closed by ${close}`);
  return text.slice(0, from) + body + text.slice(end);
}

/**
 * A Markdown table: the header, its separator and a line per row, each ending in a newline; a `|`
 * in a cell is escaped and a line break becomes a space, so no cell can break the table.
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c) => c.replaceAll('|', '\\|').replaceAll('\n', ' ')).join(' | ')} |\n`;
  return line(header) + line(header.map(() => '---')) + rows.map(line).join('');
}
