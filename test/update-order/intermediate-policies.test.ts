import { Aspects, CfnElement, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { AppVersion, synthApp } from './app-version';
import { momentsOf } from './moments';
import { ResolvedResource } from './resolved-app';
import { arnOf, encryptionOf, MomentOf, NEEDS, Principal, Use, Worlds } from './simulator';
import { PARTNER_ACCOUNT, shipmentsApp } from '../../examples/hand-wired-two-stack/stacks';
import { AdoptionStage, SecureExistingFifo, SecureExistingFifoProps } from '../../src';
import { newApp } from '../util';

/*
 * Policy evaluation (@cloud-copilot/iam-simulate) of every intermediate state that the update order
 * allows (moments.ts), for the rollout of examples/hand-wired-two-stack: day 1 -> PREPARE -> ENCRYPT.
 * The callers are the real ones (policy-callers.ts): the consumer's receive, and SQS's call to KMS
 * for it with the consumer's credentials (kms:ViaService sqs.<region>.amazonaws.com,
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service;
 * SQS decrypts with the receiver's permissions,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html);
 * the publisher's publish and SNS's call to KMS with its credentials; SNS delivering into the queue
 * as the service principal with aws:SourceArn = the topic
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html); the partner account's receive
 * (its own identity policies taken to allow everything: the key and queue policies decide).
 */

const version = (props?: SecureExistingFifoProps) => {
  const app = newApp();
  const { platform, team } = shipmentsApp(app);
  if (props) Aspects.of(app).add(new SecureExistingFifo(props));
  const v = synthApp(app);
  const id = (stack: Stack, c: IConstruct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
  return {
    v,
    topic: id(platform, platform.topic),
    queue: id(team, team.queue),
    publisher: id(team, team.publisher),
    consumerRole: id(team, team.consumer.role!),
  };
};

interface Caller { readonly who: string; readonly principal: Principal; readonly use: Use; readonly on: 'topic' | 'queue' }

/** What each caller is refused, at each moment of the update from `from` to `to`. */
async function refusals(from: AppVersion, to: AppVersion, ids: ReturnType<typeof version>): Promise<string[]> {
  const { worlds, moments } = momentsOf(from, to);
  const topic = worlds.after.get({ stack: 'ShipmentsPlatform', logicalId: ids.topic })!;
  const queue = worlds.after.get({ stack: 'ShipmentsTeam', logicalId: ids.queue })!;
  const role = (logicalId: string) => ({ name: logicalId, arn: `arn:aws:iam::111111111111:role/ShipmentsTeam-${logicalId}`, role: { stack: 'ShipmentsTeam', logicalId } });
  const callers: Caller[] = [
    { who: 'the consumer (the Lambda function\'s role)', principal: role(ids.consumerRole), use: 'consumes', on: 'queue' },
    { who: 'the publisher', principal: role(ids.publisher), use: 'publishes to', on: 'topic' },
    { who: `the partner account ${PARTNER_ACCOUNT}`, principal: { name: 'partner', arn: `arn:aws:iam::${PARTNER_ACCOUNT}:role/PartnerRole`, foreign: true }, use: 'consumes', on: 'queue' },
    { who: 'SNS delivering for the topic', principal: { name: 'SNS', arn: 'sns.amazonaws.com', forTopic: arnOf(topic) }, use: 'delivers to', on: 'queue' },
  ];
  const out: string[] = [];
  for (const moment of moments) {
    for (const caller of callers) {
      const target = caller.on === 'topic' ? topic : queue;
      for (const refused of await refusedAt(worlds, moment.at, caller, target)) {
        out.push(`${moment.label}: ${caller.who} is refused ${refused}`);
      }
    }
  }
  return out;
}

async function refusedAt(worlds: Worlds, at: MomentOf, caller: Caller, target: ResolvedResource): Promise<string[]> {
  const current = worlds.version(at, target)!;
  const app = at(target) === 'after' ? worlds.after : worlds.before;
  const arn = arnOf(current);
  const action = { 'consumes': 'sqs:ReceiveMessage', 'publishes to': 'sns:Publish', 'delivers to': 'sqs:SendMessage', 'sends to': 'sqs:SendMessage' }[caller.use];
  const context: Record<string, string> = caller.principal.forTopic ? { 'aws:SourceArn': caller.principal.forTopic, 'aws:SourceAccount': caller.principal.forTopic.split(':')[4] } : {};
  const refused: string[] = [];
  if (!(await worlds.decide(at, caller.principal, action, arn, worlds.resourcePolicy(at, current), context))) refused.push(`${action} on ${arn}`);
  const key = encryptionOf(app, current);
  for (const kmsAction of key ? NEEDS[caller.use] : []) {
    if (!(await worlds.allows(at, caller.principal, kmsAction, key!, current))) refused.push(`${kmsAction} on ${key}`);
  }
  return refused;
}

describe('examples/hand-wired-two-stack: day 1 -> PREPARE -> ENCRYPT, every intermediate state', () => {
  const day1 = version();
  const prepare = version({ stage: AdoptionStage.PREPARE });
  const encrypt = version({});

  test('deploy 1 (PREPARE): the consumer, the publisher, the partner and SNS are allowed in every state', async () => {
    expect(await refusals(day1.v, prepare.v, day1)).toEqual([]);
  });

  test('deploy 2 (ENCRYPT): the consumer receives and decrypts under the new key, the publisher publishes, the partner receives, SNS delivers, in every state', async () => {
    expect(await refusals(prepare.v, encrypt.v, day1)).toEqual([]);
  });

  test('the queue and the topic are encrypted with customer managed keys after ENCRYPT, so the KMS calls above were evaluated', () => {
    const { worlds } = momentsOf(prepare.v, encrypt.v);
    const keyOf = (stack: string, logicalId: string) => encryptionOf(worlds.after, worlds.after.get({ stack, logicalId })!);
    expect(keyOf('ShipmentsPlatform', day1.topic)).toMatch(/^arn:aws:kms:eu-west-1:111111111111:key\//);
    expect(keyOf('ShipmentsTeam', day1.queue)).toMatch(/^arn:aws:kms:eu-west-1:111111111111:key\//);
  });

  test('control: the one-deploy path (day 1 -> ENCRYPT) has states where the team stack\'s publisher is refused by KMS', async () => {
    const refused = await refusals(day1.v, encrypt.v, day1);
    expect(refused).toEqual(expect.arrayContaining([
      expect.stringMatching(/^ShipmentsPlatform updated: the publisher is refused kms:GenerateDataKey on arn:aws:kms:/),
    ]));
  });
});
