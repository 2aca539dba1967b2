import { EC2_SOURCE } from '../access/events';
import { field } from '../json';
import { eventsNamed } from './applies';
import { detail, integer, itemsOf, scalar, shown } from './request-fields';
import { defineRule, fire, PASS } from './rule';

const applies = eventsNamed(EC2_SOURCE, 'RunInstances');

/** `*` patterns (`p*`, `*.metal*`) as one case-insensitive test each, compiled once per list. */
const compiled = new WeakMap<readonly string[], readonly { pattern: string; re: RegExp }[]>();

function patternsOf(list: readonly string[]): readonly { pattern: string; re: RegExp }[] {
  let out = compiled.get(list);
  if (!out) {
    out = list.map((pattern) => ({
      pattern,
      re: new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'i'),
    }));
    compiled.set(list, out);
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function matching(list: readonly string[], type: string): string | undefined {
  return patternsOf(list).find((p) => p.re.test(type))?.pattern;
}

/**
 * The instance types a launch asks for: the request's `instanceType`; when it names none (a launch
 * template gives it), the types of the instances the response says were started.
 */
function typesOf(request: unknown, response: unknown): string[] {
  const asked = scalar(request, 'instanceType');
  if (asked !== undefined) return [asked];
  const types: string[] = [];
  for (const instance of itemsOf(field(response, 'instancesSet'))) {
    const type = scalar(instance, 'instanceType');
    if (type !== undefined && !types.includes(type)) types.push(type);
  }
  return types;
}

/** Why the type is reported, or undefined. */
function reason(type: string, allow: readonly string[], watch: readonly string[]): string | undefined {
  const watched = matching(watch, type);
  if (watched !== undefined) return `in the watch-list (${shown(watched)})`;
  if (allow.length > 0 && matching(allow, type) === undefined) return 'outside the allow-list';
  return undefined;
}

/** GPU, accelerated or very large instances asked for: mining or other resource hijacking. */
export const ec2UnusualInstanceType = defineRule({
  id: 'ec2-unusual-instance-type',
  title: 'a launch asking for an unusual instance type (GPU, accelerated, very large, or not allowed)',
  firesWhen:
    'a `RunInstances`, whatever its outcome (denied and over-quota attempts too), asks for a type matching `instanceTypeWatchList`, or outside `instanceTypeAllowList` when that is set',
  settings: ['instanceTypeAllowList', 'instanceTypeWatchList'],
  falsePositives:
    'machine-learning, HPC or large database workloads; add their types to the allow-list and trim the watch-list',
  severity: 'medium',
  attack: 'T1496',
  stratus: 'aws.execution.ec2-launch-unusual-instances',
  family: 'threat',
  appliesTo: applies,
  stateful: false,
  evaluate(event, { settings, request, response }) {
    if (!applies(event)) return PASS;
    const reported: string[] = [];
    for (const type of typesOf(request, response)) {
      const why = reason(type, settings.instanceTypeAllowList, settings.instanceTypeWatchList);
      if (why !== undefined) reported.push(`instance type ${shown(type)} ${why}`);
    }
    if (reported.length === 0) return PASS;
    const count = integer(itemsOf(field(request, 'instancesSet'))[0], 'maxCount');
    const how = count === undefined ? '' : `, up to ${count} instance${count === 1 ? '' : 's'}`;
    const outcome = event.errorCode ? `; failed: ${shown(event.errorCode)}` : '';
    return fire(detail(`${reported.join('; ')}${how}${outcome}`));
  },
});
