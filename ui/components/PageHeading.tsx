import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

interface Props {
  readonly kicker?: string;
  readonly title: string;
  /** The document's title; the heading's text when not given. */
  readonly docTitle?: string;
  readonly children?: ComponentChildren;
}

/**
 * A page's one h1. It takes the focus when the page opens (screen readers announce the new page) and
 * sets the document's title.
 */
export function PageHeading({ kicker, title, docTitle, children }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${docTitle ?? title} · trailwatch`;
    heading.current?.focus({ preventScroll: true });
  }, [title, docTitle]);
  return (
    <header class="tw-page-head">
      {kicker && <p class="tw-kicker">{kicker}</p>}
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </header>
  );
}
