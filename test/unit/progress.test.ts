import { Progress } from '../../bin/cli/progress';
import { recordingIo } from '../helpers/io';

const BAR = { format: 'test [{bar}] {value}/{total}', total: 2, payload: {} };

describe('the progress of ingest and backfill', () => {
  it('prints messages about files at once when no bar is shown', async () => {
    const { io, err } = recordingIo({ interactive: true });
    const progress = new Progress(io, undefined);
    await progress.around(async () => {
      progress.report(['trailwatch: a.json: record #1 rejected: missing eventTime']);
      expect(err).toEqual(['trailwatch: a.json: record #1 rejected: missing eventTime']);
    });
  });

  it('holds them while the bar is shown and prints them, in order, once the work is done', async () => {
    const { io, err } = recordingIo({ interactive: true });
    const progress = new Progress(io, BAR);
    const result = await progress.around(async () => {
      progress.report(['first', 'second']);
      progress.update(1, {});
      progress.report(['third']);
      expect(err).toEqual([]);
      return 42;
    });
    expect(result).toBe(42);
    expect(err).toEqual(['first', 'second', 'third']);
  });

  it('passes on the error of the work', async () => {
    const { io } = recordingIo({ interactive: true });
    const progress = new Progress(io, BAR);
    await expect(progress.around(() => Promise.reject(new Error('listing failed')))).rejects.toThrow(
      'listing failed',
    );
  });
});
