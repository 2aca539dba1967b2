import { type Command, Option } from 'commander';
import { pipelineSettings, pipelineValuesFromEnv, type Settings } from '../../lambda/core/settings';
import {
  PIPELINE_SETTING_NAMES,
  type PipelineSettingName,
  parseSettings,
  SETTING_ROWS,
  SETTINGS,
  type SettingRow,
  settingDefaults,
  settingText,
} from '../../lambda/core/settings-table';

/**
 * The settings options of `ingest` and `backfill`, from the settings table
 * (lambda/core/settings-table.ts): one option per pipeline setting, and the CLI's own settings.
 */

/** What commander parsed for the settings options; the commands read the CLI's own settings. */
export interface SettingsFlags {
  readonly createTable?: boolean;
}

/** The rows with an option, in table order. */
export const SETTING_OPTION_ROWS: readonly SettingRow[] = SETTING_ROWS.filter((r) => r.flag !== undefined);

/** The option without its argument, e.g. `--retention-days`. */
export function optionName(flag: string): string {
  return flag.split(' ')[0] ?? flag;
}

/** The Markdown of a doc line as plain text: code spans and links as their text. */
function plain(markdown: string): string {
  return markdown.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replaceAll('`', '');
}

/** The help of a setting's option: its doc, what it takes, its default and its variable. */
export function optionHelp(row: SettingRow): string {
  const value = settingText(row.default);
  const facts = [
    row.parse.takes,
    value === '' ? undefined : `default ${value}`,
    row.env === undefined ? undefined : `env ${row.env}`,
  ].filter((f) => f !== undefined);
  return facts.length > 0 ? `${plain(row.doc)} (${facts.join('; ')})` : plain(row.doc);
}

/** Adds the settings options (ingest, backfill); the environment gives the defaults. */
export function addSettingsOptions(cmd: Command): Command {
  for (const row of SETTING_OPTION_ROWS) cmd.addOption(new Option(row.flag ?? '', optionHelp(row)));
  return cmd;
}

/** The option of a pipeline setting. */
function flagOf(name: PipelineSettingName): string {
  return SETTINGS[name].flag ?? name;
}

/**
 * Settings: defaults, then the environment (TRAILWATCH_*), then options.
 * @throws UsageError naming the variable or the option
 */
export function settingsFromFlags(flags: SettingsFlags, env: NodeJS.ProcessEnv): Settings {
  const given: Readonly<Record<string, unknown>> = { ...flags };
  const fromFlags = parseSettings(
    PIPELINE_SETTING_NAMES,
    (name) => {
      const value = given[new Option(flagOf(name)).attributeName()];
      return value === undefined ? undefined : String(value);
    },
    (name) => optionName(flagOf(name)),
  );
  return pipelineSettings({
    ...settingDefaults(PIPELINE_SETTING_NAMES),
    ...pipelineValuesFromEnv(env),
    ...fromFlags,
  });
}
