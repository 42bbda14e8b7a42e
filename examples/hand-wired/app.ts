import { App } from 'aws-cdk-lib';
import { HandWiredStack } from './stack';

// Day 1: the topic and queues as deployed today, hand-wired with the aws-cdk-lib L2s.
//   cdk deploy HandWiredOrders
// Day 2: the same app, secured in place by SecureExistingFifo (an update of the same stack):
//   cdk deploy HandWiredOrders -c secure=true
const app = new App();
new HandWiredStack(app, 'HandWiredOrders');
app.synth();
