/**
 * Template-level normalisation before the delivery model is built from a CloudFormation template:
 * turns forms CloudFormation accepts into the plain resources the rules read: `Json`-typed
 * properties written as strings, subscriptions declared inline on `AWS::SNS::Topic`; SAM
 * serverless functions are reported as not analysed (their expansion is not done yet).
 * Takes and returns templates in JSON form (intrinsics as `{ "Fn::X": ... }`).
 */

/** Something in a template the checks did not analyse, said so rather than passed silently. */
export interface TemplateNote {
  /** The logical ID of the resource the note is about. */
  readonly logicalId: string;
  /** What was not analysed and why. */
  readonly message: string;
}

/** A template in JSON form with what normalisation could not analyse. */
export interface NormalizedTemplate {
  readonly template: any;
  readonly notes: TemplateNote[];
}

// Properties CloudFormation types `Json`, which it accepts as an object or a JSON string:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-subscription.html
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sqs-queue.html
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sqs-queuepolicy.html
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kms-key.html
const JSON_PROPERTIES: Record<string, string[]> = {
  'AWS::SNS::Subscription': ['FilterPolicy', 'RedrivePolicy', 'DeliveryPolicy'],
  'AWS::SQS::Queue': ['RedrivePolicy', 'RedriveAllowPolicy'],
  'AWS::SQS::QueuePolicy': ['PolicyDocument'],
  'AWS::SNS::TopicPolicy': ['PolicyDocument'],
  'AWS::KMS::Key': ['KeyPolicy'],
};

/** Normalises one template (JSON form); the input is not modified. */
export function normalizeTemplate(template: any): NormalizedTemplate {
  const notes: TemplateNote[] = [];
  const input = template?.Resources;
  if (!input || typeof input !== 'object') return { template, notes };
  const resources: Record<string, any> = {};
  for (const [id, resource] of Object.entries<any>(input)) {
    resources[id] = resource;
    if (resource?.Type === 'AWS::SNS::Topic' && Array.isArray(resource.Properties?.Subscription)) {
      inlineSubscriptions(id, resource, input, resources);
    }
    if (resource?.Type === 'AWS::Serverless::Function' && resource.Properties?.Events) {
      notes.push({ logicalId: id, message: `${id} is a SAM function with events: its event sources (SQS, SNS) were not analysed` });
    }
  }
  for (const [id, original] of Object.entries<any>(resources)) {
    let resource = original;
    const names = JSON_PROPERTIES[resource?.Type];
    if (!names || !resource.Properties) continue;
    for (const name of names) {
      const value = resource.Properties[name];
      if (typeof value !== 'string') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        notes.push({ logicalId: id, message: `${id} ${name} is a string that is not valid JSON: it was not analysed` });
        continue;
      }
      resources[id] = resource = { ...resource, Properties: { ...resource.Properties, [name]: parsed } };
    }
  }
  return { template: { ...template, Resources: resources }, notes };
}

/**
 * `AWS::SNS::Topic` `Subscription` (list of Endpoint/Protocol) subscribes when the topic is created:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-sns-topic-subscription.html
 * Each becomes a synthetic `AWS::SNS::Subscription` on the topic, so every subscription rule applies.
 */
function inlineSubscriptions(topicId: string, topic: any, taken: Record<string, any>, out: Record<string, any>) {
  topic.Properties.Subscription.forEach((sub: any, index: number) => {
    let id = `${topicId}InlineSubscription${index + 1}`;
    while (id in taken || id in out) id += 'X';
    out[id] = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: topicId }, Protocol: sub?.Protocol, Endpoint: sub?.Endpoint },
      Metadata: { 'cdk-secure-fifo:inline': `the inline subscription ${index + 1} of topic ${topicId}` },
    };
  });
}
