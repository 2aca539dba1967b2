import type { PipelineSettingName, SettingValues } from '../../lambda/core/settings-table';

/**
 * A valid value other than the default for every pipeline setting: its text (as an environment
 * variable, an option or a context value carries it) and what it reads as. A pipeline setting added to
 * the table without a sample here does not compile.
 */
export const PIPELINE_SAMPLES = {
  includeReadOnly: ['true', true],
  retentionDays: ['30', 30],
  fileItemBudget: ['100', 100],
  allowedSshCidrs: ['203.0.113.0/24, 2001:db8::/32', ['203.0.113.0/24', '2001:db8::/32']],
  privilegedOsUsers: ['root,admin', ['root', 'admin']],
  multiInstanceWindowMinutes: ['15', 15],
  multiInstanceThreshold: ['5', 5],
  multiPrincipalThreshold: ['4', 4],
  adminPorts: ['22,3389,5985', [22, 3389, 5985]],
  userDataReadThreshold: ['5', 5],
  userDataReadWindowMinutes: ['30', 30],
  passwordDataInstanceThreshold: ['4', 4],
  passwordDataCallThreshold: ['20', 20],
  passwordDataWindowMinutes: ['120', 120],
  instanceTypeAllowList: ['t3.*,m6i.large', ['t3.*', 'm6i.large']],
  instanceTypeWatchList: ['p4d.*,*.metal', ['p4d.*', '*.metal']],
  credentialsWindowMinutes: ['60', 60],
  ssmInstanceThreshold: ['6', 6],
  ssmWindowMinutes: ['10', 10],
} as const satisfies { [K in PipelineSettingName]: readonly [string, SettingValues[K]] };

export const SAMPLE_NAMES = Object.keys(PIPELINE_SAMPLES) as PipelineSettingName[];

/** The sample texts, by setting. */
export function sampleTexts(): Record<PipelineSettingName, string> {
  return Object.fromEntries(SAMPLE_NAMES.map((n) => [n, PIPELINE_SAMPLES[n][0]])) as Record<
    PipelineSettingName,
    string
  >;
}

/** The sample values, by setting. */
export function sampleValues(): Pick<SettingValues, PipelineSettingName> {
  return Object.fromEntries(SAMPLE_NAMES.map((n) => [n, PIPELINE_SAMPLES[n][1]])) as unknown as Pick<
    SettingValues,
    PipelineSettingName
  >;
}
