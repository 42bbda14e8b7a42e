import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ENV, newApp, newStack } from './util';
import { platformTeams } from '../examples/platform-teams/stacks';
import { PriceUpdatesStack } from '../examples/price-updates/stack';
import { checkTemplates, runCli } from '../src/cli';

const FIXTURES = path.join(__dirname, 'fixtures');

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-test-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function run(...args: string[]): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = runCli(args, (line) => lines.push(line));
  return { code, lines };
}

/** Writes a stack's synthesized template to a temporary file, as `cdk synth` does into cdk.out. */
function synthesized(stack: Stack): string {
  const file = path.join(tempDir(), `${stack.stackName}.template.json`);
  fs.writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON()));
  return file;
}

describe('plain CloudFormation YAML', () => {
  test('a broken hand-written fan-out: each finding with severity, rule id, template and logical ID; exit 1', () => {
    const file = path.join(FIXTURES, 'hand-wired-broken.yaml');
    const { code, lines } = run('check', file);
    expect(code).toBe(1);
    const summary = lines.slice(0, -1).map((l) => l.split(':').slice(0, 2).join(':').replace(` ${file}`, '')).sort();
    expect(summary).toEqual([
      'ERROR cdk-secure-fifo:AWS_MANAGED_KEY OrdersQueue',
      'UNKNOWN cdk-secure-fifo:AWS_MANAGED_KEY AuditQueue',
      'WARNING cdk-secure-fifo:subscriptionWithoutDeadLetterQueue OrdersSubscription',
    ].sort());
    expect(lines[lines.length - 1]).toBe('1 error(s), 1 warning(s), 1 unknown in 1 template(s)');
  });

  test('the same fan-out wired correctly: no finding, exit 0', () => {
    const { code, lines } = run('check', path.join(FIXTURES, 'hand-wired.yaml'));
    expect(lines).toEqual(['0 error(s), 0 warning(s), 0 unknown in 1 template(s)']);
    expect(code).toBe(0);
  });
});

describe('synthesized templates', () => {
  test('example price-updates and the platform-teams stacks: no error, exit 0', () => {
    const app = newApp();
    const teams = platformTeams(app, { platformAccount: '111111111111', consumerAccount: '222222222222', region: 'eu-west-1' });
    const files = [new PriceUpdatesStack(newApp(), 'PriceUpdates', { env: ENV }), teams.platform, teams.retail, teams.billing].map(synthesized);
    const { code, lines } = run('check', ...files);
    expect(lines.filter((l) => l.startsWith('ERROR'))).toEqual([]);
    expect(code).toBe(0);
  });

  test('a hand-wired app whose queue policy does not admit SNS: the error names the queue by logical ID, exit 1', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Topic', { fifo: true, topicName: 'prices' });
    const queue = new sqs.Queue(stack, 'Queue', { fifo: true });
    const dlq = new sqs.Queue(stack, 'Dlq', { fifo: true });
    topic.addSubscription(new subs.SqsSubscription(queue, { deadLetterQueue: dlq }));
    // An escape hatch that drops the statement SqsSubscription added.
    (queue.node.findChild('Policy').node.defaultChild as sqs.CfnQueuePolicy).addPropertyOverride('PolicyDocument.Statement', []);
    const file = synthesized(stack);
    const { code, lines } = run('check', file);
    expect(code).toBe(1);
    expect(lines.filter((l) => l.startsWith('ERROR'))).toEqual([
      expect.stringMatching(new RegExp(`^ERROR cdk-secure-fifo:SNS_QUEUE_POLICY ${file.replace(/[.]/g, '\\.')} ${stack.getLogicalId(queue.node.defaultChild as sqs.CfnQueue)}: `)),
    ]);
  });

  test('a template importing its topic (Fn::ImportValue) named by the same import in its policies: decided, no finding', () => {
    const stack = newStack();
    const topicArn = 'arn:aws:sns:eu-west-1:111111111111:prices.fifo';
    const queue = new sqs.Queue(stack, 'Queue', { fifo: true });
    const dlq = new sqs.Queue(stack, 'Dlq', { fifo: true });
    new sns.Topic(stack, 'Unrelated', { fifo: true, topicName: 'unrelated' });
    const imported = sns.Topic.fromTopicArn(stack, 'Topic', topicArn);
    imported.addSubscription(new subs.SqsSubscription(queue, { deadLetterQueue: dlq }));
    const template = Template.fromStack(stack).toJSON();
    const text = JSON.stringify(template).split(JSON.stringify(topicArn)).join(JSON.stringify({ 'Fn::ImportValue': 'PricesTopicArn' }));
    const file = path.join(tempDir(), 'imported.template.json');
    fs.writeFileSync(file, text);
    const found = checkTemplates([file]);
    expect(found.filter((f) => f.level === 'error')).toEqual([]);
    expect(found.filter((f) => f.level === 'info')).toEqual([]);
  });
});

describe('usage', () => {
  test.each([
    [[]],
    [['lint', 'template.json']],
    [['check']],
  ])('%j is a usage error: exit 2 with the usage', (args) => {
    const { code, lines } = run(...args);
    expect(code).toBe(2);
    expect(lines[0]).toMatch(/^Usage: cdk-secure-fifo check/);
  });

  test('a missing template: exit 2, named with the reason', () => {
    const { code, lines } = run('check', '/nonexistent/template.json');
    expect(code).toBe(2);
    expect(lines[0]).toBe('ERROR cdk-secure-fifo:templateNotRead /nonexistent/template.json: the template cannot be read (ENOENT); it was not checked');
  });

  test('--help prints the usage and exits 0', () => {
    expect(run('--help').code).toBe(0);
  });
});
