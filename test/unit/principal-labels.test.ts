import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEventDetails } from '../../bin/cli/output';
import { extractEvent } from '../../lambda/core/event';
import {
  compactPrincipal,
  expandPrincipal,
  extractPrincipal,
  type Principal,
  permissionSetOf,
  principalLabel,
  principalLabels,
  principalLabelsOf,
  principalName,
} from '../../lambda/core/identity';
import { FIXTURES } from '../helpers/corpus';
import { invictusRecords, stratusRecords } from '../helpers/fixture-records';

/** Real principals (test/fixtures/SOURCES.md) and the labels tables show for them. */

type Rec = { eventName: string; userIdentity?: unknown };

/** Panther test events: an Identity Center session, a role named like one, a root call. */
const panther = readFileSync(join(FIXTURES, 'principals', 'panther-records-one-per-line.json'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Rec);

function principalOf(records: readonly Rec[], pick: (r: Rec) => boolean): Principal {
  const record = records.find(pick);
  if (!record) throw new Error('no such record in the fixture');
  return extractPrincipal(record.userIdentity);
}

const SSO_ROLE = 'AWSReservedSSO_DevAdmin_635426549a280cc6';
const identityCenter = principalOf(panther, (r) => r.eventName === 'ConsoleLogin');

describe('principal labels in tables (most telling form first)', () => {
  it('an IAM Identity Center session: the session name with the role, then the permission set, then the session alone', () => {
    expect(principalLabels(identityCenter)).toEqual([
      `nicholas.hakmiller (${SSO_ROLE})`,
      'nicholas.hakmiller (DevAdmin)',
      'nicholas.hakmiller',
    ]);
    expect(principalLabel(identityCenter)).toBe(`nicholas.hakmiller (${SSO_ROLE})`);
    // --wide and JSON: the ARN
    expect(principalName(identityCenter)).toBe(
      `arn:aws:sts::187901811700:assumed-role/${SSO_ROLE}/nicholas.hakmiller`,
    );
  });

  it("a finding's principalArn alone gives the same labels", () => {
    expect(principalLabelsOf(principalName(identityCenter))).toEqual(principalLabels(identityCenter));
    expect(principalLabelsOf('ec2.amazonaws.com')).toEqual(['ec2.amazonaws.com']);
  });

  it('the anonymised Stratus Identity Center session: the e-mail from the principal ID, the role from the session issuer', () => {
    const p = principalOf(
      stratusRecords('aws.lateral-movement.ec2-serial-console-send-ssh-public-key.json'),
      (r) => r.eventName === 'SendSerialConsoleSSHPublicKey',
    );
    const labels = [
      'randomca0L529zwNAY@gmail.com (AWSReservedSSO_account-admin_599c9e90e350d2ff)',
      'randomca0L529zwNAY@gmail.com (account-admin)',
      'randomca0L529zwNAY@gmail.com',
    ];
    expect(principalLabels(p)).toEqual(labels);
    // as read back from a stored item
    expect(principalLabels(expandPrincipal(compactPrincipal(p)))).toEqual(labels);
    // trailwatch event names the session too, the ARN lacking it
    const event = extractEvent(
      stratusRecords('aws.lateral-movement.ec2-serial-console-send-ssh-public-key.json')[1] as never,
      '{}',
    );
    expect(event.ok && renderEventDetails(event.event)).toMatch(
      /^Session: {5}randomca0L529zwNAY@gmail\.com$/m,
    );
  });

  it('a role merely named AWSReservedSSO_… is shown whole: no permission set without its ID, nor outside the Identity Center path', () => {
    const named = principalOf(panther, (r) => r.eventName === 'GetSigninToken');
    expect(principalLabels(named)).toEqual(['user@example.com (AWSReservedSSO_Admin)', 'user@example.com']);
    const elsewhere: Principal = {
      ...identityCenter,
      sessionIssuerArn: `arn:aws:iam::187901811700:role/${SSO_ROLE}`,
    };
    expect(permissionSetOf(elsewhere)).toBeUndefined();
    expect(principalLabels(elsewhere)).toEqual([`nicholas.hakmiller (${SSO_ROLE})`, 'nicholas.hakmiller']);
    expect(permissionSetOf(identityCenter)).toBe('DevAdmin');
  });

  it('an IAM user: its name; root: root; an AWS service: its name', () => {
    const user = principalOf(
      stratusRecords('aws.lateral-movement.ec2-instance-connect.json'),
      (r) => r.eventName === 'SendSSHPublicKey',
    );
    expect(principalLabels(user)).toEqual(['christophe']);
    const root = principalOf(panther, (r) => r.eventName === 'CreateAccessKey');
    expect(principalLabels(root)).toEqual(['root']);
    const service = principalOf(
      invictusRecords('218007301253_CloudTrail_us-east-1_20230710T1200Z_iLj9fb7yyUG9X4Bf.json'),
      (r) => (r.userIdentity as { type?: string } | undefined)?.type === 'AWSService',
    );
    expect(principalLabels(service)).toEqual([principalName(service)]);
    expect(principalLabel(service)).toMatch(/^[a-z0-9-]+\.amazonaws\.com$/);
  });

  it("an instance's own role credentials: the instance ID, then the role", () => {
    const p = principalOf(
      stratusRecords('aws.credential-access.ec2-steal-instance-credentials.json'),
      (r) => r.eventName === 'GetCallerIdentity',
    );
    expect(principalLabels(p)).toEqual([
      'i-786a3A8B5C0d92eF4 (stratus-red-team-ec2-steal-credentials-role)',
      'i-786a3A8B5C0d92eF4',
    ]);
  });

  it('a session name an SDK made up gives way to the role', () => {
    const p = principalOf(
      stratusRecords('aws.credential-access.ec2-get-password-data.json'),
      (r) => r.eventName === 'GetPasswordData',
    );
    const session = p.sessionName ?? '';
    expect(session).toMatch(/^aws-go-sdk-\d+$/);
    expect(principalLabels(p)).toEqual([
      `${session} (stratus-red-team-ec2-get-password-data-role)`,
      'stratus-red-team-ec2-get-password-data-role',
    ]);
  });

  it('every form is shorter than the one before it, for every principal of the fixtures', () => {
    const all = [
      ...panther,
      ...stratusRecords('aws.lateral-movement.ec2-serial-console-send-ssh-public-key.json'),
      ...stratusRecords('aws.credential-access.ec2-get-password-data.json'),
      ...invictusRecords('218007301253_CloudTrail_us-east-1_20230710T1200Z_iLj9fb7yyUG9X4Bf.json'),
    ];
    expect(all.length).toBeGreaterThan(50);
    for (const r of all) {
      const labels = principalLabels(extractPrincipal(r.userIdentity));
      expect(labels.length).toBeGreaterThan(0);
      for (let i = 1; i < labels.length; i++)
        expect((labels[i] ?? '').length).toBeLessThan((labels[i - 1] ?? '').length);
    }
  });
});
