#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { TrailwatchStack } from '../lib/trailwatch-stack';

const app = new App();
new TrailwatchStack(app, 'Trailwatch', {
  description:
    'trailwatch: an index of EC2, EBS and EC2 Instance Connect events from CloudTrail, with alarms on suspicious SSH key pushes',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// guardrails: every synth and deploy fails on an unacknowledged cdk-nag finding
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
