import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations as CoreAnnotations, Aspects, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cfninc from 'aws-cdk-lib/cloudformation-include';
import { replacements } from './update-safety';
import { ENV, expectRefused, newApp, resourcesOf } from './util';
import { AdoptionStage, SecureExistingFifo, SecureExistingFifoProps, ValidationErrorCode } from '../src';
import { WARNING } from '../src/private/warnings';

/** A hand-wired fan-out: a topic, a queue subscribed to it, a publisher and a consumer role. */
function handWired(stack: Stack, queueProps: Partial<sqs.QueueProps> = {}) {
  const topic = new sns.Topic(stack, 'Orders', { fifo: true, topicName: 'orders' });
  const queue = new sqs.Queue(stack, 'Billing', { fifo: true, queueName: 'billing.fifo', ...queueProps });
  topic.addSubscription(new subs.SqsSubscription(queue));
  const publisher = new iam.Role(stack, 'Publisher', { assumedBy: new iam.AccountRootPrincipal() });
  topic.grantPublish(publisher);
  const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });
  queue.grantConsumeMessages(consumer);
  return { topic, queue, publisher, consumer };
}

function secured(props: SecureExistingFifoProps = {}, build: (s: Stack) => void = (s) => handWired(s)) {
  const stack = new Stack(newApp(), 'Legacy', { env: ENV });
  build(stack);
  Aspects.of(stack).add(new SecureExistingFifo(props));
  return { stack, template: Template.fromStack(stack) };
}

const logicalId = (stack: Stack, id: string) => stack.getLogicalId(stack.node.findChild(id).node.defaultChild as any);
const warnings = (stack: Stack, id: string) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(id));

/** The statements of the role's own grants policy (`SecureExistingFifoKeys`). */
function ourGrants(t: Template, roleId: string): any[] {
  return resourcesOf(t, 'AWS::IAM::Policy').filter(([, p]) => p.Properties.PolicyName === 'SecureExistingFifoKeys' && JSON.stringify(p.Properties.Roles).includes(roleId))
    .flatMap(([, p]) => [].concat(p.Properties.PolicyDocument.Statement));
}

function statementsFor(t: Template, roleId: string): any[] {
  return resourcesOf(t, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
    .flatMap(([, p]) => [].concat(p.Properties.PolicyDocument.Statement));
}

describe('stages', () => {
  test('PREPARE changes no KmsMasterKeyId and no SqsManagedSseEnabled of an existing topic or queue', () => {
    const before = Template.fromStack((() => {
      const s = new Stack(newApp(), 'Legacy', { env: ENV });
      handWired(s);
      return s;
    })()).toJSON().Resources;
    const { template } = secured({ stage: AdoptionStage.PREPARE });
    const after = template.toJSON().Resources;
    for (const [id, r] of Object.entries<any>(before)) {
      if (r.Type === 'AWS::SNS::Topic' || r.Type === 'AWS::SQS::Queue') {
        expect(after[id].Properties.KmsMasterKeyId).toEqual(r.Properties.KmsMasterKeyId);
        expect(after[id].Properties.SqsManagedSseEnabled).toEqual(r.Properties.SqsManagedSseEnabled);
      }
    }
  });

  test('PREPARE creates the key, admits SNS for the topic, adds the DLQs and grants the key to publisher and consumer', () => {
    const { stack, template } = secured({ stage: AdoptionStage.PREPARE });
    const key = { 'Fn::GetAtt': [logicalId(stack, 'SecureExistingFifoKey'), 'Arn'] };
    expect(statementsFor(template, logicalId(stack, 'Publisher'))).toContainEqual({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: key });
    expect(statementsFor(template, logicalId(stack, 'Consumer'))).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: key });
    const keyPolicy = [].concat(template.toJSON().Resources[logicalId(stack, 'SecureExistingFifoKey')].Properties.KeyPolicy.Statement) as any[];
    expect(keyPolicy.some((s) => s.Principal?.Service === 'sns.amazonaws.com' && JSON.stringify(s.Condition).includes(':orders.fifo'))).toBe(true);
    // A subscription DLQ and a consumer DLQ, both new, encrypted with the key from their creation.
    const dlqs = resourcesOf(template, 'AWS::SQS::Queue').filter(([, q]) => q.Properties.QueueName !== 'billing.fifo');
    expect(dlqs).toHaveLength(2);
    for (const [, q] of dlqs) {
      expect(q.Properties.KmsMasterKeyId).toEqual(key);
    }
  });

  test('PREPARE prints no backlog note: nothing is re-encrypted in that deploy', () => {
    const { stack } = secured({ stage: AdoptionStage.PREPARE });
    expect(warnings(stack, WARNING.backlogNotReencrypted)).toEqual([]);
  });

  test('ENCRYPT: the topic and the queue wait (DependsOn) for the grants policies of their stack', () => {
    const { stack, template } = secured();
    const resources = template.toJSON().Resources;
    const grantsOf = (role: string) => resourcesOf(template, 'AWS::IAM::Policy')
      .find(([, p]) => p.Properties.PolicyName === 'SecureExistingFifoKeys' && JSON.stringify(p.Properties.Roles).includes(logicalId(stack, role)))![0];
    expect(resources[logicalId(stack, 'Orders')].DependsOn).toContain(grantsOf('Publisher'));
    expect(resources[logicalId(stack, 'Billing')].DependsOn).toContain(grantsOf('Consumer'));
    // The grants policy references only the role and the key, never the queue or topic: no cycle.
    const grants = JSON.stringify(resources[grantsOf('Consumer')]);
    expect(grants).not.toContain(logicalId(stack, 'Billing'));
  });

  test('a role\'s other policies wait for its grants policy (statements moving out of them are never missing)', () => {
    const { stack, template } = secured();
    const resources = template.toJSON().Resources;
    const consumer = logicalId(stack, 'Consumer');
    const [grants] = resourcesOf(template, 'AWS::IAM::Policy').find(([, p]) => p.Properties.PolicyName === 'SecureExistingFifoKeys' && JSON.stringify(p.Properties.Roles).includes(consumer))!;
    const [defaultPolicy] = resourcesOf(template, 'AWS::IAM::Policy').find(([, p]) => p.Properties.PolicyName !== 'SecureExistingFifoKeys' && JSON.stringify(p.Properties.Roles).includes(consumer))!;
    expect(resources[defaultPolicy].DependsOn).toContain(grants);
  });

  test('PREPARE then ENCRYPT: the second deploy replaces and removes nothing the first created', () => {
    const prepare = secured({ stage: AdoptionStage.PREPARE }).template;
    const encrypt = secured().template;
    expect(replacements(prepare, encrypt)).toEqual([]);
    expect(Object.keys(encrypt.toJSON().Resources)).toEqual(expect.arrayContaining(Object.keys(prepare.toJSON().Resources)));
    expect(Object.keys(encrypt.toJSON().Outputs ?? {})).toEqual(expect.arrayContaining(Object.keys(prepare.toJSON().Outputs ?? {})));
  });

  test('ENCRYPT names a principal of a stack that does not deploy before the switching stack; PREPARE does not', () => {
    const build = (stage?: AdoptionStage) => {
      const app = newApp();
      const platform = new Stack(app, 'Platform', { env: ENV });
      const team = new Stack(app, 'Team', { env: ENV });
      const topic = new sns.Topic(platform, 'Orders', { fifo: true, topicName: 'orders' });
      topic.addSubscription(new subs.SqsSubscription(new sqs.Queue(platform, 'Billing', { fifo: true, queueName: 'billing.fifo' })));
      const publisher = new iam.Role(team, 'Publisher', { assumedBy: new iam.AccountRootPrincipal() });
      topic.grantPublish(publisher);
      Aspects.of(platform).add(new SecureExistingFifo({ stage }));
      app.synth();
      return { platform, team };
    };
    const encrypt = build();
    // The team's publisher is found in the whole app and granted in its own stack.
    expect(statementsFor(Template.fromStack(encrypt.team), logicalId(encrypt.team, 'Publisher')).some((s) => JSON.stringify(s.Action).includes('kms:GenerateDataKey'))).toBe(true);
    const found = warnings(encrypt.platform, WARNING.grantAfterSwitch);
    expect(found.map((w) => w.id)).toEqual(['/Platform/Orders']);
    expect(found[0].entry.data).toMatch(/Team\/Publisher.*PREPARE/);
    expect(warnings(build(AdoptionStage.PREPARE).platform, WARNING.grantAfterSwitch)).toEqual([]);
  });
});

describe('scope', () => {
  test('on the App with an encryptionKey of a platform stack: every stack secured, no cross-stack cycle', () => {
    const app = newApp();
    const platform = new Stack(app, 'Platform', { env: ENV });
    const key = new kms.Key(platform, 'OrgKey', { enableKeyRotation: true });
    const team = new Stack(app, 'Team', { env: ENV });
    handWired(team);
    Aspects.of(app).add(new SecureExistingFifo({ encryptionKey: key }));
    const assembly = app.synth();
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['Platform', 'Team']);
    const t = Template.fromStack(team);
    t.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'billing.fifo', KmsMasterKeyId: { 'Fn::ImportValue': Match.anyValue() } });
    expect(Annotations.fromStack(team).findError('*', Match.anyValue())).toEqual([]);
  });
});

describe('no cross-stack cycle', () => {
  test('a principal in a stack the key\'s stack deploys after is not given a reference to the key: a warning with the statement instead', () => {
    const app = newApp();
    const platform = new Stack(app, 'Platform', { env: ENV });
    const team = new Stack(app, 'Team', { env: ENV });
    const topic = new sns.Topic(platform, 'Orders', { fifo: true, topicName: 'orders' });
    // The team's queue subscribes to the platform's topic: Team deploys after Platform.
    topic.addSubscription(new subs.SqsSubscription(new sqs.Queue(team, 'Billing', { fifo: true, queueName: 'billing.fifo' })));
    // A platform role that reads the team's queue by its ARN written as text.
    new iam.Role(platform, 'Auditor', {
      assumedBy: new iam.AccountRootPrincipal(),
      inlinePolicies: { read: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['sqs:ReceiveMessage'], resources: ['arn:aws:sqs:eu-west-1:111111111111:billing.fifo'] })] }) },
    });
    Aspects.of(app).add(new SecureExistingFifo());
    expect(() => app.synth()).not.toThrow();
    const found = warnings(team, WARNING.notSecured).filter((w) => String(w.entry.data).includes('Platform/Auditor'));
    expect(found).toHaveLength(1);
    expect(found[0].entry.data).toMatch(/cannot reference the key without a cycle.*kms:Decrypt/);
  });
});

describe('props', () => {
  test('maxReceiveCount sets the redrive policy given to a queue without one', () => {
    const { template } = secured({ maxReceiveCount: 3 });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'billing.fifo', RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: Match.anyValue() } });
  });

  test.each([0, 1001])('maxReceiveCount %d is refused', (count) => {
    expectRefused(() => secured({ maxReceiveCount: count }), 'Legacy', [['maxReceiveCount', ValidationErrorCode.OUT_OF_RANGE]]);
  });

  test('removalPolicy DESTROY applies to the topic, the queue and the DLQs it adds', () => {
    const { template } = secured({ removalPolicy: RemovalPolicy.DESTROY });
    for (const type of ['AWS::SNS::Topic', 'AWS::SQS::Queue']) {
      for (const [, r] of resourcesOf(template, type)) {
        expect(r.DeletionPolicy).toBe('Delete');
      }
    }
  });

  test('pendingKeys are granted to publisher and consumer and admit SNS, but encrypt nothing', () => {
    const stack = new Stack(newApp(), 'Legacy', { env: ENV });
    handWired(stack);
    const next = new kms.Key(stack, 'NextKey', { enableKeyRotation: true });
    Aspects.of(stack).add(new SecureExistingFifo({ pendingKeys: [next] }));
    const t = Template.fromStack(stack);
    const nextId = logicalId(stack, 'NextKey');
    const arn = { 'Fn::GetAtt': [nextId, 'Arn'] };
    expect(ourGrants(t, logicalId(stack, 'Publisher'))).toContainEqual({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: arn });
    expect(ourGrants(t, logicalId(stack, 'Consumer'))).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: arn });
    const keyPolicy = [].concat(t.toJSON().Resources[nextId].Properties.KeyPolicy.Statement) as any[];
    expect(keyPolicy.some((st) => st.Principal?.Service === 'sns.amazonaws.com' && JSON.stringify(st.Condition).includes(':orders.fifo'))).toBe(true);
    for (const type of ['AWS::SNS::Topic', 'AWS::SQS::Queue']) {
      for (const [, r] of resourcesOf(t, type)) {
        expect(JSON.stringify(r.Properties.KmsMasterKeyId)).not.toContain(nextId);
      }
    }
  });
});

describe('template forms', () => {
  const include = (template: object, parameters?: Record<string, string>) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'adopt-')), 'template.json');
    fs.writeFileSync(file, JSON.stringify(template));
    const stack = new Stack(newApp(), 'Legacy', { env: ENV });
    new cfninc.CfnInclude(stack, 'Legacy', { templateFile: file, parameters });
    Aspects.of(stack).add(new SecureExistingFifo());
    return { stack, template: Template.fromStack(stack) };
  };
  const carrier = (readerResource: unknown) => ({
    Resources: {
      Shipments: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'shipments.fifo', FifoTopic: true } },
      CarrierQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'carrier.fifo', FifoQueue: true } },
      CarrierSubscription: { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: { Ref: 'Shipments' }, Endpoint: { 'Fn::GetAtt': ['CarrierQueue', 'Arn'] }, Protocol: 'sqs' } },
      Reader: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
          Policies: [{ PolicyName: 'read', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: readerResource }] } }],
        },
      },
    },
  });

  test('a role whose inline policy names the queue as short-form !GetAtt CarrierQueue.Arn gets kms:Decrypt', () => {
    const { template } = include(carrier({ 'Fn::GetAtt': 'CarrierQueue.Arn' }));
    const inline = [].concat(template.toJSON().Resources.Reader.Properties.Policies[0].PolicyDocument.Statement) as any[];
    expect(inline.some((st) => st.Action === 'kms:Decrypt')).toBe(true);
  });

  const subTopic = {
    Parameters: { Env: { Type: 'String' } },
    Resources: { Shipments: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { 'Fn::Sub': 'shipments-${Env}.fifo' }, FifoTopic: true } } },
  };

  test('a topic named with Fn::Sub is secured when CfnInclude\'s parameters give the variable', () => {
    const { template } = include(subTopic, { Env: 'prod' });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  test('without the parameter, the warning names the variable and does not ask to give the topic a name', () => {
    const { stack } = include(subTopic);
    const [found] = warnings(stack, WARNING.notSecured);
    expect(found.entry.data).toContain('Env');
    expect(found.entry.data).not.toMatch(/Give the topic a name/i);
  });
});

describe('other accounts', () => {
  test('a partner account the queue policy lets receive is admitted for kms:Decrypt in the key policy', () => {
    const { stack, template } = secured({}, (s) => {
      const { queue } = handWired(s);
      queue.grantConsumeMessages(new iam.AccountPrincipal('222222222222'));
    });
    const keyPolicy = [].concat(template.toJSON().Resources[logicalId(stack, 'SecureExistingFifoKey')].Properties.KeyPolicy.Statement) as any[];
    expect(keyPolicy).toContainEqual(expect.objectContaining({
      Effect: 'Allow',
      Principal: { AWS: expect.stringContaining(':iam::222222222222:root') },
      Action: 'kms:Decrypt',
    }));
    // The partner still needs its own identity policy: the warning gives it, with where the ARN is found.
    const [found] = warnings(stack, WARNING.principalNeedsKey);
    expect(found.entry.data).toMatch(/222222222222.*output SecureExistingFifoKeyArn/);
    expect(template.toJSON().Outputs.SecureExistingFifoKeyArn).toBeDefined();
  });
});

test('an alarm of the app that publishes to an adopted topic: the key admits CloudWatch', () => {
  const { stack, template } = secured({ stage: AdoptionStage.PREPARE }, (s) => {
    const { topic } = handWired(s);
    new cloudwatch.CfnAlarm(s, 'Depth', {
      comparisonOperator: 'GreaterThanThreshold',
      evaluationPeriods: 1,
      threshold: 1,
      metricName: 'ApproximateNumberOfMessagesVisible',
      namespace: 'AWS/SQS',
      period: 60,
      statistic: 'Maximum',
      alarmActions: [topic.topicArn],
    });
  });
  const keyPolicy = [].concat(template.toJSON().Resources[logicalId(stack, 'SecureExistingFifoKey')].Properties.KeyPolicy.Statement) as any[];
  expect(keyPolicy).toContainEqual({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: '*' });
});

describe('warnings that are true when printed', () => {
  test('externalConsumersNeedKey is not printed on a queue that is only a subscription DLQ', () => {
    const { stack } = secured({}, (s) => {
      const topic = new sns.Topic(s, 'Orders', { fifo: true, topicName: 'orders' });
      const subDlq = new sqs.Queue(s, 'SubDlq', { fifo: true, queueName: 'sub-dlq.fifo' });
      topic.addSubscription(new subs.SqsSubscription(new sqs.Queue(s, 'Billing', { fifo: true, queueName: 'billing.fifo' }), { deadLetterQueue: subDlq }));
    });
    expect(warnings(stack, WARNING.externalConsumersNeedKey).map((w) => w.id).sort()).toEqual(['/Legacy/Billing', '/Legacy/Orders']);
  });

  test.each([
    ['unencrypted', { encryption: sqs.QueueEncryption.UNENCRYPTED }],
    ['SSE-SQS', {}],
  ])('a queue that was %s is not told to keep a previous key enabled', (_, props) => {
    const { stack } = secured({}, (s) => handWired(s, props));
    const [found] = Annotations.fromStack(stack).findWarning('/Legacy/Billing', Match.stringLikeRegexp(WARNING.backlogNotReencrypted));
    expect(found.entry.data).not.toMatch(/previous key/);
  });

  test('a queue that had a customer managed key is told to keep it enabled', () => {
    const app = newApp();
    const stack = new Stack(app, 'Legacy', { env: ENV });
    const old = new kms.Key(stack, 'OldKey', { enableKeyRotation: true });
    handWired(stack, { encryptionMasterKey: old });
    Aspects.of(stack).add(new SecureExistingFifo({ encryptionKey: new kms.Key(stack, 'OrgKey', { enableKeyRotation: true }), retiredKeys: [old] }));
    const [found] = Annotations.fromStack(stack).findWarning('/Legacy/Billing', Match.stringLikeRegexp(WARNING.backlogNotReencrypted));
    expect(found.entry.data).toMatch(/previous key enabled/);
  });

  test('publishers do not get kms:Decrypt on retired queue keys; consumers do', () => {
    const app = newApp();
    const stack = new Stack(app, 'Legacy', { env: ENV });
    const old = new kms.Key(stack, 'OldKey', { enableKeyRotation: true });
    handWired(stack, { encryptionMasterKey: old });
    const producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.AccountRootPrincipal() });
    (stack.node.findChild('Billing') as sqs.Queue).grantSendMessages(producer);
    Aspects.of(stack).add(new SecureExistingFifo({ encryptionKey: new kms.Key(stack, 'OrgKey', { enableKeyRotation: true }), retiredKeys: [old] }));
    const t = Template.fromStack(stack);
    const oldArn = JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, 'OldKey'), 'Arn'] });
    const retired = (role: string) => ourGrants(t, logicalId(stack, role)).filter((st) => JSON.stringify(st.Resource).includes(oldArn));
    expect(retired('Consumer')).toEqual([{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: JSON.parse(oldArn) }]);
    expect(retired('Producer')).toEqual([]);
    // The publisher of the topic never reads the queue's backlog: no statement on the queue's retired key at all.
    expect(statementsFor(t, logicalId(stack, 'Publisher')).filter((st) => JSON.stringify(st.Resource).includes(oldArn))).toEqual([]);
  });

  test('an addPropertyOverride that replaces the key policy is named in a warning saying why SNS would be denied', () => {
    const { stack } = secured({}, (s) => {
      handWired(s);
      const key = new kms.Key(s, 'SecureExistingFifoKey', { enableKeyRotation: true });
      (key.node.defaultChild as kms.CfnKey).addPropertyOverride('KeyPolicy', { Version: '2012-10-17', Statement: [] });
    });
    const [found] = warnings(stack, WARNING.keyPolicyOverridden);
    expect(found.id).toBe('/Legacy/SecureExistingFifoKey');
    expect(found.entry.data).toMatch(/addPropertyOverride.*replaces the statements SecureExistingFifo adds/);
  });

  test('once acknowledged on the stack, a synth of the unchanged app prints no adoption warning', () => {
    const stack = new Stack(newApp(), 'Legacy', { env: ENV });
    handWired(stack);
    Aspects.of(stack).add(new SecureExistingFifo());
    for (const id of [WARNING.backlogNotReencrypted, WARNING.externalConsumersNeedKey]) {
      CoreAnnotations.of(stack).acknowledgeWarning(id, 'ENCRYPT deployed; no principal outside the app');
    }
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cdk-secure-fifo:'))).toEqual([]);
  });
});

