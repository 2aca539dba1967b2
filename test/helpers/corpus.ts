import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The shared corpus beside the project (../shared/corpus/real), when present. */
export const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus', 'real');
export const FIXTURES = join(__dirname, '..', 'fixtures');
export const corpusPresent = existsSync(join(CORPUS, 'SOURCES.md'));

/** `describe` that skips, saying why, when ../shared/corpus/real is absent. */
export const describeWithCorpus: jest.Describe = corpusPresent
  ? describe
  : (((name: string, fn: () => void) =>
      describe.skip(
        `${name} (skipped: ../shared/corpus/real is not beside the project)`,
        fn,
      )) as unknown as jest.Describe);
