import { hrefFor } from '../lib/route';

/** A source IP address linking to its events; nothing when the event has none. */
export function IpLink({ ip }: { readonly ip: string | undefined }) {
  return ip ? <a href={hrefFor('ip', ip)}>{ip}</a> : null;
}
