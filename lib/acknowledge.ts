import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * A value (often a token) as cdk-nag writes it in granular finding IDs:
 * `{ "Fn::GetAtt": ["Bucket", "Arn"] }` → `<Bucket.Arn>`, `{ "Ref": "AWS::Partition" }` → `<AWS::Partition>`.
 */
export function nagText(scope: IConstruct, value: string): string {
  const render = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.Ref === 'string') return `<${o.Ref}>`;
      const att = o['Fn::GetAtt'];
      if (Array.isArray(att)) return `<${att.join('.')}>`;
      const join = o['Fn::Join'];
      if (Array.isArray(join) && Array.isArray(join[1]))
        return (join[1] as unknown[]).map(render).join(String(join[0]));
    }
    return JSON.stringify(v);
  };
  return render(Stack.of(scope).resolve(value));
}

/**
 * Acknowledges one cdk-nag finding on one construct (the narrowest scope), with the reason it is
 * accepted. `finding` narrows a granular rule (`AwsSolutions-IAM5[Resource::…]`) to one occurrence.
 */
export function acknowledge(scope: IConstruct, rule: string, reason: string, finding?: string): void {
  Validations.of(scope).acknowledge({ id: finding === undefined ? rule : `${rule}[${finding}]`, reason });
}
