import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The page of `trailwatch ui` (ui/) puts record text into the DOM as text only, and has no inline
 * script or style (its CSP: default-src 'self'). What the browser tests check on the rendered page,
 * checked here on the sources, so that a change that would need `unsafe-inline` or markup fails early.
 */

const UI = join(__dirname, '..', '..', 'ui');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe('the page of trailwatch ui', () => {
  const sources = files(UI).filter((f) => /\.(ts|tsx)$/.test(f));

  it('never writes markup into the DOM (no innerHTML, outerHTML, insertAdjacentHTML, document.write, dangerouslySetInnerHTML)', () => {
    expect(sources.length).toBeGreaterThan(20);
    const offenders = sources.filter((f) =>
      /\b(innerHTML|outerHTML|insertAdjacentHTML|dangerouslySetInnerHTML)\b|document\.write/.test(
        readFileSync(f, 'utf8'),
      ),
    );
    expect(offenders.map((f) => relative(UI, f))).toEqual([]);
  });

  it('sets no inline style (style attributes and style properties the CSP would refuse or that bypass the stylesheets)', () => {
    const offenders = sources.filter((f) =>
      /\bstyle=\{|\.style\.|setAttribute\(\s*'style'/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders.map((f) => relative(UI, f))).toEqual([]);
  });

  it('loads its script and styles from files of its own origin: no inline script or style in index.html, no other site', () => {
    const html = readFileSync(join(UI, 'index.html'), 'utf8');
    expect(html).toMatch(/<script type="module" src="\/app\.js"><\/script>/);
    expect(html).toMatch(/<link rel="stylesheet" href="\/app\.css" \/>/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\bstyle=|\bon[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('uses the timeline build that inserts no <style> element (vis-timeline peer, not standalone)', () => {
    const imports = sources.flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/from '(vis-[^']+)'/g)].map((m) => m[1]),
    );
    expect(imports).toContain('vis-timeline');
    expect(imports.filter((i) => i?.includes('standalone'))).toEqual([]);
  });
});
