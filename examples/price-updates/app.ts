import { App } from 'aws-cdk-lib';
import { PLACEHOLDER_VPC, PriceUpdatesStack } from './stack';

const app = new App();
new PriceUpdatesStack(app, 'PriceUpdates');

// The private variant goes into an existing VPC: pass yours with
//   cdk deploy PrivatePriceUpdates -c vpcId=vpc-... -c availabilityZones=eu-west-1a,eu-west-1b -c privateSubnetIds=subnet-...,subnet-...
// Without that context it synthesizes against a placeholder VPC.
const list = (key: string): string[] | undefined => app.node.tryGetContext(key)?.split(',');
new PriceUpdatesStack(app, 'PrivatePriceUpdates', {
  privateNetwork: {
    vpcId: app.node.tryGetContext('vpcId') ?? PLACEHOLDER_VPC.vpcId,
    availabilityZones: list('availabilityZones') ?? PLACEHOLDER_VPC.availabilityZones,
    privateSubnetIds: list('privateSubnetIds') ?? PLACEHOLDER_VPC.privateSubnetIds,
  },
});
app.synth();
