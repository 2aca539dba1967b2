import { hrefFor, resourceHref } from '../lib/route';
import type { Related } from '../lib/types';

const GROUPS: readonly { key: keyof Related; label: string; kind: 'resource' | 'keypair' }[] = [
  { key: 'volumes', label: 'Volumes', kind: 'resource' },
  { key: 'securityGroups', label: 'Security groups', kind: 'resource' },
  { key: 'networkInterfaces', label: 'Network interfaces', kind: 'resource' },
  { key: 'keyPairs', label: 'Key pairs', kind: 'keypair' },
  { key: 'other', label: 'Other resources', kind: 'resource' },
];

/** What the index links to the instance, each linking to its own events. */
export function RelatedResources({ related }: { readonly related: Related }) {
  const present = GROUPS.filter((g) => (related[g.key] ?? []).length > 0);
  if (present.length === 0)
    return <p class="tw-empty">The index links no other resource to this instance.</p>;
  return (
    <dl class="tw-related">
      {present.map((g) => (
        <div key={g.key} class="tw-related-group">
          <dt>{g.label}</dt>
          <dd>
            <ul>
              {(related[g.key] ?? []).map((id) => (
                <li key={id}>
                  <a
                    class="tw-mono"
                    href={
                      g.kind === 'keypair' && !id.startsWith('key-')
                        ? hrefFor('keypair', id)
                        : resourceHref(id)
                    }
                  >
                    {id}
                  </a>
                </li>
              ))}
            </ul>
          </dd>
        </div>
      ))}
    </dl>
  );
}
