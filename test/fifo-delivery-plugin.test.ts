import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, IPolicyValidationContext, Stack, Validations } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ENV } from './util';
import { FifoDeliveryPlugin } from '../src';
import * as cli from '../src/cli';

/*
 * The delivery checks as an aws-cdk-lib validation plugin, registered beside cdk-nag 3 (itself a
 * validation plugin) on one app: findings appear in the app's validation report on the construct
 * at fault, and `Validations.acknowledge` suppresses them.
 */

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plugin-test-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** An app (template validation findings as errors) with the plugin and cdk-nag's AwsSolutions pack. */
function appWithPlugins(): App {
  const app = new App({ outdir: tempDir(), context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  Validations.of(app).addPlugins(new FifoDeliveryPlugin(), new AwsSolutionsChecks());
  return app;
}

/**
 * A topic with one subscribed queue (SSE-SQS). Broken: the subscription is hand-wired and the queue
 * has no policy that lets SNS send (SNS_QUEUE_POLICY); else `SqsSubscription` adds that policy.
 */
function wiring(app: App, broken: boolean): sqs.Queue {
  const stack = new Stack(app, 'Orders', { env: ENV });
  const topic = new sns.Topic(stack, 'Topic');
  const queue = new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
  if (broken) {
    new sns.Subscription(stack, 'Subscription', { topic, protocol: sns.SubscriptionProtocol.SQS, endpoint: queue.queueArn });
  } else {
    topic.addSubscription(new subs.SqsSubscription(queue));
  }
  return queue;
}

/** Synthesizes the app (whose plugins may fail synth) and returns its validation report. */
function validationReport(app: App): any {
  try {
    app.synth();
  } catch {
    // a plugin's error fails synth; the report is written first
  }
  return JSON.parse(fs.readFileSync(path.join(app.outdir, VALIDATION_REPORT_FILE), 'utf8'));
}

function pluginReport(report: any, name: string): any {
  return report.pluginReports.find((r: any) => r.pluginName === name);
}

/** `rule severity constructPath` of every violation of a plugin report. */
function violations(pluginRep: any, key = 'violations'): string[] {
  return (pluginRep?.[key] ?? []).flatMap((v: any) => v.violatingConstructs.map((c: any) => `${v.ruleName} ${v.severity} ${c.constructPath}`));
}

test('a queue whose policy does not admit SNS: the plugin reports SNS_QUEUE_POLICY on the queue, beside cdk-nag\'s findings', () => {
  const app = appWithPlugins();
  wiring(app, true);

  const report = validationReport(app);

  const ours = pluginReport(report, 'cdk-secure-fifo');
  expect(ours.conclusion).toBe('failure');
  expect(violations(ours)).toEqual(['SNS_QUEUE_POLICY error Orders/Queue/Resource']);
  expect(violations(pluginReport(report, 'AwsSolutions')).length).toBeGreaterThan(0);
});

test('the same wiring with the queue policy SqsSubscription adds: the plugin reports nothing', () => {
  const app = appWithPlugins();
  wiring(app, false);

  const report = validationReport(app);

  expect(pluginReport(report, 'cdk-secure-fifo')).toBeUndefined();
  expect(violations(pluginReport(report, 'AwsSolutions')).length).toBeGreaterThan(0);
});

test('Validations.acknowledge with cdk-secure-fifo::SNS_QUEUE_POLICY on the queue suppresses the finding', () => {
  const app = appWithPlugins();
  const queue = wiring(app, true);
  Validations.of(queue).acknowledge({ id: 'cdk-secure-fifo::SNS_QUEUE_POLICY', reason: 'the queue policy is added by another team before the topic publishes' });

  const ours = pluginReport(validationReport(app), 'cdk-secure-fifo');

  expect(ours.conclusion).toBe('success');
  expect(violations(ours)).toEqual([]);
  expect(violations(ours, 'suppressedViolations')).toEqual(['SNS_QUEUE_POLICY error Orders/Queue/Resource']);
});

test('an acknowledgement on another construct does not suppress the finding', () => {
  const app = appWithPlugins();
  wiring(app, true);
  const other = new Stack(app, 'Other', { env: ENV });
  new sqs.Queue(other, 'Unrelated', { enforceSSL: true });
  Validations.of(other).acknowledge({ id: 'cdk-secure-fifo::SNS_QUEUE_POLICY', reason: 'elsewhere' });

  const ours = pluginReport(validationReport(app), 'cdk-secure-fifo');

  expect(violations(ours)).toEqual(['SNS_QUEUE_POLICY error Orders/Queue/Resource']);
});

describe('called with the context of the 2.257.0 peer floor (templatePaths only)', () => {
  /** A synthesized template of a broken wiring, in a directory of its own. */
  function brokenTemplate(): string {
    const app = new App({ outdir: tempDir(), context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
    wiring(app, true);
    return app.synth().getStackByName('Orders').templateFullPath;
  }

  test('templates that cannot be read are warnings naming the file, and the other templates are still checked', () => {
    const dir = tempDir();
    const missing = path.join(dir, 'Missing.template.json');
    const garbage = path.join(dir, 'Garbage.template.json');
    fs.writeFileSync(garbage, '{ not json');
    const broken = brokenTemplate();

    const report = new FifoDeliveryPlugin().validate({ templatePaths: [missing, garbage, broken] } as unknown as IPolicyValidationContext);

    const unread = report.violations.filter((v) => v.ruleName === 'templateNotRead');
    expect(unread.map((v) => [v.severity, v.violatingResources[0].templatePath])).toEqual([['warning', missing], ['warning', garbage]]);
    expect(report.violations.filter((v) => v.ruleName === 'SNS_QUEUE_POLICY').map((v) => v.violatingResources[0].templatePath)).toEqual([broken]);
    expect(report.success).toBe(false);
  });

  test('only unreadable templates: the report succeeds (a warning cannot fail synth)', () => {
    const garbage = path.join(tempDir(), 'Garbage.template.json');
    fs.writeFileSync(garbage, '{ not json');

    const report = new FifoDeliveryPlugin().validate({ templatePaths: [garbage] } as unknown as IPolicyValidationContext);

    expect(report.success).toBe(true);
    expect(report.violations.map((v) => v.severity)).toEqual(['warning']);
  });
});

test('the plugin names every rule it reports, without the cdk-secure-fifo: prefix', () => {
  const plugin = new FifoDeliveryPlugin();

  expect(plugin.ruleIds).toContain('SNS_QUEUE_POLICY');
  expect(plugin.ruleIds).toContain('templateNotRead');
  expect(plugin.ruleIds!.every((id) => !id.includes(':'))).toBe(true);
});

describe('each stack\'s environment from the 2.276.0 context (stackTemplates), when present', () => {
  /** An environment-agnostic stack whose subscription's DLQ is in us-east-1: wrong only if the stack deploys elsewhere. */
  function agnosticTemplate(): string {
    const app = new App({ outdir: tempDir(), context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
    const stack = new Stack(app, 'Agnostic');
    const topic = new sns.Topic(stack, 'Topic');
    const queue = new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
    topic.addSubscription(new subs.SqsSubscription(queue, {
      deadLetterQueue: sqs.Queue.fromQueueArn(stack, 'Dlq', 'arn:aws:sqs:us-east-1:111111111111:dlq'),
    }));
    return app.synth().getStackByName('Agnostic').templateFullPath;
  }

  function dlqEnvironment(context: object): string[] {
    return new FifoDeliveryPlugin().validate(context as IPolicyValidationContext).violations
      .filter((v) => v.ruleName === 'DLQ_ENVIRONMENT')
      .map((v) => `${v.severity} ${v.violatingResources[0].resourceLogicalId}`);
  }

  test('the stack\'s region from stackTemplates decides DLQ_ENVIRONMENT', () => {
    const file = agnosticTemplate();

    const findings = dlqEnvironment({
      templatePaths: [file],
      stackTemplates: [{ stackConstructPath: 'Agnostic', templatePath: file, accountId: '111111111111', region: 'eu-west-1' }],
    });

    expect(findings).toEqual([expect.stringMatching(/^error QueueAgnosticTopic/)]); // the subscription's logical ID
  });

  test('without stackTemplates (the 2.257.0 context) the region is not known: no error', () => {
    const file = agnosticTemplate();

    expect(dlqEnvironment({ templatePaths: [file] }).filter((f) => f.startsWith('error'))).toEqual([]);
  });
});

test('a defect of the checks is a checksFailed warning, not a failed synth', () => {
  const spy = jest.spyOn(cli, 'checkTemplates').mockImplementation(() => {
    throw new Error('model defect');
  });
  try {
    const report = new FifoDeliveryPlugin().validate({ templatePaths: ['Any.template.json'] } as unknown as IPolicyValidationContext);

    expect(report.success).toBe(true);
    expect(report.violations.map((v) => [v.ruleName, v.severity])).toEqual([['checksFailed', 'warning']]);
    expect(report.violations[0].description).toContain('model defect');
  } finally {
    spy.mockRestore();
  }
});
