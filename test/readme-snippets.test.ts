import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AwsSolutionsChecks as AwsSolutionsChecksV2 } from 'cdk-nag-v2';
import { Construct, IConstruct } from 'constructs';
import * as ts from 'typescript';
import { PriceUpdatesStack } from '../examples/price-updates/stack';
import * as library from '../src';
import { ENV, newApp } from './util';

/**
 * Every TypeScript snippet of README.md, synthesized as a user who pastes it would: the snippet as
 * `jsii-rosetta extract --strict` compiles it (substituted into `rosetta/default.ts-fixture`),
 * transpiled and run in a `newApp()` (template validation on), then synthesized. Rosetta proves
 * that each snippet compiles; this proves that it synthesizes without an error annotation.
 */

const ROOT = path.join(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

// jsii-rosetta's own extraction and fixture code, so a snippet here is exactly the source that
// `jsii-rosetta extract` compiles (which blocks count, `/// !hide`, hoisted imports and `declare`s).
// Its package exports only its root, which does not include these two functions: load them by path.
const ROSETTA_LIB = path.join(path.dirname(require.resolve('jsii-rosetta/package.json')), 'lib');
/* eslint-disable @typescript-eslint/no-require-imports */
const { extractTypescriptSnippetsFromMarkdown } = require(path.join(ROSETTA_LIB, 'markdown', 'extract-snippets'));
const { fixturize } = require(path.join(ROSETTA_LIB, 'fixtures'));
/* eslint-enable @typescript-eslint/no-require-imports */

interface Snippet {
  /** The README line the block starts on. */
  readonly line: number;
  /** The block as the reader sees it. */
  readonly visibleSource: string;
  /** The block inside the rosetta fixture: a module whose class `Fixture` is a Stack. */
  readonly completeSource: string;
}

/** Every ```ts / ```typescript block of README.md, completed with its fixture as jsii-rosetta does. */
function readmeSnippets(): Snippet[] {
  const found: any[] = extractTypescriptSnippetsFromMarkdown(README, { api: 'moduleReadme', moduleFqn: 'cdk-secure-fifo' }, true);
  return found.map((snippet) => {
    const complete = fixturize({ ...snippet, parameters: { ...snippet.parameters, $directory: ROOT } });
    return {
      line: snippet.location.field.line,
      visibleSource: complete.visibleSource,
      completeSource: complete.completeSource ?? complete.visibleSource,
    };
  });
}

/** A value a snippet `declare`s: made in the stack of what the snippet takes as given. */
type StandIn = (given: Given, id: string, comment: string) => unknown;

/** What a snippet takes as given: its declared values, in a stack of their own in the snippet's app. */
class Given {
  private readonly values: unknown[] = [];
  private givenStack?: Stack;

  constructor(public readonly app: App) {}

  /** The stack of given values, made when the first one needs it. */
  public get stack(): Stack {
    this.givenStack ??= new Stack(this.app, 'Given');
    return this.givenStack;
  }

  /** The value declared earlier in the snippet with this class, or a new one. */
  public earlier<T>(type: new (...args: any[]) => T, make: () => T): T {
    const value = this.values.find((v) => v instanceof type) as T | undefined;
    return value ?? make();
  }

  public add(value: unknown) {
    this.values.push(value);
    return value;
  }
}

const role: StandIn = (given, id) => new iam.Role(given.stack, id, { assumedBy: new iam.AccountRootPrincipal() });
const fanout = (given: Given) => given.earlier(library.FifoFanout, () => new library.FifoFanout(given.stack, 'GivenFanout'));
const vpc = (given: Given) => given.earlier(ec2.Vpc, () => new ec2.Vpc(given.stack, 'GivenVpc'));
const fn: StandIn = (given, id, comment) => new lambda.Function(given.stack, id, {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
  // A declared function is what its comment says: `declare const handler: lambda.Function; // timeout 10 s`.
  timeout: Duration.seconds(Number(/timeout (\d+) ?s\b/.exec(comment)?.[1] ?? 3)),
});

/**
 * The stand-in for each type a README snippet declares (`declare const x: Type;`), by the type as
 * written. A snippet declaring a type missing here fails with a message that says to add it.
 */
const STAND_INS: Record<string, StandIn> = {
  'App': (given) => given.app,
  'Stack': (given) => given.stack,
  'Error': (_given, _id, comment) => new Error(comment),
  'iam.IRole': role,
  'iam.Role': role,
  'iam.IGrantable': role,
  'iam.IPrincipal': role,
  'ec2.IVpc': (given) => vpc(given),
  'ec2.Vpc': (given) => vpc(given),
  'ec2.ISecurityGroup': (given, id) => new ec2.SecurityGroup(given.stack, id, { vpc: vpc(given) }),
  'sns.ITopic': (given, id) => new sns.Topic(given.stack, id),
  'lambda.Function': fn,
  'lambda.IFunction': fn,
  'kms.IKey': (given, id) => new library.FifoKey(given.stack, id),
  'kms.Key': (given, id) => new library.FifoKey(given.stack, id),
  'FifoKey': (given, id) => new library.FifoKey(given.stack, id),
  'sqs.IQueue': (given, id) => new library.SecureFifoQueue(given.stack, id),
  'SecureFifoQueue': (given, id) => new library.SecureFifoQueue(given.stack, id),
  'FifoFanout': (given, id) => new library.FifoFanout(given.stack, id),
  'FifoSubscriber': (given, id) => fanout(given).addSubscriber(id),
  'IFifoTopicSubscriber': (given, id) => fanout(given).addSubscriber(id),
  'StandardSubscriber': (given, id) => fanout(given).addStandardSubscriber(id),
  'ISecureFifoTopic': (given, id) => new library.SecureFifoTopic(given.stack, id),
  'SecureFifoTopic': (given, id) => new library.SecureFifoTopic(given.stack, id),
  'MessagingEndpoints': (given, id) => new library.MessagingEndpoints(given.stack, id, { vpc: vpc(given) }),
  // The cdk-nag snippets declare the pack their comment constructs: these are those packs.
  'IPolicyValidationPlugin': () => new AwsSolutionsChecks(),
  'IAspect': () => new AwsSolutionsChecksV2(),
};

interface Declared { readonly name: string; readonly type: string; readonly comment: string }

/**
 * The `declare const`s of a snippet (rosetta hoists them out of the fixture's class, leaving their
 * trailing comments behind: read them from the visible source).
 */
function declaredValues(source: string): Declared[] {
  const file = ts.createSourceFile('snippet.ts', source, ts.ScriptTarget.Latest, true);
  return file.statements
    .filter(ts.isVariableStatement)
    .filter((statement) => statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword))
    .flatMap((statement) => {
      const comment = (ts.getTrailingCommentRanges(source, statement.end) ?? []).map((range) => source.slice(range.pos, range.end)).join(' ');
      return statement.declarationList.declarations.map((declaration) => ({
        name: declaration.name.getText(file),
        type: declaration.type?.getText(file) ?? 'any',
        comment,
      }));
    });
}

/** A module loader for the snippet: `cdk-secure-fifo` is this repository's src/, everything else the test's own modules. */
function snippetRequire(name: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return name === 'cdk-secure-fifo' ? library : require(name);
}

interface Synthesized {
  readonly app: App;
  /** The fixture's stack, in which the snippet's own code ran. */
  readonly stack: Stack;
  /** Each error annotation of the app, as `path: message`. */
  readonly errors: string[];
}

/** Runs a snippet in a `newApp()` as the fixture's stack `Snippet`, with its declared values in stack `Given`, and synthesizes the app. */
function synthesize(snippet: Snippet): Synthesized {
  const declared = declaredValues(snippet.visibleSource);
  const missing = declared.filter((d) => !STAND_INS[d.type]);
  if (missing.length > 0) {
    throw new Error(`README.md line ${snippet.line} declares ${missing.map((d) => `${d.name}: ${d.type}`).join(', ')}: add a stand-in for that type to STAND_INS in test/readme-snippets.test.ts`);
  }
  if (!/\bclass Fixture\b/.test(snippet.completeSource)) {
    throw new Error(`README.md line ${snippet.line} was not substituted into rosetta/default.ts-fixture`);
  }
  const js = ts.transpileModule(`${snippet.completeSource}\nexport { Fixture };\n`, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: `README-line-${snippet.line}.ts`,
  }).outputText;

  const app = newApp();
  const given = new Given(app);
  const values = declared.map((d) => given.add(STAND_INS[d.type](given, d.name, d.comment)));
  const module = { exports: {} as { Fixture?: new (scope: Construct, id: string) => Stack } };
  // The snippet's declared names are parameters of the function its module runs in.
  new Function('require', 'exports', 'module', ...declared.map((d) => d.name), js)(snippetRequire, module.exports, module, ...values);
  const stack = new module.exports.Fixture!(app, 'Snippet');
  // A stack the snippet left without resources (it only used given values) is not deployed:
  // CloudFormation refuses an empty template.
  for (const child of app.node.children) {
    if (Stack.isStack(child) && !child.node.findAll().some((c) => c instanceof CfnResource)) {
      app.node.tryRemoveChild(child.node.id);
    }
  }
  app.synth();

  const errors = app.node.findAll()
    .filter((c: IConstruct): c is Stack => Stack.isStack(c))
    .flatMap((s) => Annotations.fromStack(s).findError('*', Match.anyValue()))
    .map((message) => `${message.id}: ${JSON.stringify(message.entry.data)}`);
  return { app, stack, errors };
}

const SNIPPETS = readmeSnippets();

test('README.md has TypeScript snippets, each found as jsii-rosetta finds it', () => {
  // Fewer would mean the extraction broke, not that the README lost its examples.
  expect(SNIPPETS.length).toBeGreaterThanOrEqual(10);
  for (const snippet of SNIPPETS) {
    expect(snippet.completeSource).toMatch(/\bclass Fixture extends Stack\b/);
  }
});

test('every stand-in for a declared value synthesizes without an error annotation', () => {
  const app = newApp();
  const given = new Given(app);
  for (const [type, make] of Object.entries(STAND_INS)) {
    given.add(make(given, type.replace(/\W/g, ''), '// timeout 10 s'));
  }
  app.synth();

  expect(Annotations.fromStack(given.stack).findError('*', Match.anyValue())).toEqual([]);
});

describe('every README.md TypeScript snippet synthesizes without an error annotation', () => {
  test.each(SNIPPETS.map((s) => [`line ${s.line}: ${s.visibleSource.split('\n')[0]}`, s] as const))('%s', (_title, snippet) => {
    expect(synthesize(snippet).errors).toEqual([]);
  });
});

/** The section of README.md under a `## ` heading, up to the next one. */
function section(heading: string): { text: string; firstLine: number; lastLine: number } {
  const lines = README.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`README.md has no "${heading}"`);
  const next = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  const end = next < 0 ? lines.length : next;
  return { text: lines.slice(start, end).join('\n'), firstLine: start + 1, lastLine: end };
}

/** The topic and queue names a template creates. */
function physicalNames(template: Template): string[] {
  const names = [
    ...Object.values(template.findResources('AWS::SNS::Topic')).map((r) => r.Properties.TopicName),
    ...Object.values(template.findResources('AWS::SQS::Queue')).map((r) => r.Properties.QueueName),
  ];
  return names.sort();
}

describe('the use-case diagram', () => {
  const useCase = section('## The use case');
  const mermaid = /```mermaid\n([\s\S]*?)```/.exec(useCase.text)?.[1] ?? '';
  // Topic nodes are `id[[name<br/>...]]`, queue nodes `id[(name<br/>...)]`: the name is the first line.
  const diagramNames = [...mermaid.matchAll(/\w+(?:\[\[|\[\()([^\]<)]+)/g)].map((m) => m[1].trim()).sort();

  test('names a topic and queues', () => {
    expect(diagramNames.length).toBeGreaterThanOrEqual(4);
  });

  test('shows the names its snippet synthesizes', () => {
    const snippets = SNIPPETS.filter((s) => s.line > useCase.firstLine && s.line <= useCase.lastLine);
    expect(snippets).toHaveLength(1);
    const { stack } = synthesize(snippets[0]);
    expect(physicalNames(Template.fromStack(stack))).toEqual(diagramNames);
  });

  test('shows the names examples/price-updates synthesizes', () => {
    const stack = new PriceUpdatesStack(newApp(), 'PriceUpdates', { env: ENV });
    expect(physicalNames(Template.fromStack(stack))).toEqual(diagramNames);
  });
});
