import { App, type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { TrailwatchStack } from '../../lib/trailwatch-stack';

export const ENV = { account: '123456789012', region: 'us-east-1' };

export interface Synthesized {
  readonly app: App;
  readonly stack: Stack;
  readonly template: Template;
}

/**
 * The stack synthesized with the given context (`trailwatch:*` settings). Bundling is skipped (the
 * function's code is a placeholder) unless `bundle` is set: templates do not depend on it.
 */
export function synth(
  context: Record<string, unknown> = {},
  options: { bundle?: boolean; nag?: boolean; outdir?: string; extend?: (stack: Stack) => void } = {},
): Synthesized {
  const app = new App({
    context: { ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const stack = new TrailwatchStack(app, 'Trailwatch', { env: ENV });
  options.extend?.(stack);
  if (options.nag)
    Validations.of(app).addPlugins(
      new AwsSolutionsChecks(app, { verbose: true }),
      new ServerlessChecks(app, { verbose: true }),
    );
  // synthesizes the app: with `nag`, throws on any unacknowledged finding
  return { app, stack, template: Template.fromStack(stack) };
}
