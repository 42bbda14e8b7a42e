import { App } from 'aws-cdk-lib';
import { platformTeams } from './stacks';

// Accounts and region come from context; the placeholders let the app synthesize anywhere:
//   cdk deploy --all -c platformAccount=111111111111 -c consumerAccount=222222222222 -c region=eu-west-1
// (deploy each stack with credentials of its own account).
const app = new App();
const context = (key: string, fallback: string): string => app.node.tryGetContext(key) ?? fallback;
platformTeams(app, {
  platformAccount: context('platformAccount', '111111111111'),
  consumerAccount: context('consumerAccount', '222222222222'),
  region: context('region', 'eu-west-1'),
});
app.synth();
