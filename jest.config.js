/**
 * Test tiers: `unit` (pure code, fixtures), `infra` (the CDK stack: Template assertions, cdk-nag,
 * cfn-lint), `integration` (the handler, the store and the CLI on dynalite and s3rver), `deploy`
 * (cdk deploy onto moto_server) and `browser` (`trailwatch ui`'s page in Chromium).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Transpile only, file by file (tsconfig has isolatedModules); `npm run lint` (tsc --noEmit) type-checks.
// swc instead of ts-jest: the unit tier from a cold transform cache (as in CI, a fresh clone) took 11.9 s
// against 14.9 s (median of five, side by side); from a warm cache both take the same.
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022', transform: { useDefineForClassFields: true } },
    module: { type: 'commonjs' },
  },
];
const transform = { '^.+\\.ts$': swc };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'deploy', testMatch: ['<rootDir>/test/deploy/**/*.test.ts'] },
    // The page of `trailwatch ui` in Chromium (playwright-core), against the built CLI (npm run build).
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
  ],
};
