import type { Command } from 'commander';
import {
  DEFAULT_SETTINGS,
  detectionSettings,
  parseRetentionDays,
  type Settings,
  settingsFromEnv,
} from '../../lambda/core/settings';

/** The pipeline's settings as options (ingest, backfill); the environment gives the defaults. */
export function addSettingsOptions(cmd: Command): Command {
  return cmd
    .option(
      '--include-read-only',
      `also index successful read-only calls (default ${DEFAULT_SETTINGS.includeReadOnly}; env TRAILWATCH_INCLUDE_READ_ONLY)`,
    )
    .option(
      '--retention-days <n>',
      `days items are kept, 0 = forever (default ${DEFAULT_SETTINGS.retentionDays}; env TRAILWATCH_RETENTION_DAYS)`,
    )
    .option(
      '--create-table',
      'with --table: create the table if it does not exist (for local DynamoDB endpoints)',
    )
    .option(
      '--allowed-ssh-cidrs <cidrs>',
      'comma-separated networks SSH key pushes may come from (ssh-source-ip; off when empty)',
    )
    .option('--privileged-os-users <users>', "comma-separated OS users of ssh-root-os-user (default 'root')")
    .option('--multi-instance-window <minutes>', 'window of ssh-key-multi-instance (default 60)')
    .option(
      '--multi-instance-threshold <n>',
      'distinct instances that make ssh-key-multi-instance fire (default 2)',
    )
    .option(
      '--multi-principal-threshold <n>',
      'distinct principals that make ssh-key-multi-principal fire (default 2)',
    );
}

export interface SettingsFlags {
  includeReadOnly?: boolean;
  retentionDays?: string;
  createTable?: boolean;
  allowedSshCidrs?: string;
  privilegedOsUsers?: string;
  multiInstanceWindow?: string;
  multiInstanceThreshold?: string;
  multiPrincipalThreshold?: string;
}

/** Settings: defaults, then the environment (TRAILWATCH_*), then options. */
export function ingestSettings(flags: SettingsFlags, env: NodeJS.ProcessEnv): Settings {
  const fromEnv = settingsFromEnv(env);
  const d = fromEnv.detection;
  return {
    ...fromEnv,
    ...(flags.includeReadOnly ? { includeReadOnly: true } : {}),
    ...(flags.retentionDays !== undefined
      ? { retentionDays: parseRetentionDays(flags.retentionDays, '--retention-days') }
      : {}),
    detection: detectionSettings(
      {
        allowedSshCidrs: flags.allowedSshCidrs ?? d.allowedSshCidrs,
        privilegedOsUsers: flags.privilegedOsUsers ?? d.privilegedOsUsers,
        multiInstanceWindowMinutes: flags.multiInstanceWindow ?? d.multiInstanceWindowMinutes,
        multiInstanceThreshold: flags.multiInstanceThreshold ?? d.multiInstanceThreshold,
        multiPrincipalThreshold: flags.multiPrincipalThreshold ?? d.multiPrincipalThreshold,
      },
      {
        allowedSshCidrs: '--allowed-ssh-cidrs',
        multiInstanceWindowMinutes: '--multi-instance-window',
        multiInstanceThreshold: '--multi-instance-threshold',
        multiPrincipalThreshold: '--multi-principal-threshold',
      },
    ),
  };
}
