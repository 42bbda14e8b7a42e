import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PLACEHOLDER_VPC, PriceUpdatesStack } from '../examples/price-updates/stack';
import { FifoFanout, MessagingEndpoints, MessagingService, SecureFifoQueue, SecureFifoTopic } from '../src';
import { ENV, newApp, newStack, resourcesOf, warningsWithId } from './util';

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

test('creates SNS and SQS interface endpoints with private DNS; KMS only when asked (it is not on the messaging path)', () => {
  const stack = newStack();
  new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
  for (const service of ['sns', 'sqs']) {
    expect(endpointFor(template, service)[1].Properties).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
  }
  expect(endpointFor(template, 'kms')).toBeUndefined();
  const withKms = newStack();
  new MessagingEndpoints(withKms, 'Endpoints', { vpc: isolatedVpc(withKms), services: [MessagingService.SNS, MessagingService.SQS, MessagingService.KMS] });
  expect(endpointFor(Template.fromStack(withKms), 'kms')).toBeDefined();
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

test('privateDnsEnabled: false creates endpoints that do not take over the VPC-wide service names', () => {
  const stack = newStack();
  new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack), privateDnsEnabled: false });
  for (const [, endpoint] of resourcesOf(Template.fromStack(stack), 'AWS::EC2::VPCEndpoint')) {
    expect(endpoint.Properties.PrivateDnsEnabled).toBe(false);
  }
});

test('fromEndpointIds restricts a fan-out to existing endpoints and creates none', () => {
  const stack = newStack();
  const endpoints = MessagingEndpoints.fromEndpointIds(stack, 'Shared', { snsEndpointId: 'vpce-0aaa1111', sqsEndpointId: 'vpce-0bbb2222' });
  const fanout = new FifoFanout(stack, 'Prices', { privateEndpoints: endpoints });
  fanout.addSubscriber('Retail');
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
  const json = JSON.stringify(template.toJSON());
  expect(json).toContain('"aws:SourceVpce":"vpce-0aaa1111"');
  expect(json).toContain('"aws:SourceVpce":"vpce-0bbb2222"');
});

test('the default endpoint policy admits principals of this account to any action and resource, so other workloads of the VPC keep working', () => {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  new FifoFanout(stack, 'Prices', { topicName: 'prices', privateEndpoints: endpoints }).addSubscriber('Retail');
  const template = Template.fromStack(stack);
  for (const service of ['sns', 'sqs']) {
    expect(endpointFor(template, service)[1].Properties.PolicyDocument.Statement).toEqual([{
      Sid: 'PrincipalsOfThisAccount',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: '*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalAccount': '111111111111' } },
    }]);
  }
  expect(warningsWithId(stack, 'cdk-secure-fifo:endpointRestrictedToRegisteredResources')).toHaveLength(0);
});

test('restrictToRegisteredResources scopes the endpoint policies to the registered topic, queues and key, and warns that it is VPC-wide', () => {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', {
    vpc: isolatedVpc(stack),
    services: [MessagingService.SNS, MessagingService.SQS, MessagingService.KMS],
    restrictToRegisteredResources: true,
  });
  const fanout = new FifoFanout(stack, 'Prices', { topicName: 'prices', privateEndpoints: endpoints });
  fanout.addSubscriber('Retail', { queueName: 'retail' });
  const template = Template.fromStack(stack);
  const resourceOf = (service: string) => JSON.stringify(endpointFor(template, service)[1].Properties.PolicyDocument.Statement[0].Resource);
  expect(resourceOf('sns')).toContain(':sns:eu-west-1:111111111111:prices.fifo');
  expect(resourceOf('sqs')).toContain(':sqs:eu-west-1:111111111111:retail.fifo');
  expect(resourceOf('sqs')).toContain(':sqs:eu-west-1:111111111111:retail-dlq.fifo');
  expect(resourceOf('kms')).toBe(JSON.stringify([{ 'Fn::GetAtt': [stack.getLogicalId(fanout.encryptionKey.node.defaultChild as any), 'Arn'] }]));
  const warnings = warningsWithId(stack, 'cdk-secure-fifo:endpointRestrictedToRegisteredResources');
  expect(warnings.map((w) => w.id)).toEqual(['/Test/Endpoints']);
  expect(warnings[0].entry.data).toContain('every workload in this VPC');
});

test('endpoints in a network stack serve a fan-out in another stack without a dependency cycle', () => {
  const app = newApp();
  const network = new Stack(app, 'Network', { env: ENV });
  const endpoints = new MessagingEndpoints(network, 'Endpoints', {
    vpc: isolatedVpc(network),
    services: [MessagingService.SNS, MessagingService.SQS, MessagingService.KMS],
    restrictToRegisteredResources: true,
  });
  const apps = new Stack(app, 'Apps', { env: ENV });
  const fanout = new FifoFanout(apps, 'Prices', { privateEndpoints: endpoints });
  fanout.addSubscriber('Retail', { queueName: 'retail' });
  const assembly = app.synth();
  const stackDependencies = (name: string) => assembly.getStackByName(name).dependencies.map((d) => d.id).filter((d) => !d.endsWith('.assets'));
  expect(stackDependencies('Apps')).toContain('Network');
  expect(stackDependencies('Network')).toEqual([]);
  // The key lives in the other stack: the KMS endpoint keeps account scope rather than naming it.
  const kms = endpointFor(Template.fromStack(network), 'kms')[1];
  expect(kms.Properties.PolicyDocument.Statement[0].Resource).toEqual(['*']);
  expect(JSON.stringify(endpointFor(Template.fromStack(network), 'sqs')[1].Properties.PolicyDocument)).toContain(':sqs:eu-west-1:111111111111:retail.fifo');
});

/** The endpoint policies of a private fan-out of 100 subscribers with generated names, as CloudFormation submits them. */
function hundredSubscribers(restrictToRegisteredResources: boolean) {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack), restrictToRegisteredResources });
  const fanout = new FifoFanout(stack, 'PriceUpdatesForEveryRegionalStorefront', { privateEndpoints: endpoints });
  for (let i = 0; i < 100; i++) {
    fanout.addSubscriber(`StorefrontSubscriber${i}`);
  }
  return { stack, endpoints };
}

test('a resource-scoped endpoint policy over 20,480 characters is refused at synth, naming the endpoint and the measured size', () => {
  const { stack } = hundredSubscribers(true);
  expect(() => Template.fromStack(stack)).toThrow(/Test\/Endpoints.*restrictToRegisteredResources: the policy of endpoint SQS measures \d{5} characters; allowed: at most 20480/);
});

test('the default endpoint policies stay tiny however many subscribers register', () => {
  const { stack } = hundredSubscribers(false);
  for (const [, endpoint] of resourcesOf(Template.fromStack(stack), 'AWS::EC2::VPCEndpoint')) {
    expect(JSON.stringify(endpoint.Properties.PolicyDocument).length).toBeLessThan(300);
  }
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

test('a private topic denies only publishing off the SNS endpoint, except to AWS services publishing as themselves', () => {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  new SecureFifoTopic(stack, 'Topic', { topicName: 'prices', privateEndpoints: endpoints });
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([Match.objectLike({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sns:Publish',
        Condition: {
          StringNotEquals: { 'aws:SourceVpce': { Ref: stack.getLogicalId(endpoints.snsEndpoint!.node.defaultChild as any) } },
          BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
        },
      })]),
    },
  });
});

test('a private topic never denies sns:Subscribe: CloudFormation subscribes with its execution role, off any endpoint', () => {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  const fanout = new FifoFanout(stack, 'Prices', { privateEndpoints: endpoints });
  fanout.addSubscriber('Retail');
  const denies = resourcesOf(Template.fromStack(stack), 'AWS::SNS::TopicPolicy')
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
    .filter((st: any) => st.Effect === 'Deny');
  expect(denies.length).toBeGreaterThan(0);
  for (const deny of denies) {
    expect([deny.Action].flat()).not.toEqual(expect.arrayContaining(['sns:Subscribe']));
    expect(JSON.stringify(deny.Condition)).not.toContain('aws:ViaAWSService');
  }
});

test('a private queue denies only consumer actions off the SQS endpoint, one statement per queue, never sqs:SendMessage', () => {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  const queue = new SecureFifoQueue(stack, 'Orders', { privateEndpoints: endpoints });
  const [[, policy]] = resourcesOf(Template.fromStack(stack), 'AWS::SQS::QueuePolicy');
  const denies = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Condition?.StringNotEquals?.['aws:SourceVpce']);
  expect(denies.map((d: any) => d.Resource)).toEqual([
    { 'Fn::GetAtt': [stack.getLogicalId(queue.node.defaultChild as any), 'Arn'] },
    { 'Fn::GetAtt': [stack.getLogicalId(queue.deadLetterQueue.node.defaultChild as any), 'Arn'] },
  ]);
  for (const deny of denies) {
    expect(deny).toEqual({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
      Resource: deny.Resource,
      Condition: { StringNotEquals: { 'aws:SourceVpce': { Ref: stack.getLogicalId(endpoints.sqsEndpoint!.node.defaultChild as any) } } },
    });
  }
  const sendDenies = policy.Properties.PolicyDocument.Statement.filter((st: any) => st.Effect === 'Deny' && [st.Action].flat().includes('sqs:SendMessage'));
  expect(sendDenies).toEqual([]);
});

test('allowOutsideEndpoints exempts a role (e.g. a Lambda event source mapping) from the endpoint-only statement', () => {
  const stack = newStack();
  const endpoints = new MessagingEndpoints(stack, 'Endpoints', { vpc: isolatedVpc(stack) });
  const queue = new SecureFifoQueue(stack, 'Orders', { privateEndpoints: endpoints });
  const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  queue.allowOutsideEndpoints(role);
  const [[, policy]] = resourcesOf(Template.fromStack(stack), 'AWS::SQS::QueuePolicy');
  const denies = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Condition?.StringNotEquals?.['aws:SourceVpce']);
  expect(denies).toHaveLength(2);
  for (const deny of denies) {
    expect(deny.Condition.ArnNotEquals).toEqual({ 'aws:PrincipalArn': [{ 'Fn::GetAtt': [stack.getLogicalId(role.node.defaultChild as any), 'Arn'] }] });
  }
});

test('every policy of the private example has unique statement ids', () => {
  const app = newApp();
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
