import { EC2_SOURCE } from '../access/events';
import { successfulEventsNamed } from './applies';
import { detail, scalar, shown } from './request-fields';
import { defineRule, fire, PASS } from './rule';

const applies = successfulEventsNamed(EC2_SOURCE, 'ImportKeyPair');

/**
 * A public key brought from outside: whoever holds its private key can log in to the instances
 * launched with it (T1098.004, Account Manipulation: SSH Authorized Keys).
 */
export const ec2KeyPairImported = defineRule({
  id: 'ec2-key-pair-imported',
  title: 'an EC2 key pair imported (a public key brought from outside)',
  firesWhen: 'a successful `ImportKeyPair`',
  falsePositives: 'people and infrastructure-as-code registering their own public keys (common)',
  severity: 'low',
  attack: 'T1098.004',
  family: 'threat',
  appliesTo: applies,
  stateful: false,
  evaluate(event, { request, response }) {
    if (!applies(event)) return PASS;
    const name = scalar(request, 'keyName') ?? scalar(response, 'keyName') ?? event.keyNames?.[0];
    const id = scalar(response, 'keyPairId');
    const fingerprint = scalar(response, 'keyFingerprint');
    const facts = [id && shown(id), fingerprint && `fingerprint ${shown(fingerprint, 100)}`].filter(Boolean);
    return fire(
      detail(
        `key pair ${name ? shown(name, 128) : '(no name)'} imported${facts.length > 0 ? ` (${facts.join(', ')})` : ''}`,
      ),
    );
  },
});
