/** The process environment without AWS credentials, region or a default database. */
export function credentiallessEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: undefined,
    TRAILWATCH_DB: undefined,
  };
}

/** Points the AWS SDK of this process at a local S3 (s3rver), plus any `extra` variables. */
export function useLocalS3(s3Endpoint: string, extra: Record<string, string> = {}): void {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    ...extra,
    POWERTOOLS_LOG_LEVEL: 'WARN',
  });
}

/** Restores the environment saved before, then closes each server in turn. */
export async function restoreAndClose(
  saved: NodeJS.ProcessEnv,
  ...servers: { close(): Promise<void> }[]
): Promise<void> {
  process.env = saved;
  for (const server of servers) await server.close();
}
