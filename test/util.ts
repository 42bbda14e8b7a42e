import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';

import { SecureFifoErrors, ValidationErrorCode } from '../src';

export { refersTo as references } from '../local/intrinsics';

/** The account and region every unit test synthesizes into. */
export const ENV = { account: '111111111111', region: 'eu-west-1' };

/** Stack props without an env: the stack is environment-agnostic (the end-to-end tests deploy it into the emulator's account). */
export const ENVIRONMENT_AGNOSTIC: StackProps = {};

/** An App that turns CloudFormation's own template validation findings into synth errors. */
export function newApp(): App {
  return new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
}

/** A stack in a `newApp()`, in ENV unless `props` say otherwise. */
export function newStack(id = 'Test', props: StackProps = { env: ENV }): Stack {
  return new Stack(newApp(), id, props);
}

/** All resources of one type, as [logicalId, resource] pairs. */
export function resourcesOf(template: Template, type: string): Array<[string, any]> {
  return Object.entries(template.findResources(type));
}

/** The ids of warnings in a stack that match a cdk-secure-fifo warning id. */
export function warningsWithId(stack: Stack, id: string) {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(id));
}

/**
 * Asserts that `build` is refused by a validation error of this library that names `path` and
 * exactly these problems, in order, by prop and rule code (the wording may change; these may not).
 * Returns the error for assertions on what its message must also say.
 */
export function expectRefused(build: () => unknown, path: string, problems: Array<[prop: string, code: ValidationErrorCode]>): Error {
  let caught: unknown;
  try {
    build();
  } catch (e) {
    caught = e;
  }
  if (!SecureFifoErrors.isValidationError(caught)) {
    throw new Error(`expected a validation error of cdk-secure-fifo, got: ${caught === undefined ? 'none' : (caught as Error).message}`);
  }
  const error = caught as Error;
  expect(error.message.startsWith(`${path}: invalid `)).toBe(true);
  expect(SecureFifoErrors.propsOf(error)).toEqual(problems.map(([prop]) => prop));
  expect(SecureFifoErrors.codesOf(error)).toEqual(problems.map(([, code]) => code));
  return error;
}
