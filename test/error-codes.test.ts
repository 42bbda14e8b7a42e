import { FifoFanout, SecureFifoErrors, ValidationErrorCode } from '../src';
import { newStack } from './util';
import { Problems } from '../src/private/validation';

/** The enum's members as jsii's other languages see them: by member name. */
const MEMBERS = Object.keys(ValidationErrorCode) as Array<keyof typeof ValidationErrorCode>;

test('every ValidationErrorCode value is its member name, the name Python, Java, .NET and Go use', () => {
  expect(MEMBERS.length).toBeGreaterThan(0);
  expect(MEMBERS.filter((name) => ValidationErrorCode[name] !== name)).toEqual([]);
});

test('a problem message ends with its code as [MEMBER_NAME], for every code', () => {
  const missing = MEMBERS.filter((name) => {
    const problems = new Problems();
    problems.add(ValidationErrorCode[name], 'prop', 'value', 'allowed: another value');
    try {
      problems.throwIfAny('Check', 'Check');
    } catch (e) {
      return !(e as Error).message.endsWith(`[${name}]`);
    }
    return true;
  });

  expect(missing).toEqual([]);
});

test('a refused configuration names its code as [MEMBER_NAME] in the message, as other languages read it', () => {
  let caught: unknown;
  try {
    new FifoFanout(newStack(), 'Prices', { topicName: 'price updates' });
  } catch (e) {
    caught = e;
  }

  expect(SecureFifoErrors.codesOf(caught)).toEqual([ValidationErrorCode.NAME_FORMAT]);
  expect((caught as Error).message).toContain('[NAME_FORMAT]');
});
