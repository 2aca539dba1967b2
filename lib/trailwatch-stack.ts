import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EventTable } from './constructs/event-table';

/**
 * The trailwatch stack. For now it holds the index table only; the trail, bucket, queue, function
 * and alarms come with the stack issue.
 */
export class TrailwatchStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const events = new EventTable(this, 'Events');
    new CfnOutput(this, 'TableName', {
      value: events.table.tableName,
      description: 'DynamoDB table of the index (trailwatch --table)',
    });
  }
}
