import { App } from 'aws-cdk-lib';
import { ExistingFifoStack, Phase } from './stack';

// Bring an order fan-out created outside CloudFormation under CDK, then secure it in place:
//   cdk import ExistingOrders -c phase=import      (maps orders.fifo, orders-billing.fifo, orders-shipping.fifo)
//   cdk deploy ExistingOrders -c phase=hand-wired  (subscriptions and grants, as the team had them)
//   cdk deploy ExistingOrders                      (SecureExistingFifo: an update, nothing replaced)
const app = new App();
const phase = (app.node.tryGetContext('phase') as Phase | undefined) ?? Phase.SECURED;
new ExistingFifoStack(app, 'ExistingOrders', { phase });
