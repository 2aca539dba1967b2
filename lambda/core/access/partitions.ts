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

export { canonicalAddress } from '../ip';
