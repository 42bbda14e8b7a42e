// Private messaging with the platform VPC's existing endpoints (MessagingEndpoints.fromEndpointIds):
// the stack deploys and its subscriptions are created and confirmed (CloudFormation subscribes with
// the deployment role, which the endpoint-only policies do not restrict).
//
// The endpoint IDs come from context; the placeholders let it synthesize (and deploy: the policies
// then name endpoints that do not exist, which only denies publishing and receiving). Real IDs:
//   npx cdk deploy --app 'npx ts-node test/integ.private.ts' --all -c snsEndpointId=vpce-... -c sqsEndpointId=vpce-...
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Annotations, App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { FifoFanout, MessagingEndpoints } from 'cdk-secure-fifo';
import { inSequence, shortPendingWindow, WAIT } from './support';

const app = new App();
const snsEndpointId: string = app.node.tryGetContext('snsEndpointId') ?? 'vpce-0123456789abcdef0';
const sqsEndpointId: string = app.node.tryGetContext('sqsEndpointId') ?? 'vpce-0fedcba9876543210';

const stack = new Stack(app, 'SecureFifoIntegPrivate');
const endpoints = MessagingEndpoints.fromEndpointIds(stack, 'Endpoints', { snsEndpointId, sqsEndpointId });
const fanout = new FifoFanout(stack, 'Prices', { removalPolicy: RemovalPolicy.DESTROY, privateEndpoints: endpoints });
shortPendingWindow(fanout.encryptionKey);
const retail = fanout.addSubscriber('Retail');
const analytics = fanout.addStandardSubscriber('Analytics');
Annotations.of(analytics).acknowledgeWarning('cdk-secure-fifo:standardQueueAtLeastOnce', 'Only its subscription is tested here.');

const integ = new IntegTest(app, 'PrivateTest', { testCases: [stack], stackUpdateWorkflow: false });

// The order of subscriptions in the response is not specified: one call per subscriber. A
// subscription ARN (not "PendingConfirmation") means it is confirmed. Waiters, so that a failure
// also fails a plain `cdk deploy` (integ-runner reads every assertion's result either way).
const subscribed = (queueArn: string) => integ.assertions.awsApiCall('SNS', 'listSubscriptionsByTopic', { TopicArn: fanout.topic.topicArn })
  .expect(ExpectedResult.objectLike({
    Subscriptions: Match.arrayWith([Match.objectLike({
      Protocol: 'sqs',
      Endpoint: queueArn,
      SubscriptionArn: Match.stringLikeRegexp('^arn:aws[a-z-]*:sns:'),
    })]),
  }))
  .waitForAssertions(WAIT);

inSequence(
  subscribed(retail.queue.queueArn),
  subscribed(analytics.queue.queueArn),
);

app.synth();
