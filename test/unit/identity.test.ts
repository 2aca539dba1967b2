import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  compactPrincipal,
  expandPrincipal,
  extractPrincipal,
  principalLabel,
  principalLookupKeys,
  principalName,
  userQueryKey,
} from '../../lambda/core/identity';
import { FIXTURES } from '../helpers/corpus';

type Rec = { eventName: string; userIdentity?: unknown };

function stratus(file: string): Rec[] {
  return JSON.parse(readFileSync(join(FIXTURES, 'cloudtrail', 'stratus', file), 'utf8')) as Rec[];
}
function invictus(file: string): Rec[] {
  return (
    JSON.parse(readFileSync(join(FIXTURES, 'cloudtrail', 'invictus', file), 'utf8')) as { Records: Rec[] }
  ).Records;
}
function panther(): Rec[] {
  return readFileSync(join(FIXTURES, 'cloudtrail', 'panther', 'ec2-records-one-per-line.json'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Rec);
}

/** The lookup key a user query for `who` hits must be one of the principal's keys. */
function matches(userIdentity: unknown, who: string): boolean {
  return principalLookupKeys(extractPrincipal(userIdentity)).includes(userQueryKey(who));
}

describe('the user of an event (CONTRACT)', () => {
  it('IAMUser (real, Stratus): ARN, user name and access key ID all find it', () => {
    const ui = stratus('aws.lateral-movement.ec2-instance-connect.json')[0]?.userIdentity;
    const p = extractPrincipal(ui);
    expect(p).toMatchObject({
      type: 'IAMUser',
      arn: 'arn:aws:iam::572910899909:user/christophe',
      accountId: '572910899909',
      userName: 'christophe',
      accessKeyId: 'AKIAGM9ZC9KUL0AYEVUM',
    });
    expect(principalName(p)).toBe('arn:aws:iam::572910899909:user/christophe');
    for (const who of [
      'arn:aws:iam::572910899909:user/christophe',
      'christophe',
      'CHRISTOPHE',
      'AKIAGM9ZC9KUL0AYEVUM',
    ]) {
      expect(matches(ui, who)).toBe(true);
    }
    expect(matches(ui, 'root')).toBe(false);
    expect(matches(ui, 'christoph')).toBe(false);
  });

  it('AssumedRole of an IAM Identity Center session (real, Panther): role name, session name (e-mail) and both ARNs find it', () => {
    const ui = panther().find((r) => r.eventName === 'SendSSHPublicKey')?.userIdentity;
    const p = extractPrincipal(ui);
    expect(p).toMatchObject({
      type: 'AssumedRole',
      arn: 'arn:aws:sts::111122223333:assumed-role/SampleRole/bobson.dugnutt',
      roleName: 'SampleRole',
      sessionName: 'bobson.dugnutt',
      sessionIssuerArn: 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-west-2/SampleRole',
    });
    expect(principalLabel(p)).toBe('bobson.dugnutt (SampleRole)');
    for (const who of [
      'arn:aws:sts::111122223333:assumed-role/SampleRole/bobson.dugnutt',
      'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-west-2/SampleRole',
      'SampleRole',
      'bobson.dugnutt',
    ]) {
      expect(matches(ui, who)).toBe(true);
    }
  });

  it('AssumedRole whose anonymised ARN lost the session (real, Stratus): the session comes from the principal ID', () => {
    const record = stratus('aws.lateral-movement.ec2-serial-console-send-ssh-public-key.json').find(
      (r) => r.eventName === 'SendSerialConsoleSSHPublicKey',
    );
    const p = extractPrincipal(record?.userIdentity);
    expect(p.roleName).toBe('AWSReservedSSO_account-admin_599c9e90e350d2ff');
    expect(p.sessionName).toMatch(/@gmail\.com$/);
    expect(matches(record?.userIdentity, 'AWSReservedSSO_account-admin_599c9e90e350d2ff')).toBe(true);
    expect(matches(record?.userIdentity, p.sessionName as string)).toBe(true);
  });

  it('a role name finds all its sessions', () => {
    const a = {
      type: 'AssumedRole',
      arn: 'arn:aws:sts::1:assumed-role/Ops/alice@example.com',
      principalId: 'AROA1:alice@example.com',
    };
    const b = {
      type: 'AssumedRole',
      arn: 'arn:aws:sts::1:assumed-role/Ops/bob@example.com',
      principalId: 'AROA1:bob@example.com',
    };
    expect(matches(a, 'Ops')).toBe(true);
    expect(matches(b, 'Ops')).toBe(true);
    expect(matches(a, 'bob@example.com')).toBe(false);
  });

  it('Root: `root`, the root ARN and the access key find it', () => {
    const ui = {
      type: 'Root',
      principalId: '111122223333',
      arn: 'arn:aws:iam::111122223333:root',
      accountId: '111122223333',
      accessKeyId: 'ASIAROOTEXAMPLE00001',
    };
    expect(matches(ui, 'root')).toBe(true);
    expect(matches(ui, 'ROOT')).toBe(true);
    expect(matches(ui, 'arn:aws:iam::111122223333:root')).toBe(true);
    expect(matches(ui, 'ASIAROOTEXAMPLE00001')).toBe(true);
    expect(principalLabel(extractPrincipal(ui))).toBe('root');
  });

  it('Role: the role name from its ARN', () => {
    const ui = {
      type: 'Role',
      arn: 'arn:aws:iam::1:role/service-role/Builder',
      accountId: '1',
      principalId: 'AROA2',
    };
    expect(extractPrincipal(ui).roleName).toBe('Builder');
    expect(matches(ui, 'Builder')).toBe(true);
  });

  it('FederatedUser (real shape, Panther): the federated user name and the federating IAM user', () => {
    const ui = {
      type: 'FederatedUser',
      principalId: '123456789012:federated-user',
      arn: 'arn:aws:sts::123456789012:federated-user/federated-user',
      accountId: '123456789012',
      accessKeyId: 'ASIA123456789EXAMPLE',
      sessionContext: {
        sessionIssuer: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/bob', userName: 'bob' },
      },
    };
    const p = extractPrincipal(ui);
    expect(p.userName).toBe('federated-user');
    expect(matches(ui, 'federated-user')).toBe(true);
    expect(matches(ui, 'arn:aws:iam::123456789012:user/bob')).toBe(true);
  });

  it('AWSService (real shape): no ARN, found by the service name', () => {
    const ui = { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' };
    const p = extractPrincipal(ui);
    expect(p.arn).toBeUndefined();
    expect(principalName(p)).toBe('lambda.amazonaws.com');
    expect(matches(ui, 'lambda.amazonaws.com')).toBe(true);
  });

  it('AWSAccount (real shape, Panther): account and principal ID, found by the principal ID or session', () => {
    const ui = { type: 'AWSAccount', principalId: 'AROAEXAMPLE:session-name', accountId: '111111111111' };
    const p = extractPrincipal(ui);
    expect(p).toMatchObject({ type: 'AWSAccount', accountId: '111111111111', sessionName: 'session-name' });
    expect(p.roleName).toBeUndefined();
    expect(matches(ui, 'AROAEXAMPLE:session-name')).toBe(true);
    expect(matches(ui, 'session-name')).toBe(true);
  });

  it('IdentityCenterUser: empty ARN and key are absent, found by the Identity Center user ID', () => {
    const ui = {
      type: 'IdentityCenterUser',
      accountId: '123456789012',
      arn: '',
      accessKeyId: '',
      onBehalfOf: {
        userId: '544894e8-80c1-707f-60e3-3ba6510dfac1',
        identityStoreArn: 'arn:aws:identitystore::123456789012:identitystore/d-9067642ac7',
      },
      credentialId: 'EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE',
    };
    const p = extractPrincipal(ui);
    expect(p.arn).toBeUndefined();
    expect(p.accessKeyId).toBeUndefined();
    expect(p.identityCenterUserId).toBe('544894e8-80c1-707f-60e3-3ba6510dfac1');
    expect(principalName(p)).toBe('identitycenter-user/544894e8-80c1-707f-60e3-3ba6510dfac1');
    expect(matches(ui, '544894e8-80c1-707f-60e3-3ba6510dfac1')).toBe(true);
  });

  it('Unknown (real shape, Panther): found by its user name', () => {
    const ui = {
      accountId: '<organization master account ID>',
      principalId: '<internal victim user id>',
      type: 'Unknown',
      userName: '<victim display name>',
    };
    expect(matches(ui, '<victim display name>')).toBe(true);
  });

  it('no type at all (real, Invictus SharedSnapshotVolumeCreated): account and invoking service', () => {
    const record = invictus('218007301253_CloudTrail_us-east-1_20230710T1200Z_iLj9fb7yyUG9X4Bf.json').find(
      (r) => r.eventName === 'SharedSnapshotVolumeCreated',
    );
    const p = extractPrincipal(record?.userIdentity);
    expect(p).toEqual({ accountId: '123837392027', invokedBy: 'ec2.amazonaws.com' });
    expect(matches(record?.userIdentity, 'ec2.amazonaws.com')).toBe(true);
  });

  it.each([undefined, null, 'text', 42, [], {}, { type: 7, arn: ['x'] }, { arn: 'arn:aws' }])(
    'never throws on %j',
    (ui) => {
      expect(() => principalLookupKeys(extractPrincipal(ui))).not.toThrow();
      expect(principalName(extractPrincipal(ui))).toEqual(expect.any(String));
    },
  );

  it('bounds a long ARN the same way when indexing and when querying', () => {
    const arn = `arn:aws:sts::1:assumed-role/R/${'s'.repeat(1000)}`;
    expect(matches({ type: 'AssumedRole', arn }, arn)).toBe(true);
  });
});

describe('principals as stored in items', () => {
  const anyText = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      '=',
      'arn:aws:sts::1:assumed-role/R/s',
      'arn:aws:iam::1:role/R',
      'arn:aws:iam::2:user/u',
      'root',
    ),
  );
  const userIdentity = fc.record(
    {
      type: fc.constantFrom(
        'AssumedRole',
        'IAMUser',
        'Root',
        'FederatedUser',
        'AWSService',
        'Role',
        'AWSAccount',
        'IdentityCenterUser',
        'Unknown',
      ),
      arn: fc.oneof(
        anyText,
        fc
          .tuple(
            fc.constantFrom('aws', 'aws-us-gov'),
            fc.constantFrom('1', '111122223333'),
            fc.constantFrom('R', 'path/R'),
            fc.string({ maxLength: 12 }),
          )
          .map(([p, a, r, s]) => `arn:${p}:sts::${a}:assumed-role/${r}/${s}`),
      ),
      accountId: fc.constantFrom('1', '111122223333', '2'),
      userName: anyText,
      principalId: anyText,
      accessKeyId: anyText,
      invokedBy: anyText,
      sessionContext: fc.record({
        sessionIssuer: fc.record(
          { type: fc.constantFrom('Role', 'IAMUser'), arn: anyText, userName: anyText },
          { requiredKeys: [] },
        ),
      }),
    },
    { requiredKeys: [] },
  );

  it('drops what the ARN says and puts it back exactly (fast-check)', () => {
    fc.assert(
      fc.property(userIdentity, (ui) => {
        const p = extractPrincipal(ui);
        expect(expandPrincipal(compactPrincipal(p))).toEqual(p);
      }),
      { numRuns: 2000 },
    );
  });

  it('stores an assumed role without the names its ARN carries, and its plain role ARN as =', () => {
    const p = extractPrincipal({
      type: 'AssumedRole',
      arn: 'arn:aws:sts::111122223333:assumed-role/Deployer/ci',
      accountId: '111122223333',
      principalId: 'AROAEXAMPLE:ci',
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/Deployer', userName: 'Deployer' },
      },
    });
    expect(compactPrincipal(p)).toEqual({
      type: 'AssumedRole',
      arn: 'arn:aws:sts::111122223333:assumed-role/Deployer/ci',
      principalRoleId: 'AROAEXAMPLE',
      sessionIssuerArn: '=',
    });
  });
});
