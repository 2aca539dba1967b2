import type { DetectionSettings } from './rules/rule';
import {
  PIPELINE_SETTING_NAMES,
  type PipelineSettingName,
  parseSettings,
  RULE_SETTING_NAMES,
  type RuleSettingName,
  SETTINGS,
  type SettingValues,
  settingDefaults,
} from './settings-table';

export { parseWholeNumber } from './settings-parsers';

/**
 * Settings of the pipeline, shared by the Lambda (environment) and the CLI (options, environment):
 * the pipeline and rule settings of the table (./settings-table.ts), the rule settings as `detection`.
 */
export type Settings = Pick<SettingValues, Exclude<PipelineSettingName, RuleSettingName>> & {
  /** Settings of the suspicious SSH key rules. */
  readonly detection: DetectionSettings;
};

type PipelineValues = Pick<SettingValues, PipelineSettingName>;
type RuleValues = Pick<SettingValues, RuleSettingName>;

/** The rule settings of the table are exactly `DetectionSettings`: this does not compile otherwise. */
export const RULE_SETTINGS_ARE_DETECTION_SETTINGS: [RuleValues, DetectionSettings] extends [
  DetectionSettings,
  RuleValues,
]
  ? true
  : never = true;

/**
 * The pipeline's settings from the table's flat values: the rule settings go to `detection` (the
 * types match: see {@link RULE_SETTINGS_ARE_DETECTION_SETTINGS}).
 */
export function pipelineSettings(values: PipelineValues): Settings {
  const settings: Record<string, unknown> = { ...values };
  const detection: Record<string, unknown> = {};
  for (const name of RULE_SETTING_NAMES) {
    detection[name] = values[name];
    delete settings[name];
  }
  return { ...settings, detection } as unknown as Settings;
}

export const DEFAULT_SETTINGS: Settings = pipelineSettings(settingDefaults(PIPELINE_SETTING_NAMES));

/** The environment variable of a pipeline setting. */
export function envName(name: PipelineSettingName): string {
  return SETTINGS[name].env ?? name;
}

/**
 * The pipeline settings set in the environment (blank ones are not set).
 * @throws UsageError naming the variable.
 */
export function pipelineValuesFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): Partial<PipelineValues> {
  return parseSettings(
    PIPELINE_SETTING_NAMES,
    (name) => {
      const v = env[envName(name)];
      return v === undefined || v.trim() === '' ? undefined : v;
    },
    envName,
  );
}

/** Settings from environment variables, defaults for those not set. @throws UsageError naming the variable. */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): Settings {
  return pipelineSettings({ ...settingDefaults(PIPELINE_SETTING_NAMES), ...pipelineValuesFromEnv(env) });
}

/**
 * Detection settings from partial values (text, numbers or lists), defaults for the others.
 * @throws UsageError naming the setting (as `names` calls it, else by its name)
 */
export function detectionSettings(
  values: Partial<Record<RuleSettingName, string | number | readonly string[]>>,
  names: Partial<Record<RuleSettingName, string>> = {},
): DetectionSettings {
  const given = parseSettings(
    RULE_SETTING_NAMES,
    (name) => {
      const v = values[name];
      return v === undefined ? undefined : typeof v === 'object' ? v.join(',') : String(v);
    },
    (name) => names[name] ?? name,
  );
  return { ...settingDefaults(RULE_SETTING_NAMES), ...given };
}
