import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('architecture', () => {
  it('keeps the processing core free of AWS SDK imports (thin edges, pure core)', () => {
    const offenders = sources('lambda/core').filter((f) =>
      /from '@aws-sdk\//.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('reads DynamoDB with Query only: no Scan anywhere in the product', () => {
    const offenders = ['bin', 'lib', 'lambda']
      .flatMap(sources)
      .filter((f) => /\bScan(Command|Input)\b|\.scan\(/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('talks to DynamoDB from the store only (lambda/store/, split by concern)', () => {
    const users = ['bin', 'lib', 'lambda']
      .flatMap(sources)
      .filter((f) =>
        /from '@aws-sdk\/(client-dynamodb|lib-dynamodb)'/.test(readFileSync(join(ROOT, f), 'utf8')),
      )
      .map((f) => relative(ROOT, join(ROOT, f)));
    expect(users).toContain('lambda/store/event-store.ts');
    expect(users.filter((f) => !f.startsWith('lambda/store/'))).toEqual([]);
  });

  it('builds no DynamoDB expression from data: every expression is a constant, values are placeholders', () => {
    const store = sources('lambda/store')
      .map((f) => readFileSync(join(ROOT, f), 'utf8'))
      .join('\n');
    const expressions = [...store.matchAll(/(\w*Expression):\s*([^,\n]+)/g)].filter(
      ([, name]) => name !== 'ExpressionAttributeNames' && name !== 'ExpressionAttributeValues',
    );
    expect(expressions.length).toBeGreaterThanOrEqual(5);
    for (const [, name, value] of expressions) expect(`${name}: ${value}`).toMatch(/^\w+: '[^'`$+]*'$/);
    // attribute names in expressions are placeholders bound to schema constants, never record text
    for (const m of store.matchAll(/ExpressionAttributeNames: \{([^}]*)\}/g))
      expect(m[1]).not.toMatch(/item\.|record|event\./);
  });
});

/** Functions (declarations, methods, arrows) longer than `max` lines in a source file. */
function longFunctions(file: string, max: number): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (last - first + 1 > max) found.push(`${file}:${first + 1} (${last - first + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('sizes a newcomer can read', () => {
  const product = ['bin', 'lib', 'lambda', 'scripts'].flatMap(sources);

  it('keeps every source file under 400 lines', () => {
    const long = product
      .map((f) => ({ f, lines: readFileSync(join(ROOT, f), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines >= 400)
      .map(({ f, lines }) => `${f} (${lines} lines)`);
    expect(long).toEqual([]);
  });

  it('keeps every function of lambda/ and bin/ within 80 lines', () => {
    expect(['bin', 'lambda'].flatMap(sources).flatMap((f) => longFunctions(f, 80))).toEqual([]);
  });
});
