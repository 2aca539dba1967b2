import type { IndexedEvent } from '../../../lambda/core/event';

/**
 * The resources around an instance, as its events name them: its volumes, security groups, network
 * interfaces and key pairs (names and `key-` IDs), and the other IDs (subnets, VPCs, images,
 * snapshots, Elastic IP allocations, launch templates), each list sorted, without repeats.
 */
export interface RelatedResources {
  readonly volumes: string[];
  readonly securityGroups: string[];
  readonly networkInterfaces: string[];
  /** Key pair names (`query keypair`) and key pair IDs `key-…` (`query resource`). */
  readonly keyPairs: string[];
  readonly other: string[];
}

type Group = keyof RelatedResources;

/** The group of a resource ID, by its prefix; `other` for every other kind. */
const BY_PREFIX: readonly (readonly [string, Group])[] = [
  ['vol-', 'volumes'],
  ['sg-', 'securityGroups'],
  ['eni-', 'networkInterfaces'],
  ['key-', 'keyPairs'],
];

/** The resources the events name (their `resourceIds` and key pair names). */
export function relatedResources(events: readonly IndexedEvent[]): RelatedResources {
  const groups: Record<Group, Set<string>> = {
    volumes: new Set(),
    securityGroups: new Set(),
    networkInterfaces: new Set(),
    keyPairs: new Set(),
    other: new Set(),
  };
  for (const event of events) {
    for (const id of event.resourceIds) {
      const group = BY_PREFIX.find(([prefix]) => id.toLowerCase().startsWith(prefix))?.[1] ?? 'other';
      groups[group].add(id);
    }
    for (const name of event.keyNames ?? []) if (name.trim() !== '') groups.keyPairs.add(name.trim());
  }
  const sorted = (s: Set<string>): string[] => [...s].sort();
  return {
    volumes: sorted(groups.volumes),
    securityGroups: sorted(groups.securityGroups),
    networkInterfaces: sorted(groups.networkInterfaces),
    keyPairs: sorted(groups.keyPairs),
    other: sorted(groups.other),
  };
}
