import { AppVersion, StackVersion } from './app-version';
import { describeWindow, simulateUpdate } from './simulator';

/*
 * The update-order simulator itself, on small hand-written templates: a window is reported, an
 * ordered grant or a grant already in place is not.
 */

type Json = any;
const ACCOUNT = '111111111111';
const PARTNER = '222222222222';

const queue = (extra: Json = {}) => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: 'orders.fifo', FifoQueue: true, ...extra.Properties }, ...(extra.DependsOn ? { DependsOn: extra.DependsOn } : {}) });
const encryptedQueue = (key: Json, dependsOn?: string[]) => queue({ Properties: { KmsMasterKeyId: key }, DependsOn: dependsOn });
const keyOf = (statements: Json[] = []) => ({
  Type: 'AWS::KMS::Key',
  Properties: { KeyPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }, ...statements] } },
});
const role = { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] } } };
const policy = (roleRef: Json, statements: Json[]) => ({
  Type: 'AWS::IAM::Policy',
  Properties: { PolicyName: 'p', Roles: [roleRef], PolicyDocument: { Version: '2012-10-17', Statement: statements } },
});
const receive = (queueId = 'Queue') => ({ Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } });
const decrypt = (keyId = 'Key') => ({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } });
const keyArn = { 'Fn::GetAtt': ['Key', 'Arn'] };

function stack(resources: Json, extra: Partial<StackVersion> = {}): StackVersion {
  return { stackName: 'S', account: ACCOUNT, region: 'eu-west-1', template: { Resources: resources }, dependsOn: [], ...extra };
}
const app = (...stacks: StackVersion[]): AppVersion => ({ stacks });

describe('one stack', () => {
  const before = app(stack({ Key: keyOf(), Queue: queue(), Reader: role, ReaderPolicy: policy({ Ref: 'Reader' }, [receive()]) }));

  test('a grant added in a policy that references the queue is a window: the queue may switch first', async () => {
    const after = app(stack({ Key: keyOf(), Queue: encryptedQueue(keyArn), Reader: role, ReaderPolicy: policy({ Ref: 'Reader' }, [receive(), decrypt()]) }));
    const windows = await simulateUpdate(before, after);
    expect(windows.map(describeWindow)).toEqual([
      `switch: S/Reader consumes S/Queue but is refused kms:Decrypt on arn:aws:kms:eu-west-1:${ACCOUNT}:key/${keyIdIn(windows)} (window)`,
    ]);
  });

  test('a grant the queue depends on (DependsOn a policy that references only the key) is no window', async () => {
    const after = app(stack({
      Key: keyOf(),
      Queue: encryptedQueue(keyArn, ['ReaderKeyPolicy']),
      Reader: role,
      ReaderPolicy: policy({ Ref: 'Reader' }, [receive()]),
      ReaderKeyPolicy: policy({ Ref: 'Reader' }, [decrypt()]),
    }));
    expect(await simulateUpdate(before, after)).toEqual([]);
  });

  test('a grant already in place before the update is no window', async () => {
    const granted = app(stack({ Key: keyOf(), Queue: queue(), Reader: role, ReaderPolicy: policy({ Ref: 'Reader' }, [receive(), decrypt()]) }));
    const after = app(stack({ Key: keyOf(), Queue: encryptedQueue(keyArn), Reader: role, ReaderPolicy: policy({ Ref: 'Reader' }, [receive(), decrypt()]) }));
    expect(await simulateUpdate(granted, after)).toEqual([]);
  });

  test('a grant missing from the final template is reported at the end of the stack update too', async () => {
    const after = app(stack({ Key: keyOf(), Queue: encryptedQueue(keyArn), Reader: role, ReaderPolicy: policy({ Ref: 'Reader' }, [receive()]) }));
    expect((await simulateUpdate(before, after)).map((w) => w.moment)).toEqual(['window', 'stack updated']);
  });

  test('a role outside the queue\'s users (no sqs grant on it) is not a user, so it needs nothing', async () => {
    const unrelated = app(stack({ Key: keyOf(), Queue: queue(), Reader: role, ReaderPolicy: policy({ Ref: 'Reader' }, [{ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: 'arn:aws:sqs:eu-west-1:111111111111:other' }]) }));
    const after = app(stack({ Key: keyOf(), Queue: encryptedQueue(keyArn), Reader: role, ReaderPolicy: policy({ Ref: 'Reader' }, [{ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: 'arn:aws:sqs:eu-west-1:111111111111:other' }]) }));
    expect(await simulateUpdate(unrelated, after)).toEqual([]);
  });

  test('a key policy that does not delegate to IAM refuses the role even with an identity grant in place', async () => {
    const strictKey = { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Admin` }, Action: 'kms:*', Resource: '*' }] } } };
    const granted = app(stack({ Key: strictKey, Queue: queue(), Reader: role, ReaderPolicy: policy({ Ref: 'Reader' }, [receive(), decrypt()]) }));
    const after = app(stack({ Key: strictKey, Queue: encryptedQueue(keyArn), Reader: role, ReaderPolicy: policy({ Ref: 'Reader' }, [receive(), decrypt()]) }));
    expect((await simulateUpdate(granted, after)).map((w) => w.action)).toEqual(['kms:Decrypt', 'kms:Decrypt']);
  });
});

describe('SNS delivering into the queue', () => {
  const subscription = { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'sqs', TopicArn: { Ref: 'Topic' }, Endpoint: { 'Fn::GetAtt': ['Queue', 'Arn'] } } };
  const topic = { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'orders.fifo', FifoTopic: true } };
  const sns = (sourceArn: string) => ({
    Effect: 'Allow',
    Principal: { Service: 'sns.amazonaws.com' },
    Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
    Resource: '*',
    Condition: { ArnEquals: { 'aws:SourceArn': sourceArn } },
  });
  const before = app(stack({ Key: keyOf(), Topic: topic, Queue: queue(), Subscription: subscription }));

  test('a key policy without SNS is a window for the subscription', async () => {
    const after = app(stack({ Key: keyOf(), Topic: topic, Queue: encryptedQueue(keyArn), Subscription: subscription }));
    expect((await simulateUpdate(before, after)).map((w) => `${w.principal} ${w.action}`)).toEqual([
      'SNS for arn:aws:sns:eu-west-1:111111111111:orders.fifo kms:GenerateDataKey',
      'SNS for arn:aws:sns:eu-west-1:111111111111:orders.fifo kms:Decrypt',
      'SNS for arn:aws:sns:eu-west-1:111111111111:orders.fifo kms:GenerateDataKey',
      'SNS for arn:aws:sns:eu-west-1:111111111111:orders.fifo kms:Decrypt',
    ]);
  });

  test('a key policy admitting SNS for this topic (aws:SourceArn) is no window', async () => {
    const after = app(stack({ Key: keyOf([sns('arn:aws:sns:eu-west-1:111111111111:orders.fifo')]), Topic: topic, Queue: encryptedQueue(keyArn), Subscription: subscription }));
    expect(await simulateUpdate(before, after)).toEqual([]);
  });

  test('a key policy admitting SNS for another topic is a window', async () => {
    const after = app(stack({ Key: keyOf([sns('arn:aws:sns:eu-west-1:111111111111:other.fifo')]), Topic: topic, Queue: encryptedQueue(keyArn), Subscription: subscription }));
    expect((await simulateUpdate(before, after)).length).toBe(4);
  });
});

describe('another account that the queue policy admits', () => {
  const queuePolicy = {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: { Queues: [{ Ref: 'Queue' }], PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: 'sqs:ReceiveMessage', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } }] } },
  };
  const before = app(stack({ Key: keyOf(), Queue: queue(), QueuePolicy: queuePolicy }));

  test('a key policy that does not admit the account is a window for its principals', async () => {
    const after = app(stack({ Key: keyOf(), Queue: encryptedQueue(keyArn), QueuePolicy: queuePolicy }));
    expect((await simulateUpdate(before, after)).map((w) => `${w.principal} ${w.use}`)).toEqual([
      `arn:aws:iam::${PARTNER}:role/PartnerRole consumes`, `arn:aws:iam::${PARTNER}:role/PartnerRole consumes`,
    ]);
  });

  test('a key policy admitting the account for kms:Decrypt is no window', async () => {
    const admit = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: 'kms:Decrypt', Resource: '*' };
    const after = app(stack({ Key: keyOf([admit]), Queue: encryptedQueue(keyArn), QueuePolicy: queuePolicy }));
    expect(await simulateUpdate(before, after)).toEqual([]);
  });
});

describe('two stacks', () => {
  const platform = (resources: Json) => stack(resources, {
    stackName: 'Platform',
    template: { Resources: resources, Outputs: { QueueArn: { Value: { 'Fn::GetAtt': ['Queue', 'Arn'] }, Export: { Name: 'Platform:QueueArn' } }, KeyArn: { Value: { 'Fn::GetAtt': ['Key', 'Arn'] }, Export: { Name: 'Platform:KeyArn' } } } },
  });
  const team = (statements: Json[]) => stack({ Reader: role, ReaderPolicy: policy({ Ref: 'Reader' }, statements) }, { stackName: 'Team', dependsOn: ['Platform'] });
  const importedReceive = { Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: { 'Fn::ImportValue': 'Platform:QueueArn' } };
  const importedDecrypt = { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::ImportValue': 'Platform:KeyArn' } };

  test('a grant in a stack that deploys after the switching stack is a window', async () => {
    const before = app(platform({ Key: keyOf(), Queue: queue() }), team([importedReceive]));
    const after = app(platform({ Key: keyOf(), Queue: encryptedQueue(keyArn) }), team([importedReceive, importedDecrypt]));
    expect((await simulateUpdate(before, after)).map((w) => `${w.principal} ${w.moment}`)).toEqual(['Team/Reader window', 'Team/Reader stack updated']);
  });

  test('a grant in a stack that deploys before the switching stack is no window', async () => {
    const platformOf = (q: Json) => stack({ Key: keyOf(), Queue: q }, {
      stackName: 'Platform',
      dependsOn: ['Team'],
      template: { Resources: { Key: keyOf(), Queue: q } },
    });
    const literal = (statements: Json[]) => stack({ Reader: role, ReaderPolicy: policy({ Ref: 'Reader' }, statements) }, { stackName: 'Team' });
    const queueArn = `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders.fifo`;
    const keyArnLiteral = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/*`;
    const before = app(literal([{ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: queueArn }]), platformOf(queue()));
    const after = app(
      literal([{ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: queueArn }, { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArnLiteral }]),
      platformOf(encryptedQueue(keyArn)),
    );
    expect(await simulateUpdate(before, after)).toEqual([]);
  });
});

describe('the retired-key horizon', () => {
  const twoKeys = (queueKey: string, statements: Json[]) => app(stack({
    Key: keyOf(), NewKey: keyOf(), Queue: encryptedQueue({ 'Fn::GetAtt': [queueKey, 'Arn'] }), Reader: role, ReaderPolicy: policy({ Ref: 'Reader' }, statements),
  }));
  const before = twoKeys('Key', [receive(), decrypt('Key'), decrypt('NewKey')]);

  test('dropping the consumer\'s kms:Decrypt on the key the queue used before is reported', async () => {
    const windows = await simulateUpdate(before, twoKeys('NewKey', [receive(), decrypt('NewKey')]));
    expect(windows.map((w) => `${w.kind} ${w.principal} ${w.action}`)).toEqual(['retired key S/Reader kms:Decrypt']);
  });

  test('keeping it is no window', async () => {
    expect(await simulateUpdate(before, twoKeys('NewKey', [receive(), decrypt('Key'), decrypt('NewKey')]))).toEqual([]);
  });

  test('removing the old key from the app is reported', async () => {
    const dropped = app(stack({ NewKey: keyOf(), Queue: encryptedQueue({ 'Fn::GetAtt': ['NewKey', 'Arn'] }), Reader: role, ReaderPolicy: policy({ Ref: 'Reader' }, [receive(), decrypt('NewKey')]) }));
    expect((await simulateUpdate(before, dropped)).map((w) => w.kind)).toEqual(['retired key']);
  });
});

function keyIdIn(windows: Array<{ key: string }>): string {
  return windows[0]?.key.split('/')[1] ?? 'none';
}
