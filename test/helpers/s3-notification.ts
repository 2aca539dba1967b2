/** The bucket's NotificationConfiguration that sends new `<prefix>AWSLogs/…json.gz` objects to the queue. */
export function queueNotification(queueId: string, prefix = ''): Record<string, unknown> {
  return {
    QueueConfigurations: [
      {
        Event: 's3:ObjectCreated:*',
        Queue: { 'Fn::GetAtt': [queueId, 'Arn'] },
        Filter: {
          S3Key: {
            Rules: [
              { Name: 'prefix', Value: `${prefix}AWSLogs/` },
              { Name: 'suffix', Value: '.json.gz' },
            ],
          },
        },
      },
    ],
  };
}
