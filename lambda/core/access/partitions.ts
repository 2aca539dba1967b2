import { canonicalIp } from '../ip';
import { keys } from '../items';

/**
 * The partitions `trailwatch access` reads besides `INSTANCE#`: an SSM session's events, the events
 * that name a private IP address, the calls an instance made with its own credentials, and the events
 * made from a source IP. They are the registry's own keys (`keys` in ../items.ts, from ../indexes/).
 */
export const accessPartitions = {
  // read when called, not when this module loads (the rules and items.ts import each other through it)
  session: (sessionId: string): string => keys.session(sessionId),
  privateIp: (address: string): string => keys.privateIp(address),
  actor: (instanceId: string): string => keys.actor(instanceId),
  ip: (address: string): string => keys.ip(address),
};

/**
 * An IP address as the index keys it (`canonicalIp`): undefined for what is not an address
 * (`ec2.amazonaws.com`, `AWS Internal`).
 */
export function canonicalAddress(text: string | undefined): string | undefined {
  return text === undefined ? undefined : canonicalIp(text);
}
