/**
 * `npm run docs:examples`: rewrites the console examples of README.md and docs/*.md with what the
 * commands print now. `npm run docs:examples -- --check` changes nothing and exits 1, naming each
 * example that differs, so the docs cannot drift from the CLI.
 *
 * Each `<!-- example: trailwatch ARGS | options -->` block (see scripts/docs-markdown.ts) runs
 * `node dist/bin/trailwatch.js ARGS` (build first: `npm run build`, which the npm script does):
 * - in a temporary project folder `<tmp>/<store>/trailwatch` beside a link `<tmp>/<store>/shared`
 *   to ../shared, so `../shared/corpus/real` and the default store `./.trailwatch` work as they do in
 *   a clone; paths under it are shown as `/home/me/trailwatch` and `/home/me/shared`;
 * - against a store holding ../shared/corpus/real (ingested first; `| setup` shows that ingest), or
 *   an empty named store (`| store NAME`) that the blocks naming it share in document order;
 * - with `| s3`, with the S3 endpoint of an s3rver holding the bucket `acme-cloudtrail`: the real
 *   records of ../shared/corpus/real laid out as an organization trail delivers them;
 * - with no terminal, a fixed COLUMNS, HOME in the temporary folder, and no AWS_* or TRAILWATCH_*
 *   settings from the caller.
 * Elapsed times (`in 0.9s`, `"seconds":0.9`) are not compared, and not rewritten when nothing else
 * changed.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { BUILT_CLI as CLI, spawnCli } from '../test/helpers/cli';
import type { LocalS3 } from '../test/helpers/s3rver';
import {
  type ExampleBlock,
  findExamples,
  lineDiff,
  normalizeVolatile,
  renderExample,
  shapeOutput,
} from './docs-markdown';

// the s3rver helper loads the AWS SDK, which warns on every run under Node.js 20
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROOT = resolve(__dirname, '..');
const SHARED = resolve(ROOT, '..', 'shared');
const CORPUS_ARG = '../shared/corpus/real';
const SHOWN_PROJECT = '/home/me/trailwatch';
const SHOWN_SHARED = '/home/me/shared';
const EXAMPLE_BUCKET = 'acme-cloudtrail';
const DEFAULT_STORE = 'corpus';

/** The Markdown files holding examples: README.md, then docs/*.md by name (absolute paths). */
function docFiles(root = ROOT): string[] {
  const docs = join(root, 'docs');
  const inDocs = existsSync(docs)
    ? readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => join(docs, f))
    : [];
  return [join(root, 'README.md'), ...inDocs];
}

/** A file's name in messages: relative to the project when inside it. */
function shown(path: string): string {
  const rel = relative(ROOT, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function runCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const { code, out, err } = await spawnCli([...args], { cwd, env });
  return { code, stdout: out, stderr: err };
}

/** A project folder beside a link to ../shared, as a clone sits beside it. */
class Workspace {
  readonly project: string;
  /** HOME of the commands: no AWS config or credentials of this machine's user. */
  readonly home: string;
  private readonly shared: string;

  constructor(base: string, name: string) {
    const dir = join(base, name);
    this.home = dir;
    this.project = join(dir, 'trailwatch');
    this.shared = join(dir, 'shared');
    mkdirSync(this.project, { recursive: true });
    symlinkSync(SHARED, this.shared, 'dir');
  }

  /** Paths of this machine as a reader's clone would show them. */
  normalize(text: string): string {
    const pairs: [string, string][] = [
      [this.project, SHOWN_PROJECT],
      [this.shared, SHOWN_SHARED],
      [realpathSync(SHARED), SHOWN_SHARED],
      [ROOT, SHOWN_PROJECT],
    ];
    let out = text;
    for (const [from, to] of pairs) out = out.split(from).join(to);
    return out;
  }
}

function baseEnv(workspace: Workspace): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: workspace.home,
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    COLUMNS: '120',
    NO_COLOR: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export interface Outcome {
  readonly block: ExampleBlock;
  /** The block as the command prints it now. */
  readonly fresh: string;
  /** Differs from the file in more than elapsed times. */
  readonly differs: boolean;
}

/** The setup of the default store: the corpus ingested into it. */
const SETUP_ARGS = ['ingest', CORPUS_ARG];

interface Store {
  readonly workspace: Workspace;
  /** The setup run (default store only). */
  readonly setup?: Run;
}

class Runner {
  private readonly base = mkdtempSync(join(tmpdir(), 'trailwatch-docs-'));
  private readonly stores = new Map<string, Promise<Store>>();
  private s3: Promise<LocalS3> | undefined;

  private store(name: string): Promise<Store> {
    let store = this.stores.get(name);
    if (!store) {
      store = this.openStore(name);
      this.stores.set(name, store);
    }
    return store;
  }

  private async openStore(name: string): Promise<Store> {
    const workspace = new Workspace(this.base, name);
    if (name !== DEFAULT_STORE) return { workspace };
    const setup = await runCli(SETUP_ARGS, workspace.project, baseEnv(workspace));
    if (setup.code > 1)
      throw new Error(`ingesting ${CORPUS_ARG} failed (exit ${setup.code}): ${setup.stderr}`);
    return { workspace, setup };
  }

  /** s3rver holding the example bucket: the corpus laid out as an organization trail delivers it. */
  private async startS3(): Promise<LocalS3> {
    // loaded only when an example reads the bucket
    const { layOut, recordsUnder } = await import('../test/helpers/bucket-layout');
    const { startS3rver } = await import('../test/helpers/s3rver');
    const layout = layOut(await recordsUnder(join(SHARED, 'corpus', 'real')), {
      organization: true,
      folderMarkers: true,
    });
    const s3 = await startS3rver([EXAMPLE_BUCKET]);
    const puts = [...layout.files.map((f) => [f.key, f.body] as const), ...layout.others];
    for (let i = 0; i < puts.length; i += 16)
      await Promise.all(puts.slice(i, i + 16).map(([key, body]) => s3.put(EXAMPLE_BUCKET, key, body)));
    return s3;
  }

  private async s3Env(): Promise<NodeJS.ProcessEnv> {
    this.s3 ??= this.startS3();
    return {
      AWS_ENDPOINT_URL_S3: (await this.s3).endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    };
  }

  async run(block: ExampleBlock): Promise<Outcome> {
    const where = `${shown(block.file)}:${block.line}`;
    const { workspace, setup } = await this.store(block.options.store ?? DEFAULT_STORE);
    let run: Run;
    if (block.options.setup) {
      if (!setup || block.args.join(' ') !== SETUP_ARGS.join(' '))
        throw new Error(`${where}: | setup shows the default store's \`trailwatch ${SETUP_ARGS.join(' ')}\``);
      run = setup;
    } else {
      const env = { ...baseEnv(workspace), ...(block.options.s3 ? await this.s3Env() : {}) };
      run = await runCli(block.args, workspace.project, env);
    }
    if (run.code !== block.options.exit) {
      throw new Error(
        `${where}: \`${block.command}\` exited with ${run.code}, expected ${block.options.exit} (| exit N):\n${run.stderr}${run.stdout}`,
      );
    }
    const output = shapeOutput(
      workspace.normalize(run.stdout),
      workspace.normalize(run.stderr),
      block.options,
    );
    const fresh = renderExample(block.command, output);
    return { block, fresh, differs: normalizeVolatile(fresh) !== normalizeVolatile(block.current) };
  }

  async close(): Promise<void> {
    if (this.s3) await (await this.s3).close();
    rmSync(this.base, { recursive: true, force: true });
  }
}

/**
 * Runs every example of the files; resolves to their outcomes, in document order. The blocks of
 * one store run one after the other, in document order; the stores run side by side.
 */
async function runExamples(
  files: readonly string[],
  log: (line: string) => void = () => {},
): Promise<Outcome[]> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  if (!existsSync(join(SHARED, 'corpus', 'real')))
    throw new Error(`${join(SHARED, 'corpus', 'real')} is missing: the examples index the shared corpus`);
  const blocks = files.flatMap((f) => findExamples(readFileSync(f, 'utf8'), f));
  const byStore = new Map<string, ExampleBlock[]>();
  for (const block of blocks) {
    const name = block.options.store ?? DEFAULT_STORE;
    byStore.set(name, [...(byStore.get(name) ?? []), block]);
  }
  const runner = new Runner();
  const outcomes = new Map<ExampleBlock, Outcome>();
  try {
    const runs = await Promise.allSettled(
      [...byStore.values()].map(async (group) => {
        for (const block of group) {
          const started = Date.now();
          outcomes.set(block, await runner.run(block));
          log(
            `${shown(block.file)}:${block.line} ${block.command} (${((Date.now() - started) / 1000).toFixed(1)}s)`,
          );
        }
      }),
    );
    const failed = runs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    await runner.close();
  }
  return blocks.map((b) => outcomes.get(b) as Outcome);
}

/** Writes the changed blocks back; returns the files changed. */
function rewrite(outcomes: readonly Outcome[]): string[] {
  const changed: string[] = [];
  for (const file of new Set(outcomes.map((o) => o.block.file))) {
    const mine = outcomes.filter((o) => o.block.file === file && o.differs);
    if (mine.length === 0) continue;
    let text = readFileSync(file, 'utf8');
    // from the end, so earlier offsets stay valid
    for (const o of [...mine].sort((a, b) => b.block.start - a.block.start)) {
      text = text.slice(0, o.block.start) + o.fresh + text.slice(o.block.end);
    }
    writeFileSync(file, text);
    changed.push(shown(file));
  }
  return changed;
}

const USAGE = 'usage: docs-examples.ts [--check] [FILE.md...] (default: README.md and docs/*.md)';

async function main(argv: readonly string[]): Promise<number> {
  const check = argv.includes('--check');
  const options = argv.filter((a) => a.startsWith('-') && a !== '--check');
  if (options.length > 0) {
    console.error(`docs:examples: unknown option ${options.join(' ')} (${USAGE})`);
    return 2;
  }
  const given = argv.filter((a) => !a.startsWith('-')).map((a) => resolve(a));
  const started = Date.now();
  const outcomes = await runExamples(given.length > 0 ? given : docFiles(), (l) =>
    console.error(`docs:examples: ${l}`),
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const differing = outcomes.filter((o) => o.differs);
  if (check) {
    for (const o of differing) {
      console.error(
        `${shown(o.block.file)}:${o.block.line}: example \`${o.block.command}\` differs from what the command prints now:\n` +
          lineDiff(normalizeVolatile(o.block.current), normalizeVolatile(o.fresh)),
      );
    }
    console.error(
      differing.length > 0
        ? `docs:examples: ${differing.length} of ${outcomes.length} example(s) out of date; run npm run docs:examples (${seconds}s)`
        : `docs:examples: ${outcomes.length} example(s) up to date (${seconds}s)`,
    );
    return differing.length > 0 ? 1 : 0;
  }
  const changed = rewrite(outcomes);
  console.error(
    `docs:examples: ${outcomes.length} example(s), ${differing.length} rewritten` +
      `${changed.length ? ` in ${changed.join(', ')}` : ''} (${seconds}s)`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`docs:examples: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
