/** What the timeline's marks mean (by shape and label, not by colour alone). */
export function TimelineLegend() {
  return (
    <ul class="tw-legend" aria-label="Legend">
      <li>
        <span class="tw-swatch tw-swatch-finding" aria-hidden="true">
          ⚑
        </span>
        finding (rule named on the mark)
      </li>
      <li>
        <span class="tw-swatch tw-swatch-access" aria-hidden="true" />
        access to the instance (key push, session, command, …)
      </li>
      <li>
        <span class="tw-swatch tw-swatch-call" aria-hidden="true" />
        other API call
      </li>
      <li>
        <span class="tw-swatch tw-swatch-failed" aria-hidden="true" />
        failed call (dashed)
      </li>
      <li>Scroll the wheel over the timeline to zoom, drag to move; click a mark for its event.</li>
    </ul>
  );
}
