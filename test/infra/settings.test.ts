import type { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_SETTINGS, pipelineSettings, settingsFromEnv } from '../../lambda/core/settings';
import { PIPELINE_SETTING_NAMES, SETTINGS, settingText } from '../../lambda/core/settings-table';
import { SettingsError } from '../../lib/settings';
import { PIPELINE_SAMPLES, SAMPLE_NAMES, sampleValues } from '../helpers/settings-samples';
import { synth } from '../helpers/synth';

/** The environment of the stack's one function. */
function functionVariables(template: Template): Record<string, unknown> {
  const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }[];
  expect(functions).toHaveLength(1);
  return (functions[0] as (typeof functions)[number]).Properties.Environment.Variables;
}

/** The variables of the pipeline settings, as text (what the function reads). */
function pipelineVariables(variables: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    PIPELINE_SETTING_NAMES.map((n) => {
      const name = SETTINGS[n].env ?? n;
      return [name, variables[name] as string];
    }),
  );
}

describe('the function gets every pipeline setting of the table from the stack', () => {
  it('sets every pipeline variable, the defaults when no context is given', () => {
    const variables = functionVariables(synth().template);
    for (const name of PIPELINE_SETTING_NAMES)
      expect([name, variables[SETTINGS[name].env ?? name]]).toEqual([
        name,
        settingText(SETTINGS[name].default),
      ]);
    expect(settingsFromEnv(pipelineVariables(variables))).toEqual(DEFAULT_SETTINGS);
  });

  it('sets each from its context key: the function reads what was given', () => {
    const context = Object.fromEntries(SAMPLE_NAMES.map((n) => [`trailwatch:${n}`, PIPELINE_SAMPLES[n][0]]));
    const variables = pipelineVariables(functionVariables(synth(context).template));
    for (const name of SAMPLE_NAMES)
      expect([name, variables[SETTINGS[name].env ?? name]]).toEqual([
        name,
        settingText(PIPELINE_SAMPLES[name][1]),
      ]);
    expect(settingsFromEnv(variables)).toEqual(pipelineSettings(sampleValues()));
  });
});

describe('the stack sets every rule threshold and window', () => {
  it.each([
    [
      'trailwatch:multiInstanceThreshold',
      '5',
      'TRAILWATCH_MULTI_INSTANCE_THRESHOLD',
      'multiInstanceThreshold',
      5,
    ],
    [
      'trailwatch:multiPrincipalThreshold',
      '3',
      'TRAILWATCH_MULTI_PRINCIPAL_THRESHOLD',
      'multiPrincipalThreshold',
      3,
    ],
    [
      'trailwatch:multiInstanceWindowMinutes',
      '240',
      'TRAILWATCH_MULTI_INSTANCE_WINDOW_MINUTES',
      'multiInstanceWindowMinutes',
      240,
    ],
  ] as const)('-c %s=%s: the function has %s', (key, text, variable, name, value) => {
    const variables = functionVariables(synth({ [key]: text }).template);
    expect(variables[variable]).toBe(text);
    expect(settingsFromEnv(pipelineVariables(variables)).detection[name]).toBe(value);
  });

  it('fails synth on a bad one, naming its context key', () => {
    const run = (): unknown => synth({ 'trailwatch:multiInstanceThreshold': '1' });
    expect(run).toThrow(SettingsError);
    expect(run).toThrow(
      /^trailwatch:multiInstanceThreshold: expected a whole number from 2 to 10000, got '1'\. Set it in cdk\.json/,
    );
  });
});
