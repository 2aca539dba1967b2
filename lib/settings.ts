import { Token } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import { UsageError } from '../lambda/core/errors';
import { envName } from '../lambda/core/settings';
import { KMS_KEY_ARN } from '../lambda/core/settings-parsers';
import { brokenSettingsRule } from '../lambda/core/settings-rules';
import {
  contextKey,
  PIPELINE_SETTING_NAMES,
  parseSettings,
  STACK_SETTING_NAMES,
  type StackSettingValues,
  settingDefaults,
  settingText,
} from '../lambda/core/settings-table';

/**
 * The stack's settings, from CDK context (`cdk.json` or `-c trailwatch:<name>=value`): the pipeline
 * and stack settings of the table (lambda/core/settings-table.ts). Read and validated before any
 * construct is built, so that a wrong value fails `cdk synth` with a message that names the setting
 * and says what it takes.
 */
export type TrailwatchSettings = StackSettingValues;

/** A setting that cannot be used; the message says which and how to fix it. */
export class SettingsError extends Error {
  constructor(key: string, problem: string) {
    super(`${key}: ${problem}. Set it in cdk.json ("context") or with -c ${key}=…`);
    this.name = 'SettingsError';
  }
}

/** A context value as the table's parsers take it: text, or nothing when absent or blank. */
function asText(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
  throw new SettingsError(key, `expected a string, got ${JSON.stringify(value)}`);
}

/**
 * Reads and validates the settings from a construct node's context: each setting with its parser
 * from the table, then the rules across settings. @throws SettingsError naming the context key
 */
export function readSettings(node: Node): TrailwatchSettings {
  let given: Partial<TrailwatchSettings>;
  try {
    given = parseSettings(
      STACK_SETTING_NAMES,
      (name) => asText(node.tryGetContext(contextKey(name)), contextKey(name)),
      contextKey,
    );
  } catch (error) {
    if (error instanceof UsageError) throw new SettingsError(error.source ?? '', error.message);
    throw error;
  }
  const settings = { ...settingDefaults(STACK_SETTING_NAMES), ...given };
  const broken = brokenSettingsRule(settings);
  if (broken) throw new SettingsError(contextKey(broken.name), broken.problem);
  return settings;
}

/** The function's environment: every pipeline setting as its `TRAILWATCH_*` variable (lists comma-separated). */
export function functionEnvironment(settings: TrailwatchSettings): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of PIPELINE_SETTING_NAMES) {
    const value: unknown = settings[name];
    if (value !== undefined) environment[envName(name)] = settingText(value);
  }
  return environment;
}

/**
 * The rule across settings that needs the stack's region: S3 encrypts only with a key of its own
 * region. @throws SettingsError naming the key's setting
 */
export function checkLogsKeyRegion(settings: TrailwatchSettings, region: string): void {
  const keyRegion = settings.logsKmsKeyArn ? KMS_KEY_ARN.exec(settings.logsKmsKeyArn)?.[1] : undefined;
  if (keyRegion !== undefined && !Token.isUnresolved(region) && keyRegion !== region) {
    throw new SettingsError(
      contextKey('logsKmsKeyArn'),
      `the key is in ${keyRegion} but the stack and its bucket are in ${region}; S3 encrypts only with a key of its own region`,
    );
  }
}
