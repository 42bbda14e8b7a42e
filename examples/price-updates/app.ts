import { App } from 'aws-cdk-lib';
import { PriceUpdatesStack } from './stack';

const app = new App();
new PriceUpdatesStack(app, 'PriceUpdates');
new PriceUpdatesStack(app, 'PrivatePriceUpdates', { privateNetwork: true });
app.synth();
