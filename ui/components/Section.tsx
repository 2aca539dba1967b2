import type { ComponentChildren } from 'preact';

interface Props {
  readonly id: string;
  readonly title: string;
  /** Shown after the title, e.g. a count. */
  readonly note?: string;
  /** Buttons at the right of the heading (exports). */
  readonly actions?: ComponentChildren;
  readonly children: ComponentChildren;
}

/** A titled part of a page (a landmark named by its heading). */
export function Section({ id, title, note, actions, children }: Props) {
  return (
    <section class="tw-section" aria-labelledby={`${id}-title`}>
      <div class="tw-section-head">
        <h2 id={`${id}-title`}>
          {title}
          {note && <span class="tw-count"> {note}</span>}
        </h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
