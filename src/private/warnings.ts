/**
 * The ids of every warning the library emits, in one place so the README can list them. Users
 * acknowledge them with `Annotations.of(construct).acknowledgeWarning(id, reason)` on the construct
 * the warning is attached to.
 */
export const WARNING = {
  filterPolicyAtMostOnce: 'cdk-secure-fifo:filterPolicyAtMostOnce',
  standardQueueAtLeastOnce: 'cdk-secure-fifo:standardQueueAtLeastOnce',
  dedupPerMessageGroup: 'cdk-secure-fifo:dedupPerMessageGroup',
  importedKeyPolicy: 'cdk-secure-fifo:importedKeyPolicy',
  importedQueuePolicy: 'cdk-secure-fifo:importedQueuePolicy',
  unknownQueueEncryption: 'cdk-secure-fifo:unknownQueueEncryption',
  subscriptionQuota: 'cdk-secure-fifo:subscriptionQuota',
  endpointRestrictedToRegisteredResources: 'cdk-secure-fifo:endpointRestrictedToRegisteredResources',
  keyRotationOff: 'cdk-secure-fifo:keyRotationOff',
  signatureVersion1: 'cdk-secure-fifo:signatureVersion1',
  backlogNotReencrypted: 'cdk-secure-fifo:backlogNotReencrypted',
  externalConsumersNeedKey: 'cdk-secure-fifo:externalConsumersNeedKey',
  principalNeedsKey: 'cdk-secure-fifo:principalNeedsKey',
  notSecured: 'cdk-secure-fifo:notSecured',
  grantAfterSwitch: 'cdk-secure-fifo:grantAfterSwitch',
  keyPolicyOverridden: 'cdk-secure-fifo:keyPolicyOverridden',
  subscriptionWithoutDeadLetterQueue: 'cdk-secure-fifo:subscriptionWithoutDeadLetterQueue',
  rawDeliveryAttributeLimit: 'cdk-secure-fifo:rawDeliveryAttributeLimit',
  queueWithoutRedrivePolicy: 'cdk-secure-fifo:queueWithoutRedrivePolicy',
  readerWithoutDecrypt: 'cdk-secure-fifo:readerWithoutDecrypt',
  lambdaBatchingWindow: 'cdk-secure-fifo:lambdaBatchingWindow',
  lambdaTimeoutUnknown: 'cdk-secure-fifo:lambdaTimeoutUnknown',
  retiredKey: 'cdk-secure-fifo:retiredKey',
  keyChangeNotStaged: 'cdk-secure-fifo:keyChangeNotStaged',
  ownKeyLeaves: 'cdk-secure-fifo:ownKeyLeaves',
  alarmTopicKeyPolicy: 'cdk-secure-fifo:alarmTopicKeyPolicy',
  alarmTopicFifo: 'cdk-secure-fifo:alarmTopicFifo',
  alarmTopicPolicy: 'cdk-secure-fifo:alarmTopicPolicy',
  serviceKeyCondition: 'cdk-secure-fifo:serviceKeyCondition',
} as const;
