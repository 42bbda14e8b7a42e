import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PLACEHOLDER_VPC, PriceUpdatesStack } from '../examples/price-updates/stack';
import { FifoFanout, MessagingEndpoints, MessagingService, SecureFifoQueue, SecureFifoTopic } from '../src';
import { ENV, newStack, resourcesOf, warningsWithId } from './util';

function isolatedVpc(stack: ReturnType<typeof newStack>) {
  return new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
}

function endpointFor(template: Template, service: string): [string, any] {
  return resourcesOf(template, 'AWS::EC2::VPCEndpoint').find(([, e]) => JSON.stringify(e.Properties.ServiceName).includes(`.${service}`))!;
}

test('creates SNS, SQS and KMS interface endpoints with private DNS', () => {
  const stack = newStack();
  new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::EC2::VPCEndpoint', 3);
  for (const service of ['sns', 'sqs', 'kms']) {
    expect(endpointFor(template, service)[1].Properties).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
  }
});

test('places the endpoints in one isolated subnet per AZ when the VPC has no private subnets with egress', () => {
  const stack = newStack();
  const vpc = isolatedVpc(stack);
  new MessagingEndpoints(stack, 'Endpoints', { vpc });
  const subnets = endpointFor(Template.fromStack(stack), 'sqs')[1].Properties.SubnetIds;
  expect(subnets).toEqual(vpc.isolatedSubnets.map((s) => ({ Ref: stack.getLogicalId(s.node.defaultChild as any) })));
});

test('prefers private subnets with egress', () => {
  const stack = newStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  new MessagingEndpoints(stack, 'Endpoints', { vpc });
  const subnets = endpointFor(Template.fromStack(stack), 'sns')[1].Properties.SubnetIds;
  expect(subnets).toEqual(vpc.privateSubnets.map((s) => ({ Ref: stack.getLogicalId(s.node.defaultChild as any) })));
});

test('admits HTTPS from the client security group only, never from 0.0.0.0/0 or the VPC CIDR', () => {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
    IpProtocol: 'tcp',
    FromPort: 443,
    ToPort: 443,
    SourceSecurityGroupId: { 'Fn::GetAtt': [stack.getLogicalId(endpoints.clientSecurityGroup.node.defaultChild as any), 'GroupId'] },
  });
  const json = JSON.stringify(template.toJSON());
  expect(json).not.toContain('0.0.0.0/0');
  expect(json).not.toContain('CidrBlock"]}');
});

test('allowFrom admits another peer on 443', () => {
  const stack = newStack();
  const vpc = isolatedVpc(stack);
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc });
  const workers = new ec2.SecurityGroup(stack, 'Workers', { vpc });
  endpoints.allowFrom(workers);
  Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
    FromPort: 443,
    SourceSecurityGroupId: { 'Fn::GetAtt': [stack.getLogicalId(workers.node.defaultChild as any), 'GroupId'] },
  });
});

test('endpoint policies admit only principals of this account and only the data-plane actions', () => {
  const stack = newStack();
  new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  const template = Template.fromStack(stack);
  const expected: Record<string, string[]> = {
    sns: ['sns:Publish'],
    sqs: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
    kms: ['kms:GenerateDataKey*', 'kms:Decrypt'],
  };
  for (const [service, actions] of Object.entries(expected)) {
    const [statement] = endpointFor(template, service)[1].Properties.PolicyDocument.Statement;
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Condition: { StringEquals: { 'aws:PrincipalAccount': '111111111111' } },
    });
    expect([statement.Action].flat()).toEqual(actions);
  }
});

test('registering a fan-out scopes the endpoint policies to its topic, queues and key', () => {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices', privateEndpoints: endpoints });
  fanout.addSubscriber('Retail', { queueName: 'retail' });
  const template = Template.fromStack(stack);
  const resourceOf = (service: string) => JSON.stringify(endpointFor(template, service)[1].Properties.PolicyDocument.Statement[0].Resource);
  expect(resourceOf('sns')).toContain(':sns:eu-west-1:111111111111:prices.fifo');
  expect(resourceOf('sqs')).toContain(':sqs:eu-west-1:111111111111:retail.fifo');
  expect(resourceOf('sqs')).toContain(':sqs:eu-west-1:111111111111:retail-dlq.fifo');
  expect(resourceOf('kms')).toBe(JSON.stringify([{ 'Fn::GetAtt': [stack.getLogicalId(fanout.key.node.defaultChild as any), 'Arn'] }]));
});

test('endpoints in a network stack serve a fan-out in another stack without a dependency cycle', () => {
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  const network = new Stack(app, 'Network', { env: ENV });
  const endpoints = new MessagingEndpoints(network, 'Endpoints', { vpc: isolatedVpc(network as any) });
  const messaging = new Stack(app, 'Messaging', { env: ENV });
  new FifoFanout(messaging, 'Prices', { topicName: 'prices', privateEndpoints: endpoints }).addSubscriber('Retail', { queueName: 'retail' });
  const assembly = app.synth();
  const stackDependencies = (name: string) => assembly.getStackByName(name).dependencies.map((d) => d.id).filter((id) => !id.endsWith('.assets'));
  expect(stackDependencies('Messaging')).toEqual(['Network']);
  expect(stackDependencies('Network')).toEqual([]);
  // The key lives in the other stack: the KMS endpoint keeps account scope rather than naming it.
  const kms = endpointFor(Template.fromStack(network), 'kms')[1];
  expect(kms.Properties.PolicyDocument.Statement[0].Resource).toEqual(['*']);
  expect(JSON.stringify(endpointFor(Template.fromStack(network), 'sqs')[1].Properties.PolicyDocument)).toContain(':sqs:eu-west-1:111111111111:retail.fifo');
});

test('with nothing registered the endpoint policies admit any resource of the account', () => {
  const stack = newStack();
  new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  expect(endpointFor(Template.fromStack(stack), 'sns')[1].Properties.PolicyDocument.Statement[0].Resource).toEqual(['*']);
});

test('allowAllResources keeps * even with registered resources, and warns', () => {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack), allowAllResources: true });
  new SecureFifoTopic(stack, 'Topic', { privateEndpoints: endpoints });
  expect(endpointFor(Template.fromStack(stack), 'sns')[1].Properties.PolicyDocument.Statement[0].Resource).toEqual(['*']);
  expect(warningsWithId(stack, 'cdk-secure-fifo:endpointAllowsAllResources')).toHaveLength(1);
});

test('services selects which endpoints exist', () => {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack), services: [MessagingService.SQS] });
  Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', 1);
  expect(endpoints.snsEndpointId).toBeUndefined();
  expect(endpoints.sqsEndpoint).toBeDefined();
});

test('works with an imported VPC', () => {
  const stack = newStack();
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
    vpcId: 'vpc-12345678',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-aaaa1111', 'subnet-bbbb2222'],
  });
  new MessagingEndpoints(stack, 'Endpoints', { vpc });
  expect(endpointFor(Template.fromStack(stack), 'sqs')[1].Properties).toMatchObject({ VpcId: 'vpc-12345678', SubnetIds: ['subnet-aaaa1111', 'subnet-bbbb2222'] });
});

test('a private topic denies publish and subscribe off the SNS endpoint, except to AWS services and calls they make for you', () => {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  new SecureFifoTopic(stack, 'Topic', { topicName: 'prices', privateEndpoints: endpoints });
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([Match.objectLike({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: ['sns:Publish', 'sns:Subscribe'],
        Condition: {
          StringNotEquals: { 'aws:SourceVpce': { Ref: stack.getLogicalId(endpoints.snsEndpoint!.node.defaultChild as any) } },
          BoolIfExists: { 'aws:PrincipalIsAWSService': 'false', 'aws:ViaAWSService': 'false' },
        },
      })]),
    },
  });
});

test('a private queue denies the data-plane actions off the SQS endpoint on queue and DLQ in one statement, never sqs:*', () => {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  const queue = new SecureFifoQueue(stack, 'Orders', { privateEndpoints: endpoints });
  const [[, policy]] = resourcesOf(Template.fromStack(stack), 'AWS::SQS::QueuePolicy');
  const denies = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Condition?.StringNotEquals?.['aws:SourceVpce']);
  expect(denies).toHaveLength(1);
  expect(denies[0]).toMatchObject({
    Effect: 'Deny',
    Action: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
    Resource: [
      { 'Fn::GetAtt': [stack.getLogicalId(queue.queue.node.defaultChild as any), 'Arn'] },
      { 'Fn::GetAtt': [stack.getLogicalId(queue.deadLetterQueue.node.defaultChild as any), 'Arn'] },
    ],
    Condition: { BoolIfExists: { 'aws:PrincipalIsAWSService': 'false', 'aws:ViaAWSService': 'false' } },
  });
  expect(denies[0].Condition.ArnNotEquals).toBeUndefined();
});

test('allowOutsideEndpoints exempts a role (e.g. a Lambda event source mapping) from the endpoint-only statement', () => {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  const queue = new SecureFifoQueue(stack, 'Orders', { privateEndpoints: endpoints });
  const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  queue.allowOutsideEndpoints(role);
  const [[, policy]] = resourcesOf(Template.fromStack(stack), 'AWS::SQS::QueuePolicy');
  const deny = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Condition?.StringNotEquals?.['aws:SourceVpce']);
  expect(deny.Condition.ArnNotEquals).toEqual({ 'aws:PrincipalArn': [{ 'Fn::GetAtt': [stack.getLogicalId(role.node.defaultChild as any), 'Arn'] }] });
});

test('every policy of the private example has unique statement ids', () => {
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  const template = Template.fromStack(new PriceUpdatesStack(app, 'PrivatePriceUpdates', { env: ENV, privateNetwork: PLACEHOLDER_VPC })).toJSON();
  const documents = Object.values<any>(template.Resources).flatMap((r) => [r.Properties?.PolicyDocument, r.Properties?.KeyPolicy]).filter(Boolean);
  expect(documents.length).toBeGreaterThan(5);
  for (const document of documents) {
    const sids = document.Statement.map((s: any) => s.Sid).filter(Boolean);
    expect(new Set(sids).size).toBe(sids.length);
    const bodies = document.Statement.map((s: any) => JSON.stringify(s));
    expect(new Set(bodies).size).toBe(bodies.length);
  }
});

test('a private fan-out synthesizes in one stack without dependency cycles', () => {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  const fanout = new FifoFanout(stack, 'Prices', { privateEndpoints: endpoints });
  fanout.addSubscriber('Retail');
  fanout.addSubscriber('Wholesale');
  expect(() => Template.fromStack(stack)).not.toThrow();
});
