import { Duration, Names, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ValidationErrorCode } from './errors';
import { IFifoTopicSubscriber } from './interfaces';
import { checkDeadLetterWindows, deadLetterWindows, prepareAlarmTopic } from './private/operations';
import { Problems } from './private/validation';

/**
 * Properties for `FifoAlarms`.
 */
export interface FifoAlarmsProps {
  /** The topic whose deliveries are watched. */
  readonly topic: sns.ITopic;

  /** The subscribers to watch (FIFO and standard, of any stack of this account and region). */
  readonly subscribers: IFifoTopicSubscriber[];

  /**
   * What every alarm does when it fires (and when it returns to OK). An `SnsAction` whose topic is
   * encrypted with a key of this app gets a key-policy statement that lets CloudWatch publish
   * (`cloudwatch.amazonaws.com`: `kms:GenerateDataKey*`, `kms:Decrypt`); an imported key warns with
   * that statement, and a FIFO topic warns (an alarm cannot send a message group ID).
   *
   * @default - no action: the alarms show in the console and on the dashboard only
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;

  /**
   * Fraction of a queue's retention period after which its oldest message raises an alarm. SQS
   * deletes a message silently when its retention period ends, so the alarm must leave time to act.
   *
   * @default 0.5 - half the retention period (2 days for the default 4 days)
   */
  readonly queueAgeRatio?: number;

  /**
   * Fraction of the time a DLQ surely keeps a message after it arrived, after which its oldest
   * message raises an alarm. A FIFO queue resets the enqueue time when a message moves to its DLQ,
   * and SNS sends each undeliverable message as a new one, so those DLQs keep it 14 days from its
   * arrival. A standard queue keeps the original send time: its DLQ deletes a message 14 days after
   * the original send, so what is surely left is 14 days minus the queue's retention period.
   *
   * @default 0.75 - 10.5 days for FIFO and delivery DLQs; for a standard subscriber's DLQ 75 % of
   * (14 days - retentionPeriod), 7.5 days for the default 4 days
   */
  readonly deadLetterAgeRatio?: number;

  /**
   * The period over which each metric is evaluated.
   *
   * @default Duration.minutes(5) - SQS and SNS publish these metrics every minute or five
   */
  readonly period?: Duration;

  /**
   * Create a CloudWatch dashboard: the topic's published, delivered and failed counts, and one row
   * per subscriber (queue depth, oldest message age, DLQ depth).
   *
   * @default true
   */
  readonly dashboard?: boolean;

  /**
   * Alarm when the topic has no message published for this many consecutive periods (publishers
   * stopped: the silent outage of a fan-out), on `NumberOfMessagesPublished` (Sum below 1); missing
   * data is treated as breaching, as a period without publishes may have no data point. A whole
   * number from 1.
   *
   * @default - no publisher-silence alarm
   */
  readonly publisherSilencePeriods?: number;

  /**
   * Alarm per subscriber when the estimated time to drain its queue (visible messages divided by the
   * rate of deletions, metric math) exceeds the retention headroom: the time left before SQS deletes
   * its oldest message (retention period minus the oldest message's age).
   *
   * @default false
   */
  readonly timeToDrain?: boolean;

  /**
   * The dashboard's name.
   *
   * @default - generated
   */
  readonly dashboardName?: string;
}

/** The alarms of one subscriber. */
export interface SubscriberAlarms {
  /** A dead-letter queue of the subscriber holds at least one message. */
  readonly deadLetterQueueNotEmpty: cloudwatch.Alarm;
  /** The queue's oldest message is older than `queueAgeRatio` of its retention period. */
  readonly oldestMessageAge: cloudwatch.Alarm;
  /**
   * The oldest message of `deadLetterQueue` nears its deletion. For a standard subscriber its
   * expiry counts from the message's original send.
   */
  readonly deadLetterAge: cloudwatch.Alarm;
  /**
   * The oldest message of a standard subscriber's delivery DLQ (`deliveryDeadLetterQueue`, FIFO,
   * filled by SNS) nears its deletion.
   *
   * @default - none for a FIFO subscriber, whose one DLQ `deadLetterAge` watches
   */
  readonly deliveryDeadLetterAge?: cloudwatch.Alarm;
  /**
   * The queue would take longer to drain, at its current deletion rate, than the time left before
   * SQS deletes its oldest message.
   *
   * @default - none unless `timeToDrain: true`
   */
  readonly timeToDrain?: cloudwatch.Alarm;
}

/**
 * Alarms and a dashboard so that no message is lost unseen: SNS deliveries that failed or could
 * not even reach the subscription DLQ (lost), messages waiting in a DLQ, and messages nearing the
 * end of their retention period (SQS deletes them silently). Put it in a monitoring stack of the
 * topic's account and region; it refers to topics and queues by name only.
 *
 * Three alarms per FIFO subscriber, four per standard subscriber (its two DLQs share the depth
 * alarm, combined with metric math, and have an age alarm each), and three topic alarms, plus two
 * when a subscriber filters. Opt-in: a publisher-silence alarm on the topic (`publisherSilencePeriods`)
 * and a time-to-drain alarm per subscriber (`timeToDrain`).
 */
export class FifoAlarms extends Construct {
  /** Every alarm, topic and subscribers. */
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** The topic alarms, by metric name. */
  public readonly topicAlarms: Record<string, cloudwatch.Alarm> = {};
  /** The dashboard, unless `dashboard: false`. */
  public readonly dashboard?: cloudwatch.Dashboard;
  private readonly perSubscriber = new Map<IFifoTopicSubscriber, SubscriberAlarms>();

  constructor(scope: Construct, id: string, props: FifoAlarmsProps) {
    super(scope, id);
    const problems = new Problems();
    for (const [prop, value] of [['queueAgeRatio', props.queueAgeRatio], ['deadLetterAgeRatio', props.deadLetterAgeRatio]] as const) {
      if (value !== undefined && (Token.isUnresolved(value) || !(value > 0 && value < 1))) {
        problems.add(ValidationErrorCode.ALARM_SETTINGS, prop, value, 'allowed: a fraction greater than 0 and less than 1 (of the retention period)');
      }
    }
    for (const subscriber of props.subscribers) {
      if (subscriber.retentionPeriod.isUnresolved()) {
        problems.add(ValidationErrorCode.ALARM_SETTINGS, 'subscribers', subscriber.node.path, 'allowed: subscribers whose retentionPeriod is known at synth (the age thresholds derive from it)');
      } else {
        checkDeadLetterWindows(problems, subscriber);
      }
    }
    const silence = props.publisherSilencePeriods;
    if (silence !== undefined && (Token.isUnresolved(silence) || !Number.isInteger(silence) || silence < 1)) {
      problems.add(ValidationErrorCode.ALARM_SETTINGS, 'publisherSilencePeriods', silence, 'allowed: a whole number of periods from 1 (e.g. 3 for 15 minutes at the default period)');
    }
    if (props.subscribers.length === 0) {
      problems.add(ValidationErrorCode.ALARM_SETTINGS, 'subscribers', [], 'allowed: one or more subscribers');
    }
    problems.throwIfAny(this, 'FifoAlarms');
    if (props.alarmAction) {
      prepareAlarmTopic(this, props.alarmAction);
    }

    const period = props.period ?? Duration.minutes(5);
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, threshold: number, description: string, missing: cloudwatch.TreatMissingData,
      comparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, evaluationPeriods = 1) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods,
        datapointsToAlarm: evaluationPeriods === 1 ? undefined : evaluationPeriods,
        comparisonOperator,
        treatMissingData: missing,
        alarmDescription: description,
      });
      if (props.alarmAction) {
        created.addAlarmAction(props.alarmAction);
        created.addOkAction(props.alarmAction);
      }
      this.alarms.push(created);
      return created;
    };

    // SNS publishes delivery metrics only when there are deliveries: no data means nothing failed.
    const topicName = props.topic.topicName;
    const snsMetric = (metricName: string) => new cloudwatch.Metric({ namespace: 'AWS/SNS', metricName, dimensionsMap: { TopicName: topicName }, statistic: 'Sum', period });
    const topicMetrics: Array<[string, string]> = [
      ['NumberOfNotificationsFailed', 'SNS could not deliver a message to a subscriber (it went to the subscription DLQ, or was lost).'],
      ['NumberOfNotificationsFailedToRedriveToDlq', 'SNS could not put an undeliverable message into the subscription DLQ: the message is LOST.'],
      ['NumberOfNotificationsRedrivenToDlq', 'SNS moved an undeliverable message to a subscription DLQ: redrive it.'],
    ];
    if (props.subscribers.some(hasFilter)) {
      topicMetrics.push(
        ['NumberOfNotificationsFilteredOut-InvalidAttributes', 'A message was filtered out because its attributes are invalid for a filter policy.'],
        ['NumberOfNotificationsFilteredOut-InvalidMessageBody', 'A message was filtered out because its body is invalid for a body filter policy.'],
      );
    }
    for (const [metricName, description] of topicMetrics) {
      this.topicAlarms[metricName] = alarm(`Topic${metricName.replace(/[^A-Za-z]/g, '')}`, snsMetric(metricName), 1, description, cloudwatch.TreatMissingData.NOT_BREACHING);
    }

    // Publishers stopped (NumberOfMessagesPublished, Sum:
    // https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html). Missing data is
    // breaching, so the alarm fires whether a period without publishes has a 0 or no data point at all.
    if (silence !== undefined) {
      this.topicAlarms.NumberOfMessagesPublished = alarm('TopicNoMessagesPublished', snsMetric('NumberOfMessagesPublished'), 1,
        `No message was published to ${topicName} for ${silence} consecutive periods of ${period.toHumanString()}: the publishers have stopped or cannot reach the topic.`,
        cloudwatch.TreatMissingData.BREACHING, cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD, silence);
    }

    const queueAgeRatio = props.queueAgeRatio ?? 0.5;
    const deadLetterAgeRatio = props.deadLetterAgeRatio ?? 0.75;
    const rows: cloudwatch.IWidget[][] = [];
    for (const subscriber of props.subscribers) {
      const sqsMetric = (queue: sqs.IQueue, metricName: string) => new cloudwatch.Metric({
        namespace: 'AWS/SQS', metricName, dimensionsMap: { QueueName: nameOf(queue) }, statistic: 'Maximum', period,
      });
      const deadLetterQueues = [...new Set([subscriber.deadLetterQueue, subscriber.deliveryDeadLetterQueue])];
      const combined = (metricName: string, label: string) => deadLetterQueues.length === 1
        ? sqsMetric(deadLetterQueues[0], metricName)
        : new cloudwatch.MathExpression({
          expression: `MAX([${deadLetterQueues.map((_, i) => `m${i}`).join(', ')}])`,
          usingMetrics: Object.fromEntries(deadLetterQueues.map((q, i) => [`m${i}`, sqsMetric(q, metricName)])),
          label,
          period,
        });
      // Two subscribers may share an id (two fan-outs, two stacks): the path then tells them apart.
      const name = props.subscribers.filter((s) => s.node.id === subscriber.node.id).length > 1
        ? Names.uniqueId(subscriber) : subscriber.node.id;
      const queueAge = Math.floor(subscriber.retentionPeriod.toSeconds() * queueAgeRatio);
      // SQS stops publishing metrics for a queue inactive for six hours
      // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html): a missing point keeps the
      // alarm's state (IGNORE), so a DLQ that still holds a message never turns OK by going quiet.
      const [consumerWindow, deliveryWindow] = deadLetterWindows(subscriber);
      const ageAlarm = (alarmId: string, window: typeof consumerWindow) => {
        const threshold = Math.floor(window.seconds * deadLetterAgeRatio);
        // A FIFO or delivery DLQ keeps the description this alarm always had (no template change).
        const description = window.fromOriginalSend
          ? `${subscriber.node.path}: a message has waited ${threshold} s in the dead-letter queue ${nameOf(window.queue)}; its expiry counts from its original send: ` +
            `SQS deletes it ${window.retentionSeconds} s after it was first sent to ${nameOf(subscriber.queue)}, which can be as little as ${window.seconds} s after it reached ` +
            `the DLQ (the queue keeps messages ${subscriber.retentionPeriod.toSeconds()} s). Redrive or archive it now.`
          : `${subscriber.node.path}: a dead-letter message is ${threshold} s old; SQS deletes it at ${window.retentionSeconds} s. Redrive or archive it now.`;
        return alarm(alarmId, sqsMetric(window.queue, 'ApproximateAgeOfOldestMessage'), threshold, description,
          cloudwatch.TreatMissingData.IGNORE);
      };
      const alarms: SubscriberAlarms = {
        deadLetterQueueNotEmpty: alarm(`${name}DeadLetterQueueNotEmpty`, combined('ApproximateNumberOfMessagesVisible', `${name} DLQ depth`), 1,
          `${subscriber.node.path}: a dead-letter queue holds a message (consumer failures after maxReceiveCount, or SNS delivery failures). Inspect and redrive it.`,
          cloudwatch.TreatMissingData.IGNORE),
        oldestMessageAge: alarm(`${name}OldestMessageAge`, sqsMetric(subscriber.queue, 'ApproximateAgeOfOldestMessage'), queueAge,
          `${subscriber.node.path}: the oldest message is ${queueAge} s old; SQS deletes it at ${subscriber.retentionPeriod.toSeconds()} s (the retention period). Consumers are stuck or too slow.`,
          cloudwatch.TreatMissingData.IGNORE),
        deadLetterAge: ageAlarm(`${name}DeadLetterAge`, consumerWindow),
        deliveryDeadLetterAge: deliveryWindow ? ageAlarm(`${name}DeliveryDeadLetterAge`, deliveryWindow) : undefined,
        timeToDrain: props.timeToDrain ? alarm(`${name}TimeToDrain`, timeToDrainOverrun(subscriber.queue, subscriber.retentionPeriod, period), 0,
          `${subscriber.node.path}: at the current deletion rate, draining the queue would take longer than the time left before SQS deletes its oldest message ` +
          `(${subscriber.retentionPeriod.toSeconds()} s retention minus the oldest message's age). Add consumers or fix the slow ones.`,
          cloudwatch.TreatMissingData.NOT_BREACHING, cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD) : undefined,
      };
      this.perSubscriber.set(subscriber, alarms);
      rows.push([
        new cloudwatch.GraphWidget({ title: `${name}: queue depth`, left: [sqsMetric(subscriber.queue, 'ApproximateNumberOfMessagesVisible')], width: 8 }),
        new cloudwatch.GraphWidget({ title: `${name}: oldest message age (s)`, left: [sqsMetric(subscriber.queue, 'ApproximateAgeOfOldestMessage')], leftAnnotations: [{ value: queueAge, label: 'alarm' }], width: 8 }),
        new cloudwatch.GraphWidget({ title: `${name}: DLQ depth`, left: deadLetterQueues.map((q) => sqsMetric(q, 'ApproximateNumberOfMessagesVisible')), width: 8 }),
      ]);
    }

    if (props.dashboard ?? true) {
      this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });
      this.dashboard.addWidgets(new cloudwatch.GraphWidget({
        title: `${topicName}: published, delivered, failed`,
        left: ['NumberOfMessagesPublished', 'NumberOfNotificationsDelivered', 'NumberOfNotificationsFailed', 'NumberOfNotificationsFailedToRedriveToDlq'].map(snsMetric),
        width: 24,
      }));
      for (const row of rows) {
        this.dashboard.addWidgets(...row);
      }
    }
  }

  /**
   * The alarms of one subscriber.
   *
   * @param subscriber a subscriber passed in `subscribers`
   */
  public alarmsFor(subscriber: IFifoTopicSubscriber): SubscriberAlarms {
    const alarms = this.perSubscriber.get(subscriber);
    if (!alarms) {
      throw new Error(`${this.node.path}: alarmsFor(${subscriber.node.path}): not one of these alarms' subscribers; allowed: a subscriber passed in the subscribers prop`);
    }
    return alarms;
  }
}

/**
 * The time to drain a queue minus its retention headroom, seconds: positive when the backlog would
 * outlive the time before SQS deletes its oldest message. Metric math over the queue's SQS metrics
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html),
 * the metrics and statistics cdk-monitoring-constructs' time to drain uses
 * (ApproximateNumberOfMessagesVisible Maximum, NumberOfMessagesDeleted Sum):
 * - `drain` = visible / (deleted / PERIOD(deleted)): visible messages over the deletion rate; with
 *   a backlog and no deletion at all it is the retention period (the backlog never drains);
 * - headroom = retention - ApproximateAgeOfOldestMessage (Maximum).
 * Metric math functions: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
 */
function timeToDrainOverrun(queue: sqs.IQueue, retentionPeriod: Duration, period: Duration): cloudwatch.MathExpression {
  const metric = (metricName: string, statistic: string) => new cloudwatch.Metric({
    namespace: 'AWS/SQS', metricName, dimensionsMap: { QueueName: nameOf(queue) }, statistic, period,
  });
  const retention = retentionPeriod.toSeconds();
  const drain = new cloudwatch.MathExpression({
    expression: `IF(deleted > 0, visible / (deleted / PERIOD(deleted)), IF(visible > 0, ${retention}, 0))`,
    usingMetrics: { visible: metric('ApproximateNumberOfMessagesVisible', 'Maximum'), deleted: metric('NumberOfMessagesDeleted', 'Sum') },
    label: 'time to drain (s)',
    period,
  });
  return new cloudwatch.MathExpression({
    expression: `drain - (${retention} - age)`,
    usingMetrics: { drain, age: metric('ApproximateAgeOfOldestMessage', 'Maximum') },
    label: 'time to drain minus retention headroom (s)',
    period,
  });
}

/** A queue's name as text when this app created it with a name, so metrics never reference another stack. */
function nameOf(queue: sqs.IQueue): string {
  const cfn = queue.node.defaultChild as sqs.CfnQueue | undefined;
  const name = cfn?.queueName;
  return typeof name === 'string' && !Token.isUnresolved(name) ? name : queue.queueName;
}

function hasFilter(subscriber: IFifoTopicSubscriber): boolean {
  const cfn = subscriber.subscription.node.defaultChild as sns.CfnSubscription;
  return cfn.filterPolicy !== undefined;
}
