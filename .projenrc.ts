import { awscdk, DependencyType, javascript, JsonFile, JsonPatch, ReleasableCommits } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

// The lowest aws-cdk-lib with every API the library calls (Validations.acknowledge,
// addWarningV2, Topic.fifoThroughputScope / messageRetentionPeriodInDays) and the floor of cdk-nag 3.
const CDK_PEER_FLOOR = '2.257.0';
// What the tests run against: the newest aws-cdk-lib, whose template validation catches cycles.
const CDK_TEST_VERSION = '2.276.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-secure-fifo',
  description:
    'Encrypted SNS FIFO to SQS FIFO fan-out for AWS CDK: KMS customer managed keys, dead-letter queues, TLS-only and PrivateLink-only policies, secure by default.',
  author: 'cdk-secure-fifo maintainers',
  authorAddress: 'maintainers@cdk-secure-fifo.dev',
  repositoryUrl: 'https://github.com/cdk-secure-fifo/cdk-secure-fifo.git',
  keywords: ['cdk', 'awscdk', 'sns', 'sqs', 'fifo', 'kms', 'privatelink', 'exactly-once'],
  license: 'Apache-2.0',
  stability: 'experimental',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // engines: >= 20.0.0, as aws-cdk-lib's own (2.257.0-2.276.0). Supported are Node 22 and 24: the AWS CDK
  // ended Node 20 support on 2026-10-30 (https://docs.aws.amazon.com/cdk/v2/guide/node-versions.html).
  // 20 stays the floor because the CI machines run it; test:node covers 22 and 24 (README says so).
  minNodeVersion: '20.0.0',
  workflowNodeVersion: '22.x',

  cdkVersion: CDK_PEER_FLOOR,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  // The peer floor stays low for users; the tests pin a recent aws-cdk-lib instead.
  peerDependencyOptions: { pinnedDevDependency: false },

  // -- Release, as cdk-nag and cdk-monitoring-constructs ship (both through cdklabs-projen-project-types,
  // whose defaults these are): trusted publishing (OIDC, no long-lived registry token) for npm, PyPI
  // and NuGet, every publish job in the `release` GitHub environment (protection rules decide who may
  // release), and a release only when a `feat` or `fix` commit landed (dependency bumps alone do not).
  // Each registry must first trust this repository's release workflow: npm
  // (https://docs.npmjs.com/trusted-publishers), PyPI (https://docs.pypi.org/trusted-publishers/),
  // NuGet (https://learn.microsoft.com/en-us/nuget/nuget-org/trusted-publishing).
  releasableCommits: ReleasableCommits.featuresAndFixes(),
  releaseEnvironment: 'release',
  npmTrustedPublishing: true,
  publishToPypi: { distName: 'cdk-secure-fifo', module: 'cdk_secure_fifo', trustedPublishing: true },
  // Maven Central verifies a GitHub namespace as io.github.<account> (the account that owns the
  // repository, https://central.sonatype.org/register/namespace/): here the `cdk-secure-fifo`
  // organisation of repositoryUrl. A Java package cannot contain '-', so the package keeps its name.
  // Maven Central has no trusted publishing: its job still signs with the MAVEN_* secrets.
  publishToMaven: {
    javaPackage: 'io.github.cdksecurefifo',
    mavenGroupId: 'io.github.cdk-secure-fifo',
    mavenArtifactId: 'cdk-secure-fifo',
    mavenServerId: 'central-ossrh',
  },
  publishToNuget: { dotNetNamespace: 'CdkSecureFifo', packageId: 'CdkSecureFifo', trustedPublishing: true },
  // Go modules are published by pushing the generated code to a repository of their own, which must
  // exist before the first release; the push uses the GO_GITHUB_TOKEN secret (no OIDC for a push to
  // another repository). README "Packages" names it.
  publishToGo: { moduleName: 'github.com/cdk-secure-fifo/cdk-secure-fifo-go' },

  // The CLI reads YAML templates (src/private/template/read.ts) with `yaml`, the parser aws-cdk-lib's
  // CfnInclude uses, well kept and without dependencies. A jsii library may only depend at run time on
  // jsii packages unless the dependency is bundled in its tarball: bundled, so the other languages'
  // packages carry it too.
  bundledDeps: ['yaml@^2'],

  devDeps: [
    `aws-cdk-lib@${CDK_TEST_VERSION}`,
    'constructs@10.5.1',
    // cdk 2.x CLI: the 3.0.0 `latest` refuses cloud assemblies built by aws-cdk-lib 2.276.
    'aws-cdk@^2.1148.1',
    'cdk-nag@^3.0.2',
    // cdk-nag 2 (Aspects, resource-metadata suppressions) is still widely used: tested beside 3.
    'cdk-nag-v2@npm:cdk-nag@^2.37.55',
    // AGPL-3.0: used by tests only, never a runtime dependency.
    '@cloud-copilot/iam-simulate@0.1.173',
    // The embedded emulator, both lines pinned: 1.9.2 is the last release that runs on Node 20; 2.x
    // declares engines node >= 22.5 (npm ci on Node 20 only warns: engine-strict is off). local/emulator.ts
    // picks the line at run time by Node version (FAUXQS_LINE=1|2 overrides).
    'fauxqs@1.9.2',
    'fauxqs2@npm:fauxqs@2.4.1',
    // Pinned exact: the SDK announced that releases after the first week of January 2027 require
    // Node >= 22. An upgrade must be a deliberate change here, not a lockfile refresh that drops Node 20.
    '@aws-sdk/client-sns@3.1169.0',
    '@aws-sdk/client-sqs@3.1169.0',
    'cfn-resolver-lib@^1.1.8',
    '@aws-solutions-constructs/aws-sns-sqs@2.56.0',
    '@aws-solutions-constructs/core@2.56.0',
    // A real client of our constructs: it names its constructs from node.defaultChild and queue names.
    'cdk-monitoring-constructs@^10.2.0',
    // AWS Control Tower's proactive controls (bundles the cfn-guard binary) as a synth plugin.
    '@cdklabs/cdk-validator-cfnguard@^0.0.62',
    // Validates the CLI's SARIF output against the SARIF 2.1.0 schema, a draft-04 JSON schema
    // (test/fixtures/sarif): ajv 6 reads draft-04, ajv 8 does not.
    'ajv@^6.12.6',
    // Seeded property-based tests.
    'fast-check@^4.10.2',
    // The example consumer (examples/consumer): FIFO-correct partial batch responses.
    '@aws-lambda-powertools/batch@^2.35.0',
    '@types/aws-lambda@^8.10.164',
  ],

  jestOptions: {
    // Jest 30 and eslint-import-resolver-typescript 4 need unrs-resolver, whose non-Linux bindings
    // this project's registry does not serve; `npm ci` then rejects the lockfile. These versions
    // resolve with plain JavaScript.
    jestVersion: '^29',
    // A test run never rewrites snapshots; `npx projen test:update` is the deliberate way.
    updateSnapshot: UpdateSnapshot.NEVER,
    passWithNoTests: false,
    // Machine-readable results for .ci/run's closing line.
    extraCliOptions: ['--json', '--outputFile=test-reports/jest-results.json'],
    jestConfig: {
      testTimeout: 60_000,
      coverageThreshold: { lines: 90, branches: 80, functions: 90, statements: 90 },
      coveragePathIgnorePatterns: ['/node_modules/', '/test/', '/examples/', '/local/', '/bench/'],
    },
  },

  tsconfigDev: {
    include: ['examples/**/*.ts', 'local/**/*.ts', 'bench/**/*.ts'],
    compilerOptions: {},
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'local', 'bench', 'build-tools', 'projenrc'],
    ignorePatterns: ['cdk.out/', '*.d.ts', '*.js', 'node_modules/'],
  },

  gitignore: [
    'cdk.out/', 'examples/**/cdk.out/', '.jsii-bindings/', 'rosetta/*.tabl.json', '.jsii.tabl.json',
    'integ/node_modules/', '/integ/.snapshot-check/', '/integ/test/cdk-integ.out.*/',
    // Node binaries of the test matrix (test:node).
    '/.node-matrix/',
  ],
  // `npx cdk-secure-fifo check <template>...`: the delivery checks from the command line (src/cli.ts).
  bin: { 'cdk-secure-fifo': 'lib/cli.js' },
  npmignoreEnabled: true,
  npmIgnoreOptions: { ignorePatterns: ['/examples/', '/local/', '/bench/', '/rosetta/', '/.ci/', '/cdk.out/', '/integ/', '/CONTRIBUTING.md', '/.node-matrix/'] },
});

// The tests deliberately run on a newer aws-cdk-lib than the peer floor (see CDK_TEST_VERSION).
project.compileTask.reset('jsii --silence-warnings=reserved-word --silence-warnings=metadata/missing-dev-dependency');
// The package bin runs as a program (its first line is a node shebang); npm also sets the mode on install.
project.compileTask.exec('chmod +x lib/cli.js');

// projen's eslint setup adds eslint-import-resolver-typescript 4 (unrs-resolver, see jestVersion).
project.deps.removeDependency('eslint-import-resolver-typescript');
project.deps.addDependency('eslint-import-resolver-typescript@~3.6.3', DependencyType.BUILD);

// -- Release workflow fixes projen does not offer as options. Each patch first tests the value it
// replaces, so a projen upgrade that moves a step fails `npx projen` instead of patching the wrong one.
const releaseWorkflow = project.github!.tryFindWorkflow('release')!.file!;
// npm trusted publishing needs npm >= 11.5.1 (https://docs.npmjs.com/trusted-publishers); Node 22
// ships npm 10, and projen does not upgrade it ("this is NOT ensured automatically").
releaseWorkflow.patch(
  JsonPatch.test('/jobs/release_npm/steps/0/uses', 'actions/setup-node@v7.0.0'),
  JsonPatch.add('/jobs/release_npm/steps/1', { name: 'Use npm 11 (trusted publishing)', run: 'npm install -g npm@^11.5.1' }),
);
// projen pins .NET 6, out of support since 2024-11-12; .NET 10 is the LTS supported until 2028-11-14
// (https://dotnet.microsoft.com/platform/support/policy). jsii-pacmak's projects target net6.0, which
// the .NET 10 SDK still builds (with warning NETSDK1138 for an out-of-support target framework).
const DOTNET_VERSION = '10.x';
releaseWorkflow.patch(
  JsonPatch.test('/jobs/release_nuget/steps/1/with/dotnet-version', '6.x'),
  JsonPatch.replace('/jobs/release_nuget/steps/1/with/dotnet-version', DOTNET_VERSION),
);
project.github!.tryFindWorkflow('build')!.file!.patch(
  JsonPatch.test('/jobs/package-dotnet/steps/1/with/dotnet-version', '6.x'),
  JsonPatch.replace('/jobs/package-dotnet/steps/1/with/dotnet-version', DOTNET_VERSION),
);

// -- Packaging: the release workflow builds each language with its own toolchain (package:python,
// package:java, ...). Locally and in CI only Node exists, so `build` packages JavaScript and proves
// every other language's bindings generate (`jsii-pacmak --code-only`) without compiling them.
const bindings = project.addTask('package:bindings', {
  description: 'Generate (not compile) the Python, Java, .NET and Go bindings to prove they are valid',
  steps: [
    { exec: 'rm -rf .jsii-bindings' },
    {
      exec: 'jsii-pacmak --code-only --outdir .jsii-bindings --target python --target java --target dotnet --target go',
    },
  ],
});
// jsii passes enums to other languages by member name and keeps no TypeScript values in the
// assembly: check in the generated Python that each error code a message shows is the name a
// Python user has (ValidationErrorCode.X.value).
const bindingsCheck = project.addTask('bindings:check', {
  description: 'Check the generated Python binding: every ValidationErrorCode value is its member name and appears as [NAME] in messages',
  exec: 'ts-node --transpile-only --project test/tsconfig.json test/bindings/check-python-error-codes.ts .jsii-bindings',
});
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);
project.packageTask.spawn(bindings);
project.packageTask.spawn(bindingsCheck);

// Dev-only folders get a tsconfig.json of their own so the ESLint project service (and ts-node)
// find one; they extend the test config, which type-checks them.
for (const dir of ['examples', 'local', 'bench']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: { extends: '../test/tsconfig.json', include: ['**/*.ts'] },
    marker: false,
  });
}

// ts-jest transpiles tests without type checking (isolatedModules): type-check all dev-only
// TypeScript (tests, examples, local emulator, bench) before jest runs.
project.testTask.prependExec('tsc --noEmit -p test/tsconfig.json', { name: 'typecheck' });

// -- Docs: every TypeScript snippet in README.md must compile in strict mode.
const rosetta = project.addTask('rosetta:extract', {
  description: 'Compile the README examples with jsii-rosetta (strict)',
  exec: 'jsii-rosetta extract --strict',
});
project.postCompileTask.spawn(rosetta);

// -- Example app and the dev-only tools built on it.
project.addTask('synth:example', {
  description: 'Synthesize examples/price-updates with the real CDK CLI into examples/price-updates/cdk.out',
  cwd: 'examples/price-updates',
  exec: 'cdk synth --quiet',
});

const synthHandWired = project.addTask('synth:hand-wired', {
  description: 'Synthesize examples/hand-wired twice with the real CDK CLI: as deployed today (cdk.out/day1) and secured by SecureExistingFifo (cdk.out/day2)',
  cwd: 'examples/hand-wired',
  steps: [
    { exec: 'cdk synth --quiet --output cdk.out/day1' },
    { exec: 'cdk synth --quiet --output cdk.out/day2 -c secure=true' },
  ],
});

project.addTask('demo', {
  description: 'Run the auto-parts use case (examples/price-updates), then secure a hand-wired stack in place, day 1 -> day 2 (examples/hand-wired), then the staged rollout day 1 -> PREPARE -> ENCRYPT of two stacks (examples/hand-wired-two-stack), on the embedded SNS/SQS emulator (no AWS account needed)',
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  steps: [
    { spawn: 'synth:example' },
    { exec: 'ts-node --transpile-only local/demo.ts' },
    { spawn: synthHandWired.name },
    { exec: 'ts-node --transpile-only local/brownfield-demo.ts' },
    // The staged rollout (PREPARE, then ENCRYPT) across two stacks, synthesized in-process.
    { exec: 'ts-node --transpile-only local/staged-rollout-demo.ts' },
  ],
});

// -- Deployable integration tests (integ/): their own package, pinned to the peer floor aws-cdk-lib,
// installing the compiled library as a copy. The build verifies their snapshots offline (no AWS
// account); `integ:update` refreshes them without deploying; `integ:deploy` needs credentials.
const integVerify = project.addTask('integ:verify', {
  description: 'Install integ/ (aws-cdk-lib 2.257.0) and verify the integration-test snapshots offline',
  cwd: 'integ',
  steps: [
    { exec: 'npm ci --no-audit --no-fund' },
    { exec: 'npm run verify' },
    // The installed copy of the library would otherwise be found by jsii-docgen on the next build,
    // which would then write API.md from that stale copy.
    { exec: 'rm -rf node_modules/cdk-secure-fifo' },
  ],
});
project.testTask.spawn(integVerify);
project.addTask('integ:update', {
  description: 'Refresh the integration-test snapshots without deploying (dry run; see integ/SNAPSHOTS.md)',
  cwd: 'integ',
  steps: [{ exec: 'npm ci --no-audit --no-fund' }, { exec: 'npm run update' }],
});
project.addTask('integ:deploy', {
  description: 'Deploy the integration tests to the AWS account of your credentials and run their assertions',
  cwd: 'integ',
  steps: [{ exec: 'npm ci --no-audit --no-fund' }, { exec: 'npm run deploy' }],
});

// -- Node matrix. `build` runs every suite on the machine's Node (20 in CI, the `minNodeVersion`);
// `test:node` runs the suites whose outcome can depend on the runtime on the other supported lines,
// with Node binaries from the npm registry's `node` package (pinned exact, cached in .node-matrix/):
// synthesis and validation of every construct, and everything that runs code on the emulator (e2e,
// the demo), where Node >= 22.5 switches to fauxqs 2.x. Left to the one full run: the per-construct
// unit suites (their synthesis is exercised here through the fan-out and the e2e stacks), snapshots,
// compliance (cdk-nag, cfn-guard), policy simulation, property-based, bench, operations, endpoints and
// update-safety suites, which compare synthesized JSON and do not run differently per Node. Each jest
// file costs a few CPU seconds to load aws-cdk-lib: fewer files is most of the time saved.
// .ci/run runs it after the build; together the two stay under CI's 12-minute budget (CONTRIBUTING.md).
const NODE_MATRIX = ['22.23.3', '24.21.0'];
const NODE_MATRIX_SUITES = [
  // synthesis: the fan-out and the platform/team/consumer-account split (the e2e suites synthesize too)
  'test/fifo-fanout.test.ts', 'test/platform-ownership.test.ts',
  // validation: every rule's refusal
  'test/bad-input.test.ts',
  // the emulator: deployer, scenarios, the use case, the Powertools consumer, the demo
  'test/e2e/',
];
project.addTask('test:node', {
  description: `Run the runtime-sensitive suites (synth, validation, e2e on the emulator, the demo) on Node ${NODE_MATRIX.join(' and ')} from the npm registry (cached in .node-matrix/)`,
  exec: `node .ci/node-matrix.mjs ${NODE_MATRIX.map((v) => `--node=${v}`).join(' ')} ${NODE_MATRIX_SUITES.join(' ')}`,
});

project.addTask('bench', {
  description: 'Benchmark synth time, resources, template size and fixed cost: ours vs hand-wired L2s vs SnsToSqs (writes bench/RESULTS.md, bench/results.json)',
  exec: 'ts-node --project bench/tsconfig.json bench/run.ts',
  receiveArgs: true,
});

// Not part of the build or the tests: it compares against cfn-lint (Python), which CI machines may
// lack (bench/check.ts then measures the CLI alone and says so).
project.addTask('bench:check', {
  description: 'Benchmark `cdk-secure-fifo check` side by side with cfn-lint on 1, 10 and 50 templates and growing stacks (writes bench/CHECK_RESULTS.md, bench/check-results.json)',
  exec: 'ts-node --project bench/tsconfig.json bench/check.ts',
  receiveArgs: true,
});

project.synth();
