import { createHash } from 'node:crypto';

/** Like CloudFormation, `<stack>-<logicalId>-<suffix>` when a resource has no name. */
export function generatedName(stackName: string, logicalId: string, max: number, fifo: boolean): string {
  const suffix = createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex').slice(0, 12).toUpperCase();
  const tail = `-${suffix}${fifo ? '.fifo' : ''}`;
  return `${stackName}-${logicalId}`.slice(0, max - tail.length) + tail;
}
