import { Annotations as CoreAnnotations, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { MonitoringFacade } from 'cdk-monitoring-constructs';
import { FifoFanout, FifoSubscriber, SecureFifoQueue, SecureFifoTopic, ValidationErrorCode, FifoKey } from '../src';
import { ENV, newApp, newStack, resourcesOf, warningsWithId, expectRefused } from './util';

/*
 * Platform ownership: the platform stack owns the topic and its key; teams own their subscribers in
 * their own stacks, in the platform's account or in another one.
 */

const CONSUMER_ENV = { account: '222222222222', region: 'eu-west-1' };
const PLATFORM_TOPIC_ARN = 'arn:aws:sns:eu-west-1:111111111111:price-updates.fifo';

function platformAndTeams() {
  const app = newApp();
  const platform = new Stack(app, 'Platform', { env: ENV });
  const prices = new FifoFanout(platform, 'Prices', { topicName: 'price-updates' });
  prices.addSubscriber('Audit');
  const retailTeam = new Stack(app, 'RetailTeam', { env: ENV });
  const retail = new FifoSubscriber(retailTeam, 'Retail', { topic: prices.topic });
  const wholesaleTeam = new Stack(app, 'WholesaleTeam', { env: ENV });
  const wholesale = new FifoSubscriber(wholesaleTeam, 'Wholesale', { topic: prices.topic });
  return { app, platform, prices, retailTeam, retail, wholesaleTeam, wholesale };
}

describe('subscribers in team stacks of the platform account', () => {
  test('synthesize, with dependencies from team stacks to the platform stack only', () => {
    const { app } = platformAndTeams();
    const assembly = app.synth();
    const dependencies = (name: string) => assembly.getStackByName(name).dependencies.map((d) => d.id).filter((d) => !d.endsWith('.assets'));
    expect(dependencies('Platform')).toEqual([]);
    expect(dependencies('RetailTeam')).toEqual(['Platform']);
    expect(dependencies('WholesaleTeam')).toEqual(['Platform']);
  });

  test("each subscription is in its team's template; the platform template has only its own", () => {
    const { platform, retailTeam, wholesaleTeam, retail, wholesale } = platformAndTeams();
    Template.fromStack(platform).resourceCountIs('AWS::SNS::Subscription', 1);
    for (const [stack, subscriber] of [[retailTeam, retail], [wholesaleTeam, wholesale]] as const) {
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::SNS::Subscription', 1);
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Endpoint: { 'Fn::GetAtt': [stack.getLogicalId(subscriber.queue.node.defaultChild as any), 'Arn'] },
        TopicArn: { 'Fn::ImportValue': Match.stringLikeRegexp('^Platform:') },
      });
    }
  });

  test("a team subscriber gets a key of its own: the platform key's policy belongs to the platform stack", () => {
    const { platform, retailTeam, retail } = platformAndTeams();
    const template = Template.fromStack(retailTeam);
    template.resourceCountIs('AWS::KMS::Key', 1);
    expect(Stack.of(retail.queue.encryptionMasterKey!)).toBe(retailTeam);
    const platformKeys = JSON.stringify(Template.fromStack(platform).findResources('AWS::KMS::Key'));
    expect(platformKeys).not.toContain('RetailTeam');
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'sns.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:eu-west-1:111111111111:price-updates.fifo']] } } },
        })]),
      },
    });
  });

  test("a fan-out's own subscriber shares the fan-out's key", () => {
    const { prices } = platformAndTeams();
    const [audit] = prices.subscribers;
    expect(audit.queue.encryptionMasterKey).toBe(prices.encryptionKey);
  });
});

describe('importing a topic', () => {
  test('fromTopicArn gives an ISecureFifoTopic with the name and environment of the ARN', () => {
    const stack = newStack();
    const topic = SecureFifoTopic.fromTopicArn(stack, 'Prices', PLATFORM_TOPIC_ARN);
    expect(topic.topicArn).toBe(PLATFORM_TOPIC_ARN);
    expect(topic.topicName).toBe('price-updates.fifo');
    expect(topic.fifo).toBe(true);
    expect(topic.env).toEqual({ account: '111111111111', region: 'eu-west-1' });
  });

  test('fromTopicAttributes with a key: publishers granted through the import get the narrow key actions', () => {
    const stack = newStack();
    const topic = SecureFifoTopic.fromTopicAttributes(stack, 'Prices', {
      topicArn: PLATFORM_TOPIC_ARN,
      masterKey: new SecureFifoQueue(stack, 'Unrelated').encryptionMasterKey,
    });
    const role = new iam.Role(stack, 'Publisher', { assumedBy: new iam.AccountRootPrincipal() });
    topic.grantPublish(role);
    const actions = resourcesOf(Template.fromStack(stack), 'AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()));
    expect(actions.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'sns:Publish']);
  });

  test.each([
    ['a standard topic', 'arn:aws:sns:eu-west-1:111111111111:prices'],
    ['a queue', 'arn:aws:sqs:eu-west-1:111111111111:prices.fifo'],
  ])('the ARN of %s is refused, naming the prop', (_what, arn) => {
    const stack = newStack();
    expectRefused(() => SecureFifoTopic.fromTopicArn(stack, 'Prices', arn), 'Test/Prices', [['topicArn', ValidationErrorCode.ARN_FORMAT]]);
  });
});

function crossAccount() {
  const app = newApp();
  const platform = new Stack(app, 'Platform', { env: ENV });
  const prices = new FifoFanout(platform, 'Prices', { topicName: 'price-updates' });
  prices.topic.grantSubscribe(new iam.AccountPrincipal('222222222222'));
  const consumer = new Stack(app, 'Billing', { env: CONSUMER_ENV });
  const topic = SecureFifoTopic.fromTopicArn(consumer, 'Prices', PLATFORM_TOPIC_ARN);
  const billing = new FifoSubscriber(consumer, 'Billing', { topic });
  return { app, platform, prices, consumer, billing };
}

describe('a subscriber in another account', () => {
  test('grantSubscribe lets the account subscribe, over SQS only', () => {
    const { platform, prices } = crossAccount();
    Template.fromStack(platform).hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:root']] } },
          Action: 'sns:Subscribe',
          Resource: { Ref: platform.getLogicalId(prices.topic.node.defaultChild as any) },
          Condition: { StringEquals: { 'sns:Protocol': 'sqs' } },
        })]),
      },
    });
  });

  test('grants.subscribe and grantSubscribe write the same statement', () => {
    const statementOf = (grant: (topic: SecureFifoTopic, grantee: iam.IGrantable) => void) => {
      const stack = newStack();
      const topic = new SecureFifoTopic(stack, 'Topic', { topicName: 'prices' });
      grant(topic, new iam.AccountPrincipal('222222222222'));
      return resourcesOf(Template.fromStack(stack), 'AWS::SNS::TopicPolicy')[0][1].Properties.PolicyDocument.Statement;
    };
    expect(statementOf((t, g) => t.grants.subscribe(g))).toEqual(statementOf((t, g) => t.grantSubscribe(g)));
  });

  test("queue, DLQ, key and subscription live in the consumer's stack; nothing is added to the platform's", () => {
    const { app, consumer, platform } = crossAccount();
    const before = JSON.stringify(Template.fromStack(platform).toJSON());
    const template = Template.fromStack(consumer);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', { TopicArn: PLATFORM_TOPIC_ARN, Protocol: 'sqs' });
    expect(JSON.stringify(Template.fromStack(platform).toJSON())).toBe(before);
    expect(app.synth().getStackByName('Billing').dependencies.filter((d) => !d.id.endsWith('.assets'))).toEqual([]);
  });

  test("the consumer's key and queue policies admit SNS for the platform topic's ARN only (no aws:SourceAccount)", () => {
    const { consumer } = crossAccount();
    const template = Template.fromStack(consumer);
    const condition = { ArnEquals: { 'aws:SourceArn': PLATFORM_TOPIC_ARN } };
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'sns.amazonaws.com' }, Condition: condition })]) },
    });
    const [[, policy]] = resourcesOf(template, 'AWS::SQS::QueuePolicy');
    const snsStatements = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Principal?.Service === 'sns.amazonaws.com');
    expect(snsStatements).toHaveLength(2);
    for (const statement of snsStatements) {
      expect(statement.Condition).toEqual(condition);
    }
    expect(JSON.stringify(template.toJSON())).not.toContain('aws:SourceAccount');
  });

  test("the consumer's own DLQ is the subscription DLQ: SNS wants it in the subscription's account, not the topic's", () => {
    const { consumer, billing } = crossAccount();
    Template.fromStack(consumer).hasResourceProperties('AWS::SNS::Subscription', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [consumer.getLogicalId((billing.deadLetterQueue as sqs.Queue).node.defaultChild as any), 'Arn'] } },
    });
  });

  test('a DLQ in the topic account is refused for a subscription in the consumer account', () => {
    const { consumer } = crossAccount();
    const topic = SecureFifoTopic.fromTopicArn(consumer, 'Again', PLATFORM_TOPIC_ARN);
    const queue = new SecureFifoQueue(consumer, 'Orders');
    const platformDlq = sqs.Queue.fromQueueAttributes(consumer, 'PlatformDlq', {
      queueArn: 'arn:aws:sqs:eu-west-1:111111111111:orders-dlq.fifo',
      keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    const error = expectRefused(() => topic.subscribeQueue('Prices', queue, { deadLetterQueue: platformDlq }), 'Billing/Orders', [
      ['deadLetterQueue', ValidationErrorCode.DLQ_ENVIRONMENT],
    ]);
    expect(error.message).toContain("the subscription's account 222222222222 (it is in 111111111111");
  });

  test('a subscriber in another region is refused (cross-region subscriptions are not built by this library)', () => {
    const stack = new Stack(newApp(), 'Far', { env: { account: '222222222222', region: 'us-east-1' } });
    const topic = SecureFifoTopic.fromTopicArn(stack, 'Prices', PLATFORM_TOPIC_ARN);
    expectRefused(() => new FifoSubscriber(stack, 'Billing', { topic }), 'Far/Billing', [['topic', ValidationErrorCode.CROSS_REGION]]);
  });
});

describe('aws-cdk-lib conventions that tools rely on', () => {
  test('node.defaultChild is the CfnTopic / CfnQueue, and the standard escape hatch works', () => {
    const stack = newStack();
    const topic = new SecureFifoTopic(stack, 'Topic');
    const queue = new SecureFifoQueue(stack, 'Queue');
    expect(topic.node.defaultChild).toBeInstanceOf(sns.CfnTopic);
    expect(queue.node.defaultChild).toBeInstanceOf(sqs.CfnQueue);
    (queue.node.defaultChild as sqs.CfnQueue).addPropertyOverride('DelaySeconds', 5);
    (topic.node.defaultChild as sns.CfnTopic).addPropertyOverride('DisplayName', 'Prices');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', { DelaySeconds: 5 });
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'Prices' });
  });

  test('topicName and queueName are plain strings when known at synth', () => {
    const stack = newStack();
    expect(new SecureFifoTopic(stack, 'Topic', { topicName: 'prices' }).topicName).toBe('prices.fifo');
    expect(new SecureFifoQueue(stack, 'Queue', { queueName: 'orders' }).queueName).toBe('orders.fifo');
    expect(new SecureFifoQueue(stack, 'Generated').queueName).toMatch(/^Test-Generated-[A-Za-z0-9]+\.fifo$/);
  });

  test.each([
    ['topic publish', (s: Stack, g: iam.IGrantable) => new SecureFifoTopic(s, 'T').grantPublish(g), (s: Stack, g: iam.IGrantable) => new SecureFifoTopic(s, 'T').grants.publish(g)],
    ['queue consume', (s: Stack, g: iam.IGrantable) => new SecureFifoQueue(s, 'Q').grantConsumeMessages(g), (s: Stack, g: iam.IGrantable) => new SecureFifoQueue(s, 'Q').grants.consumeMessages(g)],
    ['queue send', (s: Stack, g: iam.IGrantable) => new SecureFifoQueue(s, 'Q').grantSendMessages(g), (s: Stack, g: iam.IGrantable) => new SecureFifoQueue(s, 'Q').grants.sendMessages(g)],
  ])('%s: grant* and grants.* give the same least-privilege permissions', (_what, viaMethod, viaGrants) => {
    const policyOf = (grant: (s: Stack, g: iam.IGrantable) => unknown) => {
      const stack = newStack();
      grant(stack, new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() }));
      return resourcesOf(Template.fromStack(stack), 'AWS::IAM::Policy')[0][1].Properties.PolicyDocument;
    };
    const document = policyOf(viaMethod);
    expect(policyOf(viaGrants)).toEqual(document);
    const actions = document.Statement.flatMap((s: any) => [s.Action].flat());
    expect(actions).not.toContain('kms:GenerateDataKey*');
    expect(actions).not.toContain('kms:Encrypt');
    expect(actions).not.toContain('kms:ReEncrypt*');
  });
});

describe('warnings sit where users acknowledge them and print what to paste', () => {
  const filter = { business: sns.SubscriptionFilter.stringFilter({ allowlist: ['retail'] }) };

  test('the filter-policy warning is on the subscriber and can be acknowledged there', () => {
    const { app, prices, retailTeam } = platformAndTeams();
    const stack = new Stack(app, 'Filtered', { env: ENV });
    const subscriber = new FifoSubscriber(stack, 'Retail', { topic: prices.topic, filterPolicy: filter });
    expect(warningsWithId(stack, 'cdk-secure-fifo:filterPolicyAtMostOnce').map((w) => w.id)).toEqual(['/Filtered/Retail']);
    CoreAnnotations.of(subscriber).acknowledgeWarning('cdk-secure-fifo:filterPolicyAtMostOnce', 'retail only wants retail prices');
    expect(warningsWithId(stack, 'cdk-secure-fifo:filterPolicyAtMostOnce')).toHaveLength(0);
    expect(warningsWithId(retailTeam, 'cdk-secure-fifo:')).toHaveLength(0);
  });

  test('no warning embeds an unresolved token', () => {
    const stack = newStack();
    const topic = new SecureFifoTopic(stack, 'Topic', { topicName: 'prices' });
    topic.subscribeQueue('Orders', sqs.Queue.fromQueueArn(stack, 'Imported', 'arn:aws:sqs:eu-west-1:111111111111:orders.fifo'), {
      deadLetterQueue: new SecureFifoQueue(stack, 'Dlq'),
    });
    const texts = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cdk-secure-fifo:')).map((w) => String(w.entry.data));
    expect(texts.length).toBeGreaterThan(1);
    for (const text of texts) {
      expect(text).not.toMatch(/Fn::|\$\{Token|\[object Object\]/);
      expect(text).toContain('arn:aws:sns:eu-west-1:111111111111:prices.fifo');
    }
  });
});

test('cdk-monitoring-constructs monitors two fan-outs of two subscribers each', () => {
  const stack = newStack();
  const facade = new MonitoringFacade(stack, 'Monitoring');
  for (const name of ['Prices', 'Stock']) {
    const fanout = new FifoFanout(stack, name, { topicName: name.toLowerCase() });
    facade.monitorSnsTopic({ topic: fanout.topic });
    for (const team of ['Retail', 'Wholesale']) {
      const subscriber = fanout.addSubscriber(team, { queueName: `${name}-${team}`.toLowerCase() });
      facade.monitorSqsQueueWithDlq({ queue: subscriber.queue, deadLetterQueue: subscriber.deadLetterQueue });
    }
  }
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  const dashboard = JSON.stringify(resourcesOf(template, 'AWS::CloudWatch::Dashboard')[0][1].Properties.DashboardBody);
  for (const name of ['prices-retail.fifo', 'prices-wholesale-dlq.fifo', 'stock-retail.fifo', 'stock.fifo']) {
    expect(dashboard).toContain(name);
  }
});

describe('review fixes', () => {
  test('a topic imported from a deploy-time ARN synthesizes, its policies name that ARN, and its subscriber gets its own key', () => {
    const stack = newStack();
    const arn = new CfnParameter(stack, 'PricesArn', { type: 'String', default: PLATFORM_TOPIC_ARN }).valueAsString;
    const topic = SecureFifoTopic.fromTopicArn(stack, 'Prices', arn);
    new FifoSubscriber(stack, 'Billing', { topic });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Condition: { ArnEquals: { 'aws:SourceArn': { Ref: 'PricesArn' } } } })]) },
    });
  });

  test('a token pendingWindow not given in days is our error, not kms.Key\'s', () => {
    const stack = newStack();
    const hours = new CfnParameter(stack, 'Hours', { type: 'Number' }).valueAsNumber;
    expectRefused(() => new FifoKey(stack, 'Key', { pendingWindow: Duration.hours(hours) }), 'Test/Key', [['pendingWindow', ValidationErrorCode.OUT_OF_RANGE]]);
  });

  test('a token queue duration not given in seconds is our error, not aws-cdk-lib\'s', () => {
    const stack = newStack();
    const days = new CfnParameter(stack, 'Days', { type: 'Number' }).valueAsNumber;
    expectRefused(() => new SecureFifoQueue(stack, 'Queue', { retentionPeriod: Duration.days(days) }), 'Test/Queue', [['retentionPeriod', ValidationErrorCode.OUT_OF_RANGE]]);
  });
});
