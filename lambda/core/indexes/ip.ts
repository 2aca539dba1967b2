import { UsageError } from '../errors';
import { canonicalIp, sourceAddresses } from '../ip';
import { defineIndex } from './define';

/** What `query ip` says of a value that is not one address. */
function notAnAddress(value: string, typed: string): UsageError {
  const shown = typed.slice(0, 80);
  const hint = value.includes('/')
    ? ' (one address, not a network)'
    : /[a-z]/i.test(value) && !value.includes(':')
      ? ' (calls made by AWS services, whose source is a name such as ec2.amazonaws.com, are not indexed by IP)'
      : '';
  return new UsageError(`'${shown}' is not an IPv4 or IPv6 address${hint}`, 'ip');
}

/**
 * Events by the IP address they were made from: `IP#<address>` for each address of
 * `sourceIPAddress` (none for an AWS service's name), IPv4 without leading zeros, IPv6 lower case and
 * compressed (`canonicalIp`), so that each spelling of an address finds the same events.
 */
export const ipIndex = defineIndex({
  kind: 'ip',
  prefix: 'IP#',
  normalize: (ip) => canonicalIp(ip) ?? ip,
  valuesOf: (event) => sourceAddresses(event.sourceIPAddress),
  lookup: {
    argument: '<address>',
    description: 'events made from one source IP address (IPv4 or IPv6)',
    examples: [
      ['what was done from one address', '6.237.252.245'],
      ['an IPv6 address, written any way, in the last day', '2001:db8:0::1 --since 24h'],
    ],
    valueOf(address, typed) {
      const ip = canonicalIp(address);
      if (ip === undefined) throw notAnAddress(address, typed);
      return ip;
    },
  },
});
