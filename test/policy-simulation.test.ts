import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  ACCOUNT, ALLOWED, BYSTANDER, CFN, CONSUMER_ACCOUNT, CONSUMER_CFN, Decision, decryptingThroughSqs, DENIED,
  evaluate, KEY_ADMIN, NOT_GRANTED, OTHER_WORKLOAD,
  OUTSIDER, QUEUE_ADMIN, REGION, ROOT, Row, SNS, THIRD_ACCOUNT, THIRD_CFN, title, TOPIC_ADMIN, World,
} from './policy-world';
import { ENV, newApp } from './util';
import { PLACEHOLDER_VPC, PriceUpdatesStack } from '../examples/price-updates/stack';
import { FifoFanout, FifoKey, FifoSubscriber, MessagingEndpoints, SecureFifoTopic } from '../src';

/*
 * Policy proofs: the example app (and two small stacks built here: endpoints restricted to their
 * registered resources, and a consumer in another account) are synthesized with fixed accounts and
 * a fixed region, their key, topic, queue, endpoint and role policies resolved to concrete ARNs and
 * IDs, and a table of requests is evaluated the way AWS does (see ./policy-world.ts for the callers
 * and the request context each one's calls carry). Each row is one sentence of the security
 * specification: who does what on which resource, and the decision.
 */

const PUBLISHER = 'the publisher (grantPublish)';
const CONSUMER = 'the consumer (grantConsumeMessages)';
const SNS_ENDPOINT = 'the SNS endpoint';
const SQS_ENDPOINT = 'the SQS endpoint';
/** An endpoint that is not ours (another VPC's, or another SNS/SQS endpoint of the same VPC). */
const FOREIGN_ENDPOINT = 'vpce-0f0f0f0f0f0f0f0f0';

const OUR_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:price-updates.fifo`;
const OTHER_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:other-app.fifo`;
/** A topic with our topic's name in an account an attacker controls (the confused deputy). */
const SAME_NAME_OTHER_ACCOUNT = `arn:aws:sns:${REGION}:${THIRD_ACCOUNT}:price-updates.fifo`;


type Variant = 'public' | 'private' | 'existing endpoints';

/** The example app: without private networking, with endpoints it creates, or with existing endpoints. */
function exampleWorld(variant: Variant): World {
  const stack = new PriceUpdatesStack(newApp(), 'PriceUpdates', {
    env: ENV,
    privateNetwork: variant === 'private' ? PLACEHOLDER_VPC : undefined,
    existingEndpoints: variant === 'existing endpoints' ? { snsEndpointId: 'vpce-0aaaaaaaaaaaaaaaa', sqsEndpointId: 'vpce-0bbbbbbbbbbbbbbbb' } : undefined,
  });
  return new World(stack, {
    roles: { [PUBLISHER]: stack.publisherRole, [CONSUMER]: stack.consumerRoles.Wholesale },
    resources: {
      'the topic': stack.prices.topic.topicArn,
      'the key': stack.prices.encryptionKey.keyArn,
      'the wholesale queue': stack.wholesale.queue.queueArn,
      'the wholesale DLQ': stack.wholesale.deadLetterQueue.queueArn,
      'the retail queue': stack.retail.queue.queueArn,
      'the retail DLQ': stack.retail.deadLetterQueue.queueArn,
      'the analytics queue': stack.analytics.queue.queueArn,
      'the analytics delivery DLQ': stack.analytics.deliveryDeadLetterQueue.queueArn,
    },
    endpoints: stack.endpoints ? { [SNS_ENDPOINT]: stack.endpoints.snsEndpointId, [SQS_ENDPOINT]: stack.endpoints.sqsEndpointId } : {},
  });
}

const QUEUES = ['the wholesale queue', 'the wholesale DLQ', 'the retail queue', 'the retail DLQ', 'the analytics queue', 'the analytics delivery DLQ'];

/** What SNS delivering may and may not do, whatever the network setup: it never comes through our endpoints. */
const SNS_DELIVERY_ROWS: Row[] = [
  ...QUEUES.map((on): Row => ({ who: SNS, does: 'sqs:SendMessage', on, forTopic: OUR_TOPIC, expect: ALLOWED })),
  { who: SNS, does: 'kms:GenerateDataKey', on: 'the key', forTopic: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'kms:Decrypt', on: 'the key', forTopic: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'kms:GenerateDataKey', on: 'the key', forTopic: OTHER_TOPIC, expect: NOT_GRANTED },
  { who: SNS, does: 'kms:Decrypt', on: 'the key', forTopic: SAME_NAME_OTHER_ACCOUNT, expect: NOT_GRANTED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the wholesale queue', forTopic: OTHER_TOPIC, expect: NOT_GRANTED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the analytics delivery DLQ', forTopic: OTHER_TOPIC, expect: NOT_GRANTED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the retail DLQ', forTopic: SAME_NAME_OTHER_ACCOUNT, expect: NOT_GRANTED },
];

/** The example app without private networking. */
const PUBLIC_ROWS: Row[] = [
  ...SNS_DELIVERY_ROWS,
  { who: SNS, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', forTopic: OUR_TOPIC, expect: NOT_GRANTED },
  // grantPublish: publish plus the key actions SNS needs to encrypt, nothing more.
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', expect: ALLOWED },
  { who: PUBLISHER, does: 'kms:GenerateDataKey', on: 'the key', expect: ALLOWED },
  { who: PUBLISHER, does: 'kms:Decrypt', on: 'the key', expect: ALLOWED },
  { who: PUBLISHER, does: 'kms:GenerateDataKeyPair', on: 'the key', expect: NOT_GRANTED },
  { who: PUBLISHER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', expect: NOT_GRANTED },
  { who: BYSTANDER, does: 'sns:Publish', on: 'the topic', expect: NOT_GRANTED },
  { who: BYSTANDER, does: 'kms:GenerateDataKey', on: 'the key', expect: NOT_GRANTED },
  { who: OUTSIDER, does: 'sns:Publish', on: 'the topic', expect: NOT_GRANTED },
  { who: OUTSIDER, does: 'kms:GenerateDataKey', on: 'the key', expect: NOT_GRANTED },
  { who: OUTSIDER, does: 'sqs:SendMessage', on: 'the wholesale queue', expect: NOT_GRANTED },
  { who: OUTSIDER, does: 'sqs:ReceiveMessage', on: 'the retail DLQ', expect: NOT_GRANTED },
  { who: OUTSIDER, does: 'sns:Subscribe', protocol: 'sqs', on: 'the topic', expect: NOT_GRANTED },
  // CloudFormation creates the subscriptions with the deployment's execution role.
  { who: CFN, does: 'sns:Subscribe', protocol: 'sqs', on: 'the topic', expect: ALLOWED },
  // TLS only, on the topic and every queue and DLQ, whatever the caller's own permissions.
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', tls: false, expect: DENIED },
  { who: TOPIC_ADMIN, does: 'sns:Publish', on: 'the topic', tls: false, expect: DENIED },
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', tls: false, expect: DENIED },
  { who: QUEUE_ADMIN, does: 'sqs:SendMessage', on: 'the retail queue', tls: false, expect: DENIED },
  { who: QUEUE_ADMIN, does: 'sqs:ReceiveMessage', on: 'the wholesale DLQ', tls: false, expect: DENIED },
  { who: QUEUE_ADMIN, does: 'sqs:PurgeQueue', on: 'the retail DLQ', tls: false, expect: DENIED },
  { who: QUEUE_ADMIN, does: 'sqs:ReceiveMessage', on: 'the analytics delivery DLQ', tls: false, expect: DENIED },
  // grantConsumeMessages: receive, delete, change visibility and decrypt on its own queue; nothing else.
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', expect: ALLOWED },
  { who: CONSUMER, does: 'sqs:DeleteMessage', on: 'the wholesale queue', expect: ALLOWED },
  { who: CONSUMER, does: 'sqs:ChangeMessageVisibility', on: 'the wholesale queue', expect: ALLOWED },
  { who: CONSUMER, does: 'kms:Decrypt', on: 'the key', expect: ALLOWED },
  { who: CONSUMER, does: 'sns:Publish', on: 'the topic', expect: NOT_GRANTED },
  { who: CONSUMER, does: 'sqs:SendMessage', on: 'the wholesale queue', expect: NOT_GRANTED },
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the retail queue', expect: NOT_GRANTED },
  { who: CONSUMER, does: 'kms:GenerateDataKey', on: 'the key', expect: NOT_GRANTED },
  // No lock-out: the account keeps key administration; other accounts do not get it.
  { who: ROOT, does: 'kms:PutKeyPolicy', on: 'the key', expect: ALLOWED },
  { who: ROOT, does: 'kms:ScheduleKeyDeletion', on: 'the key', expect: ALLOWED },
  { who: KEY_ADMIN, does: 'kms:PutKeyPolicy', on: 'the key', expect: ALLOWED },
  { who: KEY_ADMIN, does: 'kms:DisableKeyRotation', on: 'the key', expect: ALLOWED },
  { who: OUTSIDER, does: 'kms:PutKeyPolicy', on: 'the key', expect: NOT_GRANTED },
];

/** The example app with privateNetwork: publishing and consuming only through the endpoints it creates. */
const PRIVATE_ROWS: Row[] = [
  ...SNS_DELIVERY_ROWS,
  // The consume-only-through-the-endpoint deny has no exemption for AWS services.
  { who: SNS, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', forTopic: OUR_TOPIC, expect: DENIED },
  // Publishing only through the SNS endpoint, and only with TLS.
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', via: SNS_ENDPOINT, expect: ALLOWED },
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', expect: DENIED },
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', via: FOREIGN_ENDPOINT, expect: DENIED },
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', via: SNS_ENDPOINT, tls: false, expect: DENIED },
  { who: TOPIC_ADMIN, does: 'sns:Publish', on: 'the topic', expect: DENIED },
  // Subscribing is decided by who may call sns:Subscribe, not by the network path: CloudFormation
  // calls from outside the VPC with the execution role.
  { who: CFN, does: 'sns:Subscribe', protocol: 'sqs', on: 'the topic', expect: ALLOWED },
  { who: TOPIC_ADMIN, does: 'sns:Subscribe', protocol: 'sqs', on: 'the topic', expect: ALLOWED },
  { who: BYSTANDER, does: 'sns:Subscribe', protocol: 'sqs', on: 'the topic', expect: NOT_GRANTED },
  { who: OUTSIDER, does: 'sns:Subscribe', protocol: 'sqs', on: 'the topic', expect: NOT_GRANTED },
  // Consuming only through the SQS endpoint.
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', via: SQS_ENDPOINT, expect: ALLOWED },
  { who: CONSUMER, does: 'sqs:DeleteMessage', on: 'the wholesale queue', via: SQS_ENDPOINT, expect: ALLOWED },
  { who: CONSUMER, does: 'sqs:ChangeMessageVisibility', on: 'the wholesale queue', via: SQS_ENDPOINT, expect: ALLOWED },
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', expect: DENIED },
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', via: FOREIGN_ENDPOINT, expect: DENIED },
  { who: CONSUMER, does: 'sqs:DeleteMessage', on: 'the wholesale queue', expect: DENIED },
  { who: CONSUMER, does: 'sqs:ChangeMessageVisibility', on: 'the wholesale queue', expect: DENIED },
  { who: QUEUE_ADMIN, does: 'sqs:ReceiveMessage', on: 'the retail DLQ', expect: DENIED },
  { who: QUEUE_ADMIN, does: 'sqs:DeleteMessage', on: 'the analytics queue', via: FOREIGN_ENDPOINT, expect: DENIED },
  // Sending is never restricted by network path; administrators are not locked out.
  { who: QUEUE_ADMIN, does: 'sqs:SendMessage', on: 'the wholesale queue', expect: ALLOWED },
  { who: QUEUE_ADMIN, does: 'sqs:GetQueueAttributes', on: 'the wholesale queue', expect: ALLOWED },
  { who: QUEUE_ADMIN, does: 'sqs:SetQueueAttributes', on: 'the wholesale DLQ', expect: ALLOWED },
  { who: QUEUE_ADMIN, does: 'sqs:StartMessageMoveTask', on: 'the retail DLQ', expect: ALLOWED },
  { who: TOPIC_ADMIN, does: 'sns:GetTopicAttributes', on: 'the topic', expect: ALLOWED },
  // Endpoint policies: principals of our account only (a data perimeter), for any of their resources.
  { who: OUTSIDER, does: 'sqs:SendMessage', on: 'a queue of another account', via: SQS_ENDPOINT, expect: NOT_GRANTED },
  { who: OUTSIDER, does: 'sqs:SendMessage', on: 'a queue of another account', expect: ALLOWED },
  { who: OUTSIDER, does: 'sns:Publish', on: 'a topic of another account', via: SNS_ENDPOINT, expect: NOT_GRANTED },
  { who: OUTSIDER, does: 'sns:Publish', on: 'a topic of another account', expect: ALLOWED },
  { who: OUTSIDER, does: 'sqs:SendMessage', on: 'the wholesale queue', via: SQS_ENDPOINT, expect: NOT_GRANTED },
  { who: OTHER_WORKLOAD, does: 'sqs:CreateQueue', on: "the other workload's queue", via: SQS_ENDPOINT, expect: ALLOWED },
  { who: OTHER_WORKLOAD, does: 'sqs:SendMessage', on: "the other workload's queue", via: SQS_ENDPOINT, expect: ALLOWED },
  { who: TOPIC_ADMIN, does: 'sns:Publish', on: 'another topic of our account', via: SNS_ENDPOINT, expect: ALLOWED },
];

/** The example app with existingEndpoints: the same restrictions, to endpoints it does not create (their policies are not modelled). */
const EXISTING_ENDPOINT_ROWS: Row[] = [
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', via: SNS_ENDPOINT, expect: ALLOWED },
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', expect: DENIED },
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', via: SQS_ENDPOINT, expect: ALLOWED },
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', via: FOREIGN_ENDPOINT, expect: DENIED },
  { who: CFN, does: 'sns:Subscribe', protocol: 'sqs', on: 'the topic', expect: ALLOWED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the retail queue', forTopic: OUR_TOPIC, expect: ALLOWED },
];

/** A fan-out whose endpoints admit only the topic, queues and DLQs registered with them. */
function restrictedStack(): { stack: Stack; world: World } {
  const stack = new Stack(newApp(), 'Restricted', { env: ENV });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', PLACEHOLDER_VPC);
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc, restrictToRegisteredResources: true });
  const prices = new FifoFanout(stack, 'Prices', { topicName: 'price-updates', privateEndpoints: endpoints });
  const orders = prices.addSubscriber('Orders', { queueName: 'price-updates-orders' });
  const lambdaRole = (id: string) => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const publisher = lambdaRole('Publisher');
  const consumer = lambdaRole('Consumer');
  prices.topic.grantPublish(publisher);
  orders.grantConsumeMessages(consumer);
  return {
    stack,
    world: new World(stack, {
      roles: { [PUBLISHER]: publisher, [CONSUMER]: consumer },
      resources: { 'the topic': prices.topic.topicArn, 'the orders queue': orders.queue.queueArn, 'the orders DLQ': orders.deadLetterQueue.queueArn },
      endpoints: { [SNS_ENDPOINT]: endpoints.snsEndpointId, [SQS_ENDPOINT]: endpoints.sqsEndpointId },
    }),
  };
}

const RESTRICTED_ROWS: Row[] = [
  { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', via: SNS_ENDPOINT, expect: ALLOWED },
  { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the orders queue', via: SQS_ENDPOINT, expect: ALLOWED },
  { who: QUEUE_ADMIN, does: 'sqs:ReceiveMessage', on: 'the orders DLQ', via: SQS_ENDPOINT, expect: ALLOWED },
  // Every other workload of the VPC loses its own queues and topics through the endpoints (hence the warning).
  { who: OTHER_WORKLOAD, does: 'sqs:CreateQueue', on: "the other workload's queue", via: SQS_ENDPOINT, expect: NOT_GRANTED },
  { who: OTHER_WORKLOAD, does: 'sqs:SendMessage', on: "the other workload's queue", via: SQS_ENDPOINT, expect: NOT_GRANTED },
  { who: OTHER_WORKLOAD, does: 'sqs:SendMessage', on: "the other workload's queue", expect: ALLOWED },
  { who: TOPIC_ADMIN, does: 'sns:Publish', on: 'another topic of our account', via: SNS_ENDPOINT, expect: NOT_GRANTED },
  { who: OUTSIDER, does: 'sqs:SendMessage', on: 'a queue of another account', via: SQS_ENDPOINT, expect: NOT_GRANTED },
];

/** The platform's topic (account 111111111111) and a consumer team's subscriber in its own account (222222222222). */
function crossAccountWorlds(): { platform: World; consumer: World } {
  const app = newApp();
  const platform = new Stack(app, 'Platform', { env: ENV });
  const prices = new FifoFanout(platform, 'Prices', { topicName: 'price-updates' });
  prices.topic.grantSubscribe(new iam.AccountPrincipal(CONSUMER_ACCOUNT));
  const consumer = new Stack(app, 'Consumer', { env: { account: CONSUMER_ACCOUNT, region: REGION } });
  const billing = new FifoSubscriber(consumer, 'Billing', { topic: SecureFifoTopic.fromTopicArn(consumer, 'Prices', OUR_TOPIC) });
  return {
    platform: new World(platform, { resources: { 'the platform topic': prices.topic.topicArn } }),
    consumer: new World(consumer, {
      resources: {
        'the billing queue': billing.queue.queueArn,
        'the billing DLQ': billing.deadLetterQueue.queueArn,
        'the billing key': billing.queue.encryptionMasterKey!.keyArn,
      },
    }),
  };
}

const PLATFORM_TOPIC_ROWS: Row[] = [
  // The consumer account's CloudFormation subscribes its queue: grantSubscribe admits the SQS protocol only.
  { who: CONSUMER_CFN, does: 'sns:Subscribe', protocol: 'sqs', on: 'the platform topic', expect: ALLOWED },
  { who: CONSUMER_CFN, does: 'sns:Subscribe', protocol: 'https', on: 'the platform topic', expect: NOT_GRANTED },
  { who: CONSUMER_CFN, does: 'sns:Publish', on: 'the platform topic', expect: NOT_GRANTED },
  { who: CONSUMER_CFN, does: 'sns:SetTopicAttributes', on: 'the platform topic', expect: NOT_GRANTED },
  { who: THIRD_CFN, does: 'sns:Subscribe', protocol: 'sqs', on: 'the platform topic', expect: NOT_GRANTED },
  { who: CFN, does: 'sns:Subscribe', protocol: 'sqs', on: 'the platform topic', expect: ALLOWED },
];

const CONSUMER_ACCOUNT_ROWS: Row[] = [
  // SNS delivers the platform topic's messages into the consumer's queue and DLQ, with the consumer's key.
  { who: SNS, does: 'sqs:SendMessage', on: 'the billing queue', forTopic: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the billing DLQ', forTopic: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'kms:GenerateDataKey', on: 'the billing key', forTopic: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'kms:Decrypt', on: 'the billing key', forTopic: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the billing queue', forTopic: OTHER_TOPIC, expect: NOT_GRANTED },
  { who: SNS, does: 'sqs:SendMessage', on: 'the billing DLQ', forTopic: SAME_NAME_OTHER_ACCOUNT, expect: NOT_GRANTED },
  { who: SNS, does: 'kms:GenerateDataKey', on: 'the billing key', forTopic: SAME_NAME_OTHER_ACCOUNT, expect: NOT_GRANTED },
  // The platform account gets nothing on the consumer's queue or key.
  { who: CFN, does: 'sqs:ReceiveMessage', on: 'the billing queue', expect: NOT_GRANTED },
  { who: CFN, does: 'kms:Decrypt', on: 'the billing key', expect: NOT_GRANTED },
];

const cases = (rows: Row[]) => rows.map((row) => [title(row), row] as const);

describe.each([
  ['the example app, resolved and simulated', 'public', PUBLIC_ROWS],
  ['the example app with privateNetwork, resolved and simulated', 'private', PRIVATE_ROWS],
  ['the example app with existingEndpoints, resolved and simulated', 'existing endpoints', EXISTING_ENDPOINT_ROWS],
] as const)('%s', (_name, variant, rows) => {
  const world = exampleWorld(variant);

  test('the stack creates the SNS and SQS endpoints only for privateNetwork (no KMS endpoint)', () => {
    const services = world.template.ofType('AWS::EC2::VPCEndpoint').map((id) => world.template.property(id, 'ServiceName'));
    expect(services).toEqual(variant === 'private' ? ['com.amazonaws.eu-west-1.sns', 'com.amazonaws.eu-west-1.sqs'] : []);
  });

  test.each(cases(rows))('%s', async (_title, row) => {
    expect(await evaluate(world, row)).toBe(row.expect);
  });
});

describe('endpoints with restrictToRegisteredResources, resolved and simulated', () => {
  const { stack, world } = restrictedStack();

  test('the restriction is announced on the endpoints', () => {
    const warnings = Annotations.fromStack(stack).findWarning('/Restricted/Endpoints', Match.stringLikeRegexp('cdk-secure-fifo:endpointRestrictedToRegisteredResources'));
    expect(warnings).toHaveLength(1);
  });

  test.each(cases(RESTRICTED_ROWS))('%s', async (_title, row) => {
    expect(await evaluate(world, row)).toBe(row.expect);
  });
});

describe('a consumer account subscribing to the platform topic, resolved and simulated', () => {
  const { platform, consumer } = crossAccountWorlds();

  test.each(cases(PLATFORM_TOPIC_ROWS))('%s', async (_title, row) => {
    expect(await evaluate(platform, row)).toBe(row.expect);
  });

  test.each(cases(CONSUMER_ACCOUNT_ROWS))('%s', async (_title, row) => {
    expect(await evaluate(consumer, row)).toBe(row.expect);
  });
});

/**
 * A key change: the fan-out encrypts with a new key; the old key, still in the stack, is retired
 * (deploy 2), then dropped from retiredKeys (deploy 3). The consumer reads a backlog message written
 * under the old key: SQS decrypts it with the consumer's own permissions.
 */
function keyChangeWorld(retired: boolean): World {
  const stack = new Stack(newApp(), 'KeyChange', { env: ENV });
  const oldKey = new FifoKey(stack, 'OldKey');
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'price-updates', encryptionKey: new FifoKey(stack, 'NewKey'), retiredKeys: retired ? [oldKey] : [] });
  const retail = fanout.addSubscriber('Retail', { queueName: 'retail' });
  const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });
  retail.grantConsumeMessages(consumer);
  const world = new World(stack, {
    roles: { [CONSUMER]: consumer },
    resources: {
      'the retired key': oldKey.keyArn,
      'the current key': fanout.encryptionKey.keyArn,
    },
  });
  world.actors[CONSUMER_VIA_SQS] = decryptingThroughSqs(world.actors[CONSUMER], REGION);
  world.actors[BYSTANDER_VIA_SQS] = decryptingThroughSqs(world.actors[BYSTANDER], REGION);
  return world;
}

const CONSUMER_VIA_SQS = 'the consumer, receiving from the retail queue (SQS decrypts with its credentials)';
const BYSTANDER_VIA_SQS = 'a role without grants, receiving from the retail queue';

const KEY_CHANGE_ROWS: Row[] = [
  { who: CONSUMER_VIA_SQS, does: 'kms:Decrypt', on: 'the retired key', expect: ALLOWED },
  { who: CONSUMER_VIA_SQS, does: 'kms:Decrypt', on: 'the current key', expect: ALLOWED },
  { who: CONSUMER, does: 'kms:GenerateDataKey', on: 'the retired key', expect: NOT_GRANTED },
  { who: BYSTANDER_VIA_SQS, does: 'kms:Decrypt', on: 'the retired key', expect: NOT_GRANTED },
  // The retired key keeps its SNS statement for the topic (messages SNS still retries or replays).
  { who: SNS, does: 'kms:Decrypt', on: 'the retired key', forTopic: OUR_TOPIC, expect: ALLOWED },
  { who: SNS, does: 'kms:Decrypt', on: 'the retired key', forTopic: OTHER_TOPIC, expect: NOT_GRANTED },
];

describe('a key change with the old key in retiredKeys, resolved and simulated', () => {
  const world = keyChangeWorld(true);

  test.each(cases(KEY_CHANGE_ROWS))('%s', async (_title, row) => {
    expect(await evaluate(world, row)).toBe(row.expect);
  });
});

describe('the same key change once the old key is dropped from retiredKeys, resolved and simulated', () => {
  const world = keyChangeWorld(false);

  test.each(cases([
    { who: CONSUMER_VIA_SQS, does: 'kms:Decrypt', on: 'the retired key', expect: NOT_GRANTED },
    { who: CONSUMER_VIA_SQS, does: 'kms:Decrypt', on: 'the current key', expect: ALLOWED },
  ]))('%s', async (_title, row) => {
    expect(await evaluate(world, row)).toBe(row.expect);
  });
});

describe('the simulation can fail', () => {
  test('every policy is resolved to concrete values (no Ref, Fn:: or token left)', () => {
    const worlds = [exampleWorld('private'), restrictedStack().world, ...Object.values(crossAccountWorlds())];
    const policies = worlds.flatMap((w) => [
      ...Object.values(w.resources).map((arn) => w.resourcePolicy(arn)).filter(Boolean),
      ...Object.values(w.endpoints).map((id) => w.endpointPolicy(id)),
      ...Object.values(w.actors).flatMap((a) => a.identityPolicies),
    ]);

    expect(policies.length).toBeGreaterThanOrEqual(30);
    expect(JSON.stringify(policies)).not.toMatch(/"Ref"|Fn::|\$\{Token/);
  });

  /** Checks `row` as given, removes statements, and checks that the decision flips to `after`. */
  async function flips(world: World, row: Row, resource: string, statement: (s: any) => boolean, after: Decision) {
    expect(await evaluate(world, row)).toBe(row.expect);
    expect(world.removeStatements(resource, statement)).toBeGreaterThan(0);
    expect(await evaluate(world, row)).toBe(after);
  }
  const mentions = (text: string) => (s: any) => JSON.stringify(s).includes(text);

  test('without the TLS-only statement, a publish without TLS would be allowed', async () => {
    const row: Row = { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', tls: false, expect: DENIED };
    await flips(exampleWorld('public'), row, 'the topic', mentions('aws:SecureTransport'), ALLOWED);
  });

  test('without the endpoint-only statement, a publish off the endpoint would be allowed', async () => {
    const row: Row = { who: PUBLISHER, does: 'sns:Publish', on: 'the topic', expect: DENIED };
    await flips(exampleWorld('private'), row, 'the topic', mentions('aws:SourceVpce'), ALLOWED);
  });

  test('without the endpoint-only statements, a receive off the endpoint would be allowed', async () => {
    const row: Row = { who: CONSUMER, does: 'sqs:ReceiveMessage', on: 'the wholesale queue', expect: DENIED };
    await flips(exampleWorld('private'), row, 'the wholesale queue', mentions('aws:SourceVpce'), ALLOWED);
  });

  test('without the statements admitting SNS, SNS could not deliver into a queue nor use the key', async () => {
    const world = exampleWorld('private');
    const delivery: Row = { who: SNS, does: 'sqs:SendMessage', on: 'the wholesale queue', forTopic: OUR_TOPIC, expect: ALLOWED };
    const encryption: Row = { who: SNS, does: 'kms:GenerateDataKey', on: 'the key', forTopic: OUR_TOPIC, expect: ALLOWED };
    await flips(world, delivery, 'the wholesale queue', mentions(SNS), NOT_GRANTED);
    await flips(world, encryption, 'the key', mentions(SNS), NOT_GRANTED);
  });

  test('without the grantSubscribe statement, the consumer account could not subscribe', async () => {
    const row: Row = { who: CONSUMER_CFN, does: 'sns:Subscribe', protocol: 'sqs', on: 'the platform topic', expect: ALLOWED };
    await flips(crossAccountWorlds().platform, row, 'the platform topic', mentions('sns:Subscribe'), NOT_GRANTED);
  });
});
