import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkTemplates, NOT_ANALYSED, runCli, TEMPLATE_NOT_READ } from '../src/cli';

// Issue 26, "Proof": the CLI over public templates nobody on this project wrote (AWS CDK and
// Solutions Constructs integ snapshots, aws-samples/serverless-patterns). Sources, licences and the
// hand labels (written before the CLI was run) are in test/fixtures/real-world/README.md.

const CORPUS = path.join(__dirname, 'fixtures', 'real-world');

interface Label {
  /** One `check` run: a multi-stack app is one run over all its templates. */
  readonly files: string[];
  /** The expected exit code: 0 clean, 1 an error finding, 2 a template not read. */
  readonly exit: 0 | 1 | 2;
  /** The logical IDs with ERROR findings, sorted. */
  readonly errors: string[];
}

/** The hand labels of README.md, one row per case. */
const LABELS: Record<string, Label> = {
  'cdk sns-sqs two-stack app (Fn::ImportValue)': {
    files: ['cdk-sns-sqs-SnsToSqsStack.template.json', 'cdk-sns-sqs-QueueStack.template.json'],
    exit: 0,
    errors: [],
  },
  'cdk sns-sqs QueueStack alone (same import in TopicArn and aws:SourceArn)': {
    files: ['cdk-sns-sqs-QueueStack.template.json'],
    exit: 0,
    errors: [],
  },
  'cdk sns-sqs-subscription-filter': {
    files: ['cdk-sns-sqs-subscription-filter-SnsToSqsStack.template.json'],
    exit: 0,
    errors: [],
  },
  'cdk sns-sqs-opt-in-region two-stack app (literal topic ARN)': {
    files: ['cdk-sns-sqs-opt-in-region-TopicStack.template.json', 'cdk-sns-sqs-opt-in-region-QueueStack.template.json'],
    exit: 0,
    errors: [],
  },
  'cdk lambda-event-sources sqs': {
    files: ['cdk-lambda-event-source-sqs.template.json'],
    exit: 0,
    errors: [],
  },
  'serverless-patterns sns-sqs (inline subscription, SAM transform)': {
    files: ['serverless-patterns-sns-sqs.template.yaml'],
    exit: 0,
    errors: [],
  },
  'serverless-patterns sqs-lambda (SAM Events)': {
    files: ['serverless-patterns-sqs-lambda.template.yaml'],
    exit: 0,
    errors: [],
  },
  'serverless-patterns sns-sqs-fanout (one policy, three queues)': {
    files: ['serverless-patterns-sns-sqs-fanout.template.yaml'],
    exit: 0,
    errors: [],
  },
  'serverless-patterns lambda-sns-sqs-lambda-sam-java (inline subscription, SAM Events, Globals)': {
    files: ['serverless-patterns-lambda-sns-sqs-lambda-sam-java.template.yaml'],
    exit: 0,
    errors: [],
  },
  'serverless-patterns iot-sns-sqs-sam (Principal AWS: *)': {
    files: ['serverless-patterns-iot-sns-sqs-sam.template.yaml'],
    exit: 0,
    errors: [],
  },
  'serverless-patterns apigw-http-api-fifo-sqs-lambda-sns-sam (Parameters, AWS::Include, SAM Events)': {
    files: ['serverless-patterns-apigw-http-api-fifo-sqs-lambda-sns-sam.template.yaml'],
    exit: 0,
    errors: [],
  },
  'solutions-constructs aws-sns-sqs no-arguments (CMKs)': {
    files: ['solutions-snssqs-no-arguments.template.json'],
    exit: 0,
    errors: [],
  },
  'solutions-constructs aws-sns-sqs deployFIFOQueue': {
    files: ['solutions-snssqs-deployFIFOQueue.template.json'],
    exit: 0,
    errors: [],
  },
  'solutions-constructs aws-sns-sqs sqs-managed-key (SSE-SQS)': {
    files: ['solutions-snssqs-sqs-managed-key.template.json'],
    exit: 0,
    errors: [],
  },
  'solutions-constructs aws-sqs-lambda deployFunction': {
    files: ['solutions-sqslam-deployFunction.template.json'],
    exit: 0,
    errors: [],
  },
};

const CASES = Object.entries(LABELS).map(([name, label]) => ({ name, ...label, paths: label.files.map((f) => path.join(CORPUS, f)) }));

function run(files: string[]): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = runCli(['check', ...files], (line) => lines.push(line));
  return { code, lines };
}

test('every template in the corpus directory is in a labelled case', () => {
  const onDisk = fs.readdirSync(CORPUS).filter((f) => /\.(json|ya?ml)$/.test(f)).sort();
  const labelled = [...new Set(CASES.flatMap((c) => c.files))].sort();
  expect(labelled).toEqual(onDisk);
});

test.each(CASES)('$name: exit code $exit as labelled', ({ paths, exit }) => {
  expect(run(paths).code).toBe(exit);
});

test.each(CASES)('$name: the logical IDs with ERROR findings are the labelled ones', ({ paths, errors }) => {
  const found = [...new Set(checkTemplates(paths).filter((f) => f.level === 'error').map((f) => f.logicalId))].sort();
  expect(found).toEqual(errors);
});

test.each(CASES.filter((c) => c.exit !== 2))('$name: every template is read (no crash)', ({ paths }) => {
  expect(checkTemplates(paths).filter((f) => f.rule === TEMPLATE_NOT_READ)).toEqual([]);
});

/** Each SAM template of the corpus with the functions that have `Events`. */
const SAM_EVENTS: Array<[string, string[]]> = [
  ['serverless-patterns-sqs-lambda.template.yaml', ['QueueConsumerFunction']],
  ['serverless-patterns-lambda-sns-sqs-lambda-sam-java.template.yaml', ['OrderConsumer']],
  ['serverless-patterns-apigw-http-api-fifo-sqs-lambda-sns-sam.template.yaml', ['MyLambdaFunction']],
];

test.each(SAM_EVENTS)('%s: each SAM function with Events is printed as not analysed, not passed silently', (file, functions) => {
  const { lines } = run([path.join(CORPUS, file)]);
  const noted = lines.filter((l) => l.includes(NOT_ANALYSED)).map((l) => functions.find((f) => l.includes(` ${f}: `)));
  expect(noted).toEqual(functions);
});

describe('the inline subscription of serverless-patterns sns-sqs is analysed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'real-world-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('without its queue policy, the subscribed queue is an ERROR', () => {
    const text = fs.readFileSync(path.join(CORPUS, 'serverless-patterns-sns-sqs.template.yaml'), 'utf8');
    const withoutPolicy = text.slice(0, text.indexOf('  # Policy allows SNS')) + text.slice(text.indexOf('Outputs:'));
    const file = path.join(dir, 'no-policy.yaml');
    fs.writeFileSync(file, withoutPolicy);
    const errors = checkTemplates([file]).filter((f) => f.level === 'error').map((f) => `${f.rule} ${f.logicalId}`);
    expect(errors).toEqual(['cdk-secure-fifo:SNS_QUEUE_POLICY MySqsQueue']);
  });
});

test.each([
  ['the two-stack app', ['cdk-sns-sqs-SnsToSqsStack.template.json', 'cdk-sns-sqs-QueueStack.template.json']],
  ['QueueStack alone (TopicArn and aws:SourceArn the same import)', ['cdk-sns-sqs-QueueStack.template.json']],
])('cdk sns-sqs, %s: the Fn::ImportValue wiring is decided, no UNKNOWN', (_name, files) => {
  const unknown = checkTemplates(files.map((f) => path.join(CORPUS, f))).filter((f) => f.level === 'info' && !f.note);
  expect(unknown).toEqual([]);
});
