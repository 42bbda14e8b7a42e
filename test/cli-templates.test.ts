import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Aspects, CfnElement } from 'aws-cdk-lib';
import { Annotations as AssertAnnotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';
import { FifoDeliveryChecks } from '../src';
import { newStack } from './util';
import { checkTemplates, runCli } from '../src/cli';
import { DELIVERY_RULES } from '../src/private/rules';

// The CLI over templates written as AWS users write them (YAML short forms, several stacks,
// parameters, JSON strings), without synthesizing anything.

const FIXTURES = path.join(__dirname, 'fixtures');
const WIRED = fs.readFileSync(path.join(FIXTURES, 'hand-wired.yaml'), 'utf8');
const BROKEN = path.join(FIXTURES, 'hand-wired-broken.yaml');
const LAMBDA = path.join(FIXTURES, 'lambda-short-visibility.yaml');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-templates-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function write(text: string, name = `t${++counter}.yaml`): string {
  const sub = path.join(dir, String(++counter));
  fs.mkdirSync(sub);
  const file = path.join(sub, name);
  fs.writeFileSync(file, text);
  return file;
}

function run(...args: string[]): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = runCli(args, (line) => lines.push(line));
  return { code, lines };
}

/** `LEVEL rule logicalId` of each finding, sorted. */
function summary(files: string[], options = {}): string[] {
  return checkTemplates(files, options).map((f) => `${f.level} ${f.rule.replace('cdk-secure-fifo:', '')} ${f.logicalId}`).sort();
}

/** The hand-wired fan-out split in two stacks: the topic exported by one, imported by the other. */
const PLATFORM = [
  'Resources:',
  '  Topic:',
  '    Type: AWS::SNS::Topic',
  '    Properties:',
  '      TopicName: orders.fifo',
  '      FifoTopic: true',
  'Outputs:',
  '  TopicArn:',
  '    Value: !Ref Topic',
  '    Export:',
  '      Name: !Sub "${Env}-TopicArn"',
  'Parameters:',
  '  Env:',
  '    Type: String',
  '    Default: platform',
].join('\n');
const CONSUMER = WIRED
  .replace(/ {2}Topic:\n {4}Type: AWS::SNS::Topic\n {4}Properties:\n {6}TopicName: orders.fifo\n {6}FifoTopic: true\n/, '')
  .split('!Ref Topic').join('!ImportValue platform-TopicArn');

describe('item 1: a template that cannot be read never hides the others', () => {
  test('a broken template beside a readable one: the readable one is checked, the broken one named with the reason, exit 2', () => {
    const broken = write('Resources:\n  Queue: [unclosed\n');
    const { code, lines } = run('check', broken, BROKEN);
    expect(code).toBe(2);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ERROR cdk-secure-fifo:templateNotRead ${broken.replace(/[.]/g, '\\.')}: the template is not valid YAML \\(line \\d+\\)`)));
    expect(lines).toContainEqual(expect.stringMatching(/^ERROR cdk-secure-fifo:AWS_MANAGED_KEY .*hand-wired-broken\.yaml OrdersQueue: /));
    expect(lines[lines.length - 1]).toBe('1 error(s), 1 warning(s), 1 unknown in 2 template(s), 1 not read');
  });

  test('a FilterPolicy written as a JSON string (CloudFormation type Json) is read and checked', () => {
    const file = write(WIRED.replace('      RawMessageDelivery: false\n', '      RawMessageDelivery: false\n      FilterPolicy: \'{"kind": ["order"]}\'\n'));
    const { code, lines } = run('check', file);
    expect(code).toBe(0);
    expect(lines).toContainEqual(expect.stringMatching(/^WARNING cdk-secure-fifo:filterPolicyAtMostOnce .* OrdersSubscription: /));
  });
});

describe('item 4: all templates given are one app', () => {
  test('an import matched to the export of another template: the two stacks come out clean', () => {
    expect(summary([write(PLATFORM), write(CONSUMER)])).toEqual([]);
  });

  test('the topic imported from a stack not given, named by the same import in the policies: decided, no unknown', () => {
    expect(summary([write(CONSUMER)]).filter((f) => f.startsWith('info SNS_') || f.startsWith('error'))).toEqual([]);
  });

  test('a queue policy that admits another topic than the imported one: an error, decided', () => {
    const policyOnOtherTopic = CONSUMER.replace(/(QueuePolicy:[\s\S]*?aws:SourceArn: )!ImportValue platform-TopicArn/, '$1arn:aws:sns:eu-west-1:111111111111:other.fifo');
    const found = summary([write(PLATFORM), write(policyOnOtherTopic)], { account: '111111111111', region: 'eu-west-1' });
    expect(found.filter((f) => f.startsWith('error'))).toEqual([
      // the DLQ of both subscriptions
      'error SNS_DLQ_ACCESS AuditDlq', 'error SNS_DLQ_ACCESS AuditDlq',
      'error SNS_QUEUE_POLICY AuditQueue', 'error SNS_QUEUE_POLICY OrdersQueue',
    ]);
  });
});

describe('item 5: what the output says', () => {
  test('messages name resources by logical ID: no internal identity, no "X (X)"', () => {
    // An unnamed topic (its ARN is only known at deploy time) and a queue policy that does not admit it.
    const text = WIRED.replace('      TopicName: orders.fifo\n', '').replace(/Service: sns\.amazonaws\.com(\s+)Action: sqs:SendMessage/, 'Service: lambda.amazonaws.com$1Action: sqs:SendMessage');
    const found = checkTemplates([write(text)]);
    expect(found.filter((f) => f.level === 'error').length).toBeGreaterThan(0);
    for (const f of found) {
      expect(f.message).not.toMatch(/@AWS::|@import:|sqs-url:/);
      expect(f.message).not.toMatch(new RegExp(`${f.logicalId} \\(${f.logicalId}\\)`));
    }
    expect(found.find((f) => f.rule === 'cdk-secure-fifo:SNS_QUEUE_POLICY')?.message).toMatch(/from AWS::SNS::Topic Topic/);
  });

  test('a Lambda consumer: the message names each resource once', () => {
    const finding = checkTemplates([LAMBDA]).find((f) => f.rule === 'cdk-secure-fifo:LAMBDA_CONSUMER')!;
    expect(finding.message).toMatch(/^AWS::Lambda::EventSourceMapping Mapping feeds AWS::Lambda::Function Fn \(timeout 60 s\) from AWS::SQS::Queue Queue, whose visibility timeout is 30 s/);
  });

  test('nothing on stderr (aws-cdk-lib\'s template validation would report the short visibility timeout)', () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(run('check', LAMBDA).code).toBe(1);
      expect([stderr.mock.calls, warn.mock.calls, error.mock.calls]).toEqual([[], [], []]);
    } finally {
      stderr.mockRestore();
      warn.mockRestore();
      error.mockRestore();
    }
  });
});

describe('output formats', () => {
  test('--format json: the findings and the summary', () => {
    const { code, lines } = run('check', '--format', 'json', BROKEN);
    expect(code).toBe(1);
    const out = JSON.parse(lines.join('\n'));
    expect(out.findings).toEqual(JSON.parse(JSON.stringify(checkTemplates([BROKEN]))));
    expect(out.summary).toEqual({ errors: 1, warnings: 1, unknown: 1, templates: 1, unread: 0 });
  });

  test('--format sarif: valid SARIF 2.1.0, each result on the line of its resource\'s logical ID', () => {
    // ajv 6 reads the draft-04 schema SARIF publishes (test/fixtures/sarif/SOURCE.md).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv = require('ajv');
    const ajv = new Ajv({ schemaId: 'id', allErrors: true, meta: false });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const draft04 = require('ajv/lib/refs/json-schema-draft-04.json');
    ajv.addMetaSchema(draft04);
    ajv._opts.defaultMeta = draft04.id;
    const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(FIXTURES, 'sarif', 'sarif-2.1.0-rtm.5.json'), 'utf8')));
    expect(validate({ version: '2.1.0' })).toBe(false);
    const broken = write('{"Resources": ', 'broken.json');
    const { code, lines } = run('check', '--format=sarif', BROKEN, broken);
    expect(code).toBe(2);
    const log = JSON.parse(lines.join('\n'));
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    const run0 = log.runs[0];
    const source = fs.readFileSync(BROKEN, 'utf8').split('\n');
    expect(run0.results.map((r: any) => [r.ruleId, r.level, source[r.locations[0].physicalLocation.region.startLine - 1].trim()]).sort()).toEqual([
      ['cdk-secure-fifo:AWS_MANAGED_KEY', 'error', 'OrdersQueue:'],
      ['cdk-secure-fifo:AWS_MANAGED_KEY', 'note', 'AuditQueue:'],
      ['cdk-secure-fifo:subscriptionWithoutDeadLetterQueue', 'warning', 'OrdersSubscription:'],
    ].sort());
    expect(run0.invocations[0].executionSuccessful).toBe(false);
    expect(run0.invocations[0].toolExecutionNotifications[0].message.text).toMatch(/broken\.json: the template is not valid JSON/);
  });

  test('--help lists every rule with its id, severity and source', () => {
    const { code, lines } = run('--help');
    expect(code).toBe(0);
    for (const rule of DELIVERY_RULES) {
      expect(lines).toContain(`  ${rule.id} ${rule.severity} ${rule.source}`);
    }
  });

  test.each([
    [['check', '--format', 'xml', 'a.yaml'], '--format must be one of text, json, sarif, not xml'],
    [['check', '--region'], '--region needs a value'],
    [['check', '--colour', 'a.yaml'], 'unknown option --colour'],
  ])('%j is a usage error', (args, why) => {
    const { code, lines } = run(...args);
    expect(code).toBe(2);
    expect(lines[lines.length - 1]).toBe(`cdk-secure-fifo: ${why}`);
  });
});

describe('what is resolved', () => {
  /** A subscription whose DLQ is given by ARN in us-east-1. */
  const dlqElsewhere = WIRED.replace(/deadLetterTargetArn: !GetAtt AuditDlq\.Arn\n(?=\s+AuditSubscription)/, 'deadLetterTargetArn: arn:aws:sqs:us-east-1:111111111111:dlq.fifo\n');

  test('an environment-agnostic template: a DLQ in a named region cannot be judged', () => {
    expect(summary([write(dlqElsewhere)]).filter((f) => f.includes('DLQ_ENVIRONMENT'))).toEqual(['info DLQ_ENVIRONMENT OrdersSubscription']);
  });

  test('--account and --region give AWS::AccountId and AWS::Region: the DLQ in another region is an error', () => {
    const file = write(dlqElsewhere);
    const { code, lines } = run('check', '--account', '111111111111', '--region', 'eu-west-1', file);
    expect(code).toBe(1);
    expect(lines).toContainEqual(expect.stringMatching(/^ERROR cdk-secure-fifo:DLQ_ENVIRONMENT .* OrdersSubscription: .* is in region eu-west-1, and its dead-letter queue arn:aws:sqs:us-east-1/));
  });

  test('a cdk.out manifest.json beside the template gives its account and region', () => {
    const file = write(dlqElsewhere, 'Orders.template.yaml');
    fs.writeFileSync(path.join(path.dirname(file), 'manifest.json'), JSON.stringify({
      artifacts: { Orders: { type: 'aws:cloudformation:stack', environment: 'aws://111111111111/eu-west-1', properties: { templateFile: 'Orders.template.yaml' } } },
    }));
    expect(summary([file]).filter((f) => f.includes('DLQ_ENVIRONMENT'))).toEqual(['error DLQ_ENVIRONMENT OrdersSubscription']);
  });

  test('a queue key from a parameter\'s Default (alias/aws/sqs): a warning that says so, never an error', () => {
    const text = WIRED.replace('Resources:', 'Parameters:\n  OrdersKey:\n    Type: String\n    Default: alias/aws/sqs\nResources:')
      .replace(/(QueueName: orders\.fifo\n\s+FifoQueue: true\n\s+KmsMasterKeyId: )!Ref Key/, '$1!Ref OrdersKey');
    const found = checkTemplates([write(text)]).filter((f) => f.rule === 'cdk-secure-fifo:AWS_MANAGED_KEY');
    expect(found.map((f) => `${f.level} ${f.logicalId}`)).toEqual(['warning OrdersQueue']);
    expect(found[0].message).toMatch(/assuming the Default of parameter OrdersKey; a deployed stack can be given another value/);
  });

  test('Fn::If on a condition that can be decided picks its branch', () => {
    const text = WIRED.replace('Resources:', 'Conditions:\n  Managed: !Equals [a, a]\nResources:')
      .replace(/(QueueName: orders\.fifo\n\s+FifoQueue: true\n\s+KmsMasterKeyId: )!Ref Key/, '$1!If [Managed, alias/aws/sqs, !Ref Key]');
    expect(summary([write(text)]).filter((f) => f.startsWith('error'))).toEqual(['error AWS_MANAGED_KEY OrdersQueue']);
  });

  test('Fn::If on a parameter without Default: unknown, never an error', () => {
    const text = WIRED.replace('Resources:', 'Parameters:\n  Env:\n    Type: String\nConditions:\n  Managed: !Equals [!Ref Env, prod]\nResources:')
      .replace(/(QueueName: orders\.fifo\n\s+FifoQueue: true\n\s+KmsMasterKeyId: )!Ref Key/, '$1!If [Managed, alias/aws/sqs, !Ref Key]');
    expect(summary([write(text)]).filter((f) => f.includes('OrdersQueue'))).toEqual(['info AWS_MANAGED_KEY OrdersQueue']);
  });

  test('Fn::Sub with a variables map, Fn::FindInMap, Fn::Select and Fn::Join name the topic in the policy', () => {
    const text = WIRED.replace('Resources:', 'Mappings:\n  Names:\n    Orders:\n      Topic: orders\nResources:')
      .replace(/(QueuePolicy:[\s\S]*?aws:SourceArn: )!Ref Topic/, '$1!Sub ["arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${Name}", { Name: !Join ["", [!FindInMap [Names, Orders, Topic], !Select [1, [x, .fifo]]]] }]');
    expect(text).toContain('FindInMap');
    expect(summary([write(text)])).toEqual([]);
  });
});

/** A hand-written reader: a role whose inline policy may receive from OrdersQueue (on the CMK Key), without kms:Decrypt. */
const READER = [
  '  Reader:',
  '    Type: AWS::IAM::Role',
  '    Properties:',
  '      AssumeRolePolicyDocument:',
  '        Statement:',
  '          - Effect: Allow',
  '            Principal: { Service: ecs-tasks.amazonaws.com }',
  '            Action: sts:AssumeRole',
  '      ManagedPolicyArns:',
  '        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
  '      Policies:',
  '        - PolicyName: read',
  '          PolicyDocument:',
  '            Statement:',
  '              - Effect: Allow',
  '                Action: [sqs:ReceiveMessage, sqs:DeleteMessage]',
  '                Resource: !GetAtt OrdersQueue.Arn',
].join('\n');
/** The hand-wired fan-out with the reader; OrdersQueue given a dead-letter queue (AuditDlq is a subscription DLQ already). */
const WITH_READER = WIRED
  .replace(/(QueueName: orders\.fifo\n\s+FifoQueue: true\n\s+KmsMasterKeyId: !Ref Key\n)/, '$1      RedrivePolicy: { deadLetterTargetArn: !GetAtt AuditDlq.Arn, maxReceiveCount: 5 }\n')
  .replace('Resources:\n', `Resources:\n${READER}\n`);

describe('items 7-9: severities and rules', () => {
  test('LAMBDA_CONSUMER: from 1 x to under 6 x the function timeout is a warning, exit 0', () => {
    const file = write(fs.readFileSync(LAMBDA, 'utf8').replace('VisibilityTimeout: 30', 'VisibilityTimeout: 120\n      RedrivePolicy: { deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 5 }\n  Dlq:\n    Type: AWS::SQS::Queue'));
    const { code, lines } = run('check', file);
    expect(lines.slice(0, -1).map((l) => l.split(':').slice(0, 2).join(':').replace(` ${file}`, ''))).toEqual(['WARNING cdk-secure-fifo:LAMBDA_CONSUMER Mapping']);
    expect(code).toBe(0);
  });

  test('LAMBDA_CONSUMER: under the function timeout is an error, exit 1', () => {
    expect(summary([LAMBDA]).filter((f) => f.includes('LAMBDA_CONSUMER'))).toEqual(['error LAMBDA_CONSUMER Mapping']);
  });

  test('rawDeliveryAttributeLimit: a NOTE, not a warning; exit 0', () => {
    const file = write(WIRED.replace('      RawMessageDelivery: false\n', '      RawMessageDelivery: true\n'));
    const { code, lines } = run('check', file);
    expect(lines).toContainEqual(expect.stringMatching(/^NOTE cdk-secure-fifo:rawDeliveryAttributeLimit .* OrdersSubscription: /));
    expect(lines[lines.length - 1]).toBe('0 error(s), 0 warning(s), 0 unknown, 1 note(s) in 1 template(s)');
    expect(code).toBe(0);
  });

  test('queueWithoutRedrivePolicy: a queue a Lambda event source mapping reads, without a redrive policy', () => {
    expect(summary([LAMBDA]).filter((f) => f.includes('queueWithoutRedrivePolicy'))).toEqual(['warning queueWithoutRedrivePolicy Queue']);
  });

  test('queueWithoutRedrivePolicy: a queue a role may receive from, without a redrive policy; with one, no finding', () => {
    const withoutRedrive = WIRED.replace('Resources:\n', `Resources:\n${READER}\n`);
    expect(summary([write(withoutRedrive)]).filter((f) => f.includes('Redrive'))).toEqual(['warning queueWithoutRedrivePolicy OrdersQueue']);
    expect(summary([write(WITH_READER)]).filter((f) => f.includes('Redrive'))).toEqual([]);
  });

  test('readerWithoutDecrypt: a warning on the role, naming it and the statement to add; never an error', () => {
    const found = checkTemplates([write(WITH_READER)]);
    expect(found.map((f) => `${f.level} ${f.rule.replace('cdk-secure-fifo:', '')} ${f.logicalId}`)).toEqual(['warning readerWithoutDecrypt Reader']);
    expect(found[0].message).toMatch(/^AWS::IAM::Role Reader may receive from AWS::SQS::Queue OrdersQueue, which is encrypted with AWS::KMS::Key Key/);
    expect(found[0].message).toContain('{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": <the ARN of AWS::KMS::Key Key>}');
  });

  test('readerWithoutDecrypt: kms:Decrypt in its policy, or for the role in the key policy: no finding', () => {
    const inPolicy = WITH_READER.replace('                Resource: !GetAtt OrdersQueue.Arn', '                Resource: !GetAtt OrdersQueue.Arn\n              - Effect: Allow\n                Action: kms:Decrypt\n                Resource: !GetAtt Key.Arn');
    expect(summary([write(inPolicy)])).toEqual([]);
    const inKeyPolicy = WITH_READER.replace('            Action: kms:*\n            Resource: \'*\'\n', '            Action: kms:*\n            Resource: \'*\'\n          - Effect: Allow\n            Principal: { AWS: !GetAtt Reader.Arn }\n            Action: kms:Decrypt\n            Resource: \'*\'\n');
    expect(inKeyPolicy).not.toEqual(WITH_READER);
    expect(summary([write(inKeyPolicy)])).toEqual([]);
  });

  test('readerWithoutDecrypt: a managed policy from outside the app may grant it: no finding', () => {
    const text = WITH_READER.replace('iam::aws:policy/service-role/AWSLambdaBasicExecutionRole', 'iam::${AWS::AccountId}:policy/decrypt-all');
    expect(summary([write(text)])).toEqual([]);
  });

  test('the aspect and the CLI agree on the new rules (a synthesized template of the same app)', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const queue = new sqs.Queue(stack, 'Queue', { encryptionMasterKey: key });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:ReceiveMessage'], resources: [queue.queueArn] }));
    Aspects.of(stack).add(new FifoDeliveryChecks());
    const fromAspect = [
      ...AssertAnnotations.fromStack(stack).findWarning('*', Match.anyValue()).map((m) => `${/cdk-secure-fifo:[A-Za-z_]+/.exec(String(m.entry.data))![0]} ${m.id}`),
    ].sort();
    const file = path.join(dir, 'agree.template.json');
    fs.writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON()));
    const fromCli = checkTemplates([file]).map((f) => `${f.rule} ${f.logicalId}`).sort();
    const logicalId = (c: IConstruct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
    expect(fromAspect).toEqual([
      `cdk-secure-fifo:queueWithoutRedrivePolicy /${queue.node.defaultChild!.node.path}`,
      `cdk-secure-fifo:readerWithoutDecrypt /${role.node.defaultChild!.node.path}`,
    ].sort());
    expect(fromCli).toEqual([
      `cdk-secure-fifo:queueWithoutRedrivePolicy ${logicalId(queue)}`,
      `cdk-secure-fifo:readerWithoutDecrypt ${logicalId(role)}`,
    ].sort());
  });
});

describe('issue 26 items 1-3: template forms CloudFormation and SAM accept', () => {
  test('a FilterPolicy JSON string on a subscription that breaks a rule: that finding, not exit 2', () => {
    const file = write(WIRED.replace('      RawMessageDelivery: false\n', '      RawMessageDelivery: false\n      FilterPolicy: \'{"kind": ["order"]}\'\n')
      .replace('      KmsMasterKeyId: !Ref Key\n  AuditQueue', '      KmsMasterKeyId: alias/aws/sqs\n  AuditQueue'));
    const { code, lines } = run('check', file);
    expect(code).toBe(1);
    expect(lines).toContainEqual(expect.stringMatching(/^ERROR cdk-secure-fifo:AWS_MANAGED_KEY .* OrdersQueue: /));
  });

  test('a RedrivePolicy that is not valid JSON: a note naming the subscription, not a crash', () => {
    const file = write(WIRED.replace('      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt AuditDlq.Arn\n  AuditSubscription', '      RedrivePolicy: \'{not json\'\n  AuditSubscription'));
    const { code, lines } = run('check', file);
    expect(code).not.toBe(2);
    expect(lines).toContainEqual(expect.stringMatching(/OrdersSubscription: .*RedrivePolicy is a string that is not valid JSON/));
  });

  const INLINE = WIRED
    .replace(/ {2}OrdersSubscription:[\s\S]*$/, '')
    .replace('      FifoTopic: true\n', '      FifoTopic: true\n      Subscription:\n        - Protocol: sqs\n          Endpoint: !GetAtt OrdersQueue.Arn\n');

  test('an inline topic subscription to a queue on alias/aws/sqs: an error', () => {
    const file = write(INLINE.replace('      KmsMasterKeyId: !Ref Key\n  AuditQueue', '      KmsMasterKeyId: alias/aws/sqs\n  AuditQueue'));
    expect(summary([file]).filter((s) => s.startsWith('error'))).toContainEqual(expect.stringMatching(/^error AWS_MANAGED_KEY OrdersQueue$/));
  });

  test('an inline topic subscription without the queue policy: the queue policy error on its queue', () => {
    const file = write(INLINE.replace(/QueuePolicy:[\s\S]*$/, ''));
    const errors = summary([file]).filter((s) => s.startsWith('error'));
    expect(errors).toContainEqual('error SNS_QUEUE_POLICY OrdersQueue');
  });

  test('a SAM function with events: a note that it was not analysed, never a silent pass', () => {
    const file = write([
      'Transform: AWS::Serverless-2016-10-31',
      'Resources:',
      '  Fn:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      Runtime: nodejs20.x',
      '      Handler: index.handler',
      '      CodeUri: .',
      '      Events:',
      '        Q:',
      '          Type: SQS',
      '          Properties:',
      '            Queue: arn:aws:sqs:eu-west-1:111111111111:q',
    ].join('\n'));
    const { lines } = run('check', file);
    expect(lines).toContainEqual(expect.stringMatching(/Fn: .*SAM function with events: .*not analysed/));
  });
});
