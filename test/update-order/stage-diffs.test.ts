import { Aspects } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { synthApp } from './app-version';
import { shipmentsApp } from '../../examples/hand-wired-two-stack/stacks';
import { AdoptionStage, SecureExistingFifo, SecureExistingFifoProps } from '../../src';
import { replacements } from '../update-safety';
import { newApp } from '../util';

/*
 * `cdk diff --template` between the stages of examples/hand-wired-two-stack, per stack: no resource
 * of the deployed stage is removed ([-]) and none is replaced (create-only property changed),
 * judged by update-safety.ts `replacements`.
 */

const version = (props?: SecureExistingFifoProps) => {
  const app = newApp();
  shipmentsApp(app);
  if (props) Aspects.of(app).add(new SecureExistingFifo(props));
  return Object.fromEntries(synthApp(app).stacks.map((s) => [s.stackName, Template.fromJSON(s.template)]));
};

const day1 = version();
const prepare = version({ stage: AdoptionStage.PREPARE });
const encrypt = version({});

describe.each(['ShipmentsPlatform', 'ShipmentsTeam'])('%s', (stack) => {
  test('day 1 -> PREPARE: nothing removed or replaced', () => {
    expect(replacements(day1[stack], prepare[stack])).toEqual([]);
  });

  test('PREPARE -> ENCRYPT: nothing removed or replaced', () => {
    expect(replacements(prepare[stack], encrypt[stack])).toEqual([]);
  });

  test('PREPARE changes no KmsMasterKeyId and no SqsManagedSseEnabled of a topic or queue of day 1', () => {
    const encryption = (t: Template) => Object.fromEntries(Object.entries<any>(t.toJSON().Resources)
      .filter(([id, r]) => (r.Type === 'AWS::SQS::Queue' || r.Type === 'AWS::SNS::Topic') && id in day1[stack].toJSON().Resources)
      .map(([id, r]) => [id, [r.Properties?.KmsMasterKeyId, r.Properties?.SqsManagedSseEnabled]]));
    expect(encryption(prepare[stack])).toEqual(encryption(day1[stack]));
  });
});

test('control: ENCRYPT does switch the topic and the queue (the check above can differ)', () => {
  const keyOf = (t: Template, type: string) => Object.values<any>(t.findResources(type))[0].Properties.KmsMasterKeyId;
  expect(keyOf(encrypt.ShipmentsPlatform, 'AWS::SNS::Topic')).toBeDefined();
  expect(keyOf(prepare.ShipmentsPlatform, 'AWS::SNS::Topic')).toBeUndefined();
});
