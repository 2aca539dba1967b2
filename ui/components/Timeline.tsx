import moment from 'moment';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type DataGroup, type DataItem, type TimelineOptions, Timeline as VisTimeline } from 'vis-timeline';
import { buildLanes, type LaneMode, type Mark } from '../lib/lanes';
import { eventHref } from '../lib/route';
import { laneContent, markClass, markContent, markTitle } from '../lib/timeline-dom';
import type { AccessLine, EventLine, FindingLine } from '../lib/types';
import { TimelineLegend } from './TimelineLegend';

interface Props {
  readonly events: readonly EventLine[];
  readonly access: readonly AccessLine[];
  readonly findings: readonly FindingLine[];
  /** The visible range after the user zoomed or moved. */
  readonly onRange?: (start: Date, end: Date) => void;
}

const MINUTE = 60_000;

const OPTIONS: TimelineOptions = {
  moment: (date: moment.MomentInput) => moment(date).utc(),
  stack: true,
  align: 'left',
  zoomMin: 1000,
  zoomMax: 5 * 365 * 24 * 60 * MINUTE,
  orientation: { axis: 'top', item: 'top' },
  margin: { item: { horizontal: 6, vertical: 8 }, axis: 10 },
  minHeight: 160,
  maxHeight: 460,
  verticalScroll: true,
  groupOrder: 'order',
  showCurrentTime: false,
  multiselect: false,
  tooltip: { followMouse: true, overflowMethod: 'cap', delay: 150 },
};

function item(mark: Mark): DataItem {
  // vis-timeline takes elements for content and title (its types say strings): text nodes only, no markup.
  return {
    id: mark.id,
    group: mark.lane,
    start: mark.start,
    ...(mark.end ? { end: mark.end, type: 'range' } : { type: 'box' }),
    content: markContent(mark) as unknown as string,
    title: markTitle(mark) as unknown as string,
    className: markClass(mark),
  };
}

/** Room kept right of the last mark for its box (a box starts at its time and runs right), in pixels. */
const BOX_ROOM = 380;

/**
 * The window that shows all marks: a little room on the left, the width of a box on the right, a few
 * minutes either side when they all fall within one moment.
 */
function windowFor(marks: readonly Mark[], width: number): { start: number; end: number } | undefined {
  if (marks.length === 0) return undefined;
  const times = marks.flatMap((m) => [Date.parse(m.start), Date.parse(m.end ?? m.start)]);
  const min = Math.min(...times);
  const max = Math.max(...times);
  const span = Math.max(max - min, 10 * MINUTE);
  const right = Math.min(BOX_ROOM / Math.max(width, 1), 0.6);
  const total = span / (1 - right - 0.04);
  return { start: min - total * 0.04, end: max + total * right };
}

function fitAll(chart: VisTimeline, marks: readonly Mark[], width: number): void {
  const window = windowFor(marks, width);
  if (window) chart.setWindow(window.start, window.end, { animation: false });
}

/** The width of the timeline's item area (the chart without its lane labels). */
function itemsWidth(container: HTMLElement | null): number {
  const center = container?.querySelector<HTMLElement>('.vis-panel.vis-center');
  return center?.clientWidth || (container?.clientWidth ?? 1000) - 200;
}

/**
 * An instance's events on a time axis: one lane per principal (or per access method), findings marked,
 * zoom by wheel or buttons. Each mark is a link to its event.
 */
export function Timeline({ events, access, findings, onRange }: Props) {
  const [mode, setMode] = useState<LaneMode>('principal');
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<VisTimeline | null>(null);
  const data = useMemo(() => buildLanes(events, access, findings, mode), [events, access, findings, mode]);
  const rangeListener = useRef(onRange);
  rangeListener.current = onRange;

  // Created once (the effect below follows `data`).
  useEffect(() => {
    if (!box.current) return undefined;
    // The first window is an option: vis-timeline fits the items itself on its first draw otherwise.
    const first = windowFor(data.marks, itemsWidth(box.current));
    const created = new VisTimeline(box.current, [], [], { ...OPTIONS, ...first });
    created.on('click', (props: { item?: string | number | null; what?: string | null }) => {
      if (props.item !== null && props.item !== undefined && props.what === 'item')
        location.hash = eventHref(String(props.item));
    });
    created.on('rangechanged', (props: { start: Date; end: Date; byUser: boolean }) => {
      if (props.byUser) rangeListener.current?.(props.start, props.end);
    });
    chart.current = created;
    return () => {
      created.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const current = chart.current;
    if (!current) return;
    const groups: DataGroup[] = data.lanes.map((lane, order) => ({
      id: lane.id,
      content: laneContent(lane),
      order,
    })) as unknown as DataGroup[];
    current.setData({ groups, items: data.marks.map(item) });
    fitAll(current, data.marks, itemsWidth(box.current));
  }, [data]);

  const zoom = (factor: number): void => {
    if (factor > 0) chart.current?.zoomIn(factor);
    else chart.current?.zoomOut(-factor);
  };
  const move = (share: number): void => {
    const current = chart.current;
    if (!current) return;
    const { start, end } = current.getWindow();
    const shift = (end.getTime() - start.getTime()) * share;
    current.setWindow(start.getTime() + shift, end.getTime() + shift);
  };

  return (
    <div class="tw-timeline">
      <div class="tw-toolbar" role="toolbar" aria-label="Timeline">
        <fieldset class="tw-segmented">
          <legend class="tw-visually-hidden">Lanes</legend>
          <span class="tw-toolbar-label" aria-hidden="true">
            Lanes
          </span>
          <label>
            <input
              type="radio"
              name="lanes"
              checked={mode === 'principal'}
              onChange={() => setMode('principal')}
            />
            <span>by principal</span>
          </label>
          <label>
            <input type="radio" name="lanes" checked={mode === 'method'} onChange={() => setMode('method')} />
            <span>by access method</span>
          </label>
        </fieldset>
        <div class="tw-button-group">
          <button type="button" onClick={() => move(-0.5)}>
            <span aria-hidden="true">◀ </span>Earlier
          </button>
          <button type="button" onClick={() => move(0.5)}>
            Later<span aria-hidden="true"> ▶</span>
          </button>
          <button type="button" onClick={() => zoom(0.5)}>
            Zoom in
          </button>
          <button type="button" onClick={() => zoom(-0.5)}>
            Zoom out
          </button>
          <button
            type="button"
            onClick={() => chart.current && fitAll(chart.current, data.marks, itemsWidth(box.current))}
          >
            Show all
          </button>
        </div>
      </div>
      <div class="tw-timeline-chart" ref={box} data-lanes={mode} />
      <TimelineLegend />
    </div>
  );
}
