/**
 * The rule pack on a real account's logs: the Invictus IR dataset (../shared/corpus/real, MIT; a
 * Stratus Red Team run in a real AWS account, with the account's own Terraform and agent traffic
 * around it). Every finding the rules give there is listed below with its verdict; a new finding, or
 * one gone, fails this test until it is judged here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { CORPUS, describeWithCorpus } from '../helpers/corpus';

/** Every finding on the dataset: rule, one-line verdict, and the events it is on. */
const VERDICTS: readonly { rule: string; verdict: string; eventIDs: readonly string[] }[] = [
  {
    rule: 'ec2-snapshot-shared',
    verdict:
      'true positive: the Stratus detonation ec2-share-ebs-snapshot, create-volume permission added for account 012345678912 (its removal stays quiet)',
    eventIDs: ['741616fd-4713-426d-8861-3ccae4ba994e'],
  },
  {
    rule: 'ec2-ami-shared',
    verdict:
      'true positive: the Stratus detonation ec2-share-ami, launch permission added for account 012345678901 (its removal stays quiet)',
    eventIDs: ['8fe3095f-909c-41f5-a769-00b9ec6e95df'],
  },
  {
    rule: 'ec2-sg-open-to-world',
    verdict:
      "true positive: the Stratus detonation ec2-security-group-open-port-22-ingress, tcp 22 from 0.0.0.0/0 (Terraform's 443 from 0.0.0.0/0 stays quiet)",
    eventIDs: ['74bd84b4-6729-4895-b2a4-e2beb7c6b377'],
  },
  {
    rule: 'ec2-unusual-instance-type',
    verdict:
      'true positive: the Stratus detonation ec2-launch-unusual-instances, p2.xlarge launches denied with VcpuLimitExceeded (the t3.micro launches stay quiet)',
    eventIDs: ['2f4876ba-b0fc-4a24-b406-bef4dcc9656f', '8e865acb-b1e1-41d1-bdf3-47462f79d24c'],
  },
  {
    rule: 'ec2-user-data-read',
    verdict:
      "true positive: the Stratus detonation ec2-download-user-data, 15 denied reads of userData of 15 instances by one role session (bert-jan's own 4 reads of 2 instances stay quiet)",
    eventIDs: [
      '156fe62a-498c-4a54-b91f-5a7bc51b470e',
      '1ce351c0-4de6-4022-b29c-27280f27e85b',
      '339403fe-d01e-4fb2-ab9a-ffa78e576876',
      '67727e18-a012-4d75-bedd-a2ef963b43c2',
      '91bc9d28-e014-49d4-ac84-bcee8d219c72',
      '947bc2bc-d5d6-46c8-a1a3-ca190fa1f17a',
      '9f225158-b341-4ed2-bc69-18f8274d1f1f',
      'b1866d2a-a46b-4d8e-b3a9-9ccc330f64af',
      'b6897c0f-d765-4695-8884-6d6ed7a63722',
      'bb66d584-375e-41a5-aa57-9c87161b5eb5',
      'becab99b-3ae7-4c7a-b923-d2c407b85ddd',
      'c6cc6589-4aa3-45e3-a646-6a0e3dbc05b6',
      'ceb35bc6-147d-4753-8901-56b1d3325cf0',
      'f4574dc5-9747-435c-bb53-22f2454be3b7',
      'fb5e67f9-9a17-4efa-900f-21ecd1ca744b',
    ],
  },
  {
    rule: 'ec2-flow-logs-deleted',
    verdict: 'true positive: the Stratus detonation vpc-remove-flow-logs',
    eventIDs: ['de58d903-38d7-4f30-a84b-b79d858e8376'],
  },
  {
    rule: 'ec2-instance-credentials-elsewhere',
    verdict:
      "true positive: the Stratus detonation ec2-steal-instance-credentials, the instance role's GetCallerIdentity and DescribeInstances from 192.168.10.20, where bert-jan sent the command that read them",
    eventIDs: ['bf68f8c0-590b-4740-ac89-aad0ed5dfe4f', 'd3d5fd99-faa9-4959-a464-56fba613cc2e'],
  },
  {
    rule: 'ec2-password-data',
    verdict:
      'true positive: the Stratus detonation ec2-get-password-data, 29 denied GetPasswordData calls on 29 instances in a minute by one role session',
    eventIDs: [
      '00d3d82b-5ed2-4044-9eeb-172cbb1a0e15',
      '00d955a7-4797-46c4-ba50-ed0c81867020',
      '03fefdcd-4329-43e2-bf44-c74bb1826d58',
      '048b9b80-8889-4b45-916e-7d13b423db78',
      '08311ac7-7ffe-4fd5-8f76-d54260acfe8a',
      '17bcb09d-cf97-4c01-b74b-b7374fb0fc39',
      '1cf7422a-d20c-43ec-827f-4a5db6993bfa',
      '21332146-2cf3-4379-9557-361c8fa0d0a0',
      '2ec37c12-94b8-4df5-813b-98bca0fb0edb',
      '5449095d-1ed7-4cf8-8805-6143fb983a80',
      '6c7bb2b3-9372-4cc8-b78e-f0d2ec268672',
      '7a6c0f34-0aab-489e-8904-a9967b00bb57',
      '7ca643a5-df2c-4a60-b198-7eaf448e8da0',
      '97178d6a-6cf7-49f9-b116-a189a06c3295',
      'a4e6ee98-8c78-4de3-8b5b-68f959b40fec',
      'ae9a706f-d8a4-4e50-9043-22b2a03f481c',
      'b09f3d78-e57c-41fc-89fc-67d7d51c1834',
      'cfdb926f-8f87-44ea-8b73-125efb2fa78a',
      'cff3355c-4d4d-44de-b7ad-a5bfb7ba901b',
      'd101d2ec-d5f4-4407-986b-79c6fa427540',
      'd43a2b5b-ba1d-4219-be2f-52a3635839f9',
      'dced01c3-013d-4908-b78a-5f67134f5930',
      'e6341c58-9378-4445-9f85-4023c0bd9990',
      'ecaf7f4b-a4b2-40fb-a5dd-328ade49c78e',
      'edd129b5-0aa6-4425-a055-8d9056d3e4da',
      'ef910749-ef9a-42f3-adfd-347c625f7e1d',
      'efc266f5-dc3c-4472-b055-8eeab5a620a7',
      'fbd91225-39aa-4c00-822c-9f0b96e7758f',
      'fe3a4c29-c070-487e-a15e-b9b6a853e7b4',
    ],
  },
];

describeWithCorpus('the rule pack on the Invictus dataset (a real account)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw-invictus-'));
    const ingest = await cli([
      'ingest',
      join(CORPUS, 'invictus-aws-dataset', 'delivery'),
      '--db',
      join(dir, 'db'),
      '--json',
    ]);
    expect(ingest.json()[0]).toMatchObject({ files: 55, filesFailed: 0 });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives exactly the findings judged here, every one a true positive of the Stratus run', async () => {
    const r = await cli(['findings', '--db', join(dir, 'db'), '--json', '--limit', '1000']);
    const found = r
      .json<{ rule: string; eventID: string }>()
      .map((f) => `${f.rule} ${f.eventID}`)
      .sort();
    const judged = VERDICTS.flatMap((v) => v.eventIDs.map((id) => `${v.rule} ${id}`)).sort();
    expect(found).toEqual(judged);
    for (const v of VERDICTS) expect(v.verdict).toMatch(/^(true positive|false positive, explained): /);
  });
});
