import { App, Aspects } from 'aws-cdk-lib';
import { shipmentsApp } from './stacks';
import { AdoptionStage, SecureExistingFifo } from '../../src';

// Day 1: the platform's topic and the team's queue, publisher, consumer and partner, hand-wired:
//   cdk deploy --all
// Then secured in place by SecureExistingFifo on the app, in two deploys:
//   cdk deploy --all -c stage=prepare    (keys, key policies, DLQs, every grant; no topic or queue switches yet)
//   cdk deploy --all -c stage=encrypt    (the topic and the queue switch to their keys)
const app = new App();
shipmentsApp(app);
const stage = app.node.tryGetContext('stage');
if (stage === 'prepare' || stage === 'encrypt') {
  Aspects.of(app).add(new SecureExistingFifo({ stage: stage === 'prepare' ? AdoptionStage.PREPARE : AdoptionStage.ENCRYPT }));
}
app.synth();
