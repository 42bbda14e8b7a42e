import { App, Aspects } from 'aws-cdk-lib';
import { HandWiredStack } from './stack';
import { SecureExistingFifo } from '../../src';

// Day 1: the topic and queues as deployed today, hand-wired with the aws-cdk-lib L2s.
//   cdk deploy HandWiredOrders
// Day 2: the same app secured in place by SecureExistingFifo, deployed as an update of the same stack:
//   cdk deploy HandWiredOrders -c secure=true
const app = new App();
const stack = new HandWiredStack(app, 'HandWiredOrders');
if (app.node.tryGetContext('secure') === 'true' || app.node.tryGetContext('secure') === true) {
  Aspects.of(stack).add(new SecureExistingFifo());
}
app.synth();
