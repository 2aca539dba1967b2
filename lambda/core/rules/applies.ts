import type { IndexedEvent } from '../event';
import { KEY_PUSH_EVENTS } from '../ssh';

/** What the rules apply to (their `appliesTo`), shared by several. */

/** An EC2 Instance Connect key push (SendSSHPublicKey, SendSerialConsoleSSHPublicKey). */
export function isKeyPush(event: IndexedEvent): boolean {
  return KEY_PUSH_EVENTS.has(event.eventName);
}

/** `appliesTo` of a rule on some event names of one source, whatever their outcome. */
export function eventsNamed(source: string, ...names: string[]): (event: IndexedEvent) => boolean {
  const set = new Set(names);
  return (event) => event.eventSource === source && set.has(event.eventName);
}

/** The same, successful calls only (the change was made). */
export function successfulEventsNamed(source: string, ...names: string[]): (event: IndexedEvent) => boolean {
  const named = eventsNamed(source, ...names);
  return (event) => event.errorCode === undefined && named(event);
}
