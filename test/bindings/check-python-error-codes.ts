/**
 * Checks the generated Python binding (`jsii-pacmak --code-only`, written to .jsii-bindings/ by the
 * `package:bindings` task): a Python user matches `ValidationErrorCode.X.value` in `str(error)`, so
 * every member's Python value must be its name, the TypeScript value must be the same, and each
 * problem in a message must end with it as `[X]`.
 *
 * jsii passes enums between languages by member name and does not record TypeScript values in the
 * assembly: only the generated code tells what another language sees. Run by `bindings:check`
 * (`npx projen package` runs it after `package:bindings`).
 *
 * Usage: ts-node --transpile-only --project test/tsconfig.json test/bindings/check-python-error-codes.ts [bindings dir]
 */
import * as fs from 'fs';
import * as path from 'path';
import { ValidationErrorCode } from '../../src';
import { Problems } from '../../src/private/validation';

const ENUM_CLASS = 'class ValidationErrorCode(enum.Enum):';

/** The generated Python module that defines ValidationErrorCode. */
function pythonModule(bindings: string): string {
  const pythonRoot = path.join(bindings, 'python');
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]);
  const files = walk(pythonRoot).filter((file) => file.endsWith('__init__.py'));
  const found = files.filter((file) => fs.readFileSync(file, 'utf8').includes(ENUM_CLASS));
  if (found.length !== 1) {
    throw new Error(`expected one generated Python module with "${ENUM_CLASS}" under ${pythonRoot}, found ${found.length}: run package:bindings first`);
  }
  return found[0];
}

/** The members of the Python enum class as name -> value, from the generated source. */
function pythonEnumMembers(source: string): Map<string, string> {
  const lines = source.split('\n');
  const start = lines.findIndex((line) => line === ENUM_CLASS);
  const members = new Map<string, string>();
  for (const line of lines.slice(start + 1)) {
    if (line !== '' && !line.startsWith(' ')) break; // the next top-level statement ends the class
    const member = /^ {4}([A-Z][A-Z0-9_]*) = "([^"]*)"$/.exec(line);
    if (member) members.set(member[1], member[2]);
  }
  return members;
}

/** The message of an error reporting one problem with this code. */
function messageFor(code: ValidationErrorCode): string {
  const problems = new Problems();
  problems.add(code, 'prop', 'value', 'allowed: another value');
  try {
    problems.throwIfAny('Check', 'Check');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`no error for ${code}`);
}

function check(bindings: string): string[] {
  const file = pythonModule(bindings);
  const python = pythonEnumMembers(fs.readFileSync(file, 'utf8'));
  const typescript = new Map(Object.entries(ValidationErrorCode));
  const failures: string[] = [];
  if (python.size === 0) failures.push(`${file}: no members read from ${ENUM_CLASS}`);
  for (const name of typescript.keys()) {
    if (!python.has(name)) failures.push(`${name}: missing from the Python binding`);
  }
  for (const [name, value] of python) {
    if (value !== name) failures.push(`${name}: Python value "${value}" is not the member name`);
    if (typescript.get(name) !== value) failures.push(`${name}: TypeScript value "${typescript.get(name)}" differs from the Python value "${value}"`);
    else if (!messageFor(typescript.get(name)!).endsWith(`[${value}]`)) failures.push(`${name}: a message does not end with [${value}]`);
  }
  console.log(`${path.relative(process.cwd(), file)}: ${python.size} ValidationErrorCode members checked`);
  return failures;
}

if (require.main === module) {
  const failures = check(process.argv[2] ?? '.jsii-bindings');
  if (failures.length > 0) {
    console.error(`Python error codes a user cannot match in messages:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    process.exit(1);
  }
  console.log('every Python ValidationErrorCode value is its member name and appears as [NAME] in messages');
}
