import {
  EXIT_INTERRUPTED,
  Interrupt,
  RESTORE_TERMINAL,
  type SignalSource,
  withInterrupt,
} from '../../bin/cli/interrupt';
import { OutOfTimeError } from '../../lambda/core/errors';
import { checkCanContinue, checkCanStart } from '../../lambda/core/time-budget';
import { recordingIo } from '../helpers/io';

/** Signals sent by the test; what the module wrote to the terminal and whether it ended the process. */
function signals(): SignalSource & {
  send(signal: NodeJS.Signals): void;
  readonly listeners: number;
  readonly terminal: string[];
  readonly exits: number[];
} {
  const listeners = new Set<(signal: NodeJS.Signals) => void>();
  const terminal: string[] = [];
  const exits: number[] = [];
  return {
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    writeTerminal: (text) => terminal.push(text),
    exit: (code) => exits.push(code),
    send: (signal) => {
      for (const l of [...listeners]) l(signal);
    },
    get listeners() {
      return listeners.size;
    },
    terminal,
    exits,
  };
}

describe('Ctrl-C during ingest and backfill (bin/cli/interrupt.ts)', () => {
  it('the first signal: stops the bar first, then says what happens; the work goes on to its summary', async () => {
    const source = signals();
    const { io, err } = recordingIo({ interactive: true });
    const order: string[] = [];
    const result = await withInterrupt(
      io,
      async (interrupt) => {
        interrupt.onInterrupt(() => order.push(`bar stopped (${err.length} lines before)`));
        expect(interrupt.interrupted).toBe(false);
        source.send('SIGINT');
        expect(interrupt).toMatchObject({ interrupted: true, signal: 'SIGINT' });
        return 'partial summary';
      },
      source,
    );
    expect(result).toBe('partial summary');
    expect(order).toEqual(['bar stopped (0 lines before)']);
    expect(err).toEqual([
      expect.stringMatching(
        /^trailwatch: Ctrl-C: stopping: no new file is started; .*\(Ctrl-C again to quit at once\)$/,
      ),
    ]);
    expect(source.exits).toEqual([]);
  });

  it('the second signal: the terminal restored (cursor, auto-wrap), then exit 130 at once', async () => {
    const source = signals();
    const { io, err } = recordingIo({ interactive: true });
    await withInterrupt(
      io,
      async () => {
        source.send('SIGINT');
        source.send('SIGINT');
      },
      source,
    );
    expect(RESTORE_TERMINAL).toBe('\x1b[?25h\x1b[?7h');
    expect(source.terminal).toEqual([RESTORE_TERMINAL]);
    expect(source.exits).toEqual([EXIT_INTERRUPTED]);
    expect(EXIT_INTERRUPTED).toBe(130);
    expect(err[1]).toMatch(/^trailwatch: Ctrl-C again: quit at once; /);
  });

  it('no escape sequence when stderr is not a terminal; SIGTERM is named as such', async () => {
    const source = signals();
    const { io, err } = recordingIo({ interactive: false });
    await withInterrupt(
      io,
      async () => {
        source.send('SIGTERM');
        source.send('SIGTERM');
      },
      source,
    );
    expect(source.terminal).toEqual([]);
    expect(source.exits).toEqual([EXIT_INTERRUPTED]);
    expect(err[0]).toMatch(/^trailwatch: SIGTERM: stopping: /);
  });

  it('stops listening once the work is over, also when it failed', async () => {
    const source = signals();
    const { io } = recordingIo();
    await withInterrupt(io, async () => expect(source.listeners).toBe(1), source);
    expect(source.listeners).toBe(0);
    await expect(
      withInterrupt(
        io,
        async () => {
          throw new Error('store gone');
        },
        source,
      ),
    ).rejects.toThrow('store gone');
    expect(source.listeners).toBe(0);
  });

  it('a callback registered after the signal runs at once; one that throws does not stop the others', () => {
    const interrupt = new Interrupt();
    const ran: string[] = [];
    interrupt.onInterrupt(() => {
      throw new Error('bar gone');
    });
    interrupt.onInterrupt(() => ran.push('before'));
    interrupt.trigger('SIGINT');
    interrupt.trigger('SIGTERM'); // the first one counts
    interrupt.onInterrupt(() => ran.push('after'));
    expect(ran).toEqual(['before', 'after']);
    expect(interrupt.signal).toBe('SIGINT');
  });

  it("the pipeline's budget: unlimited until the signal, then no file starts and none goes on", () => {
    const interrupt = new Interrupt();
    expect(() => checkCanStart(interrupt.budget, 'file:///a.json')).not.toThrow();
    expect(() => checkCanContinue(interrupt.budget, 'file:///a.json')).not.toThrow();
    interrupt.trigger('SIGINT');
    expect(() => checkCanStart(interrupt.budget, 'file:///a.json')).toThrow(OutOfTimeError);
    expect(() => checkCanContinue(interrupt.budget, 'file:///a.json')).toThrow(OutOfTimeError);
  });

  it('a file is abandoned by the signal only when it stopped for lack of time after it', () => {
    const interrupt = new Interrupt();
    const outOfTime = { error: new OutOfTimeError('stopped part-way', 'file:///a.json') };
    expect(interrupt.abandoned(outOfTime)).toBe(false);
    interrupt.trigger('SIGINT');
    expect(interrupt.abandoned(outOfTime)).toBe(true);
    expect(interrupt.abandoned({ error: new OutOfTimeError('x') })).toBe(true);
    expect(interrupt.abandoned({})).toBe(false);
    expect(interrupt.abandoned(undefined)).toBe(false);
  });
});
