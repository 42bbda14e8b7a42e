import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';

/*
 * The release that `.projenrc.ts` generates, read from the committed files (`npx projen` writes
 * them; nothing here can reach a registry). Trusted publishing: npm
 * (https://docs.npmjs.com/trusted-publishers), PyPI (https://docs.pypi.org/trusted-publishers/) and
 * NuGet (https://learn.microsoft.com/en-us/nuget/nuget-org/trusted-publishing) each exchange the
 * job's GitHub OIDC token, which the job may request only with `id-token: write`
 * (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect).
 */

const ROOT = join(__dirname, '..');
const release = parse(readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8'));
const build = parse(readFileSync(join(ROOT, '.github/workflows/build.yml'), 'utf8'));
const tasks = JSON.parse(readFileSync(join(ROOT, '.projen/tasks.json'), 'utf8')).tasks;

/** Every environment variable a job's steps see: the job's own and each step's. */
function jobEnv(job: any): Record<string, string> {
  return Object.assign({}, job.env ?? {}, ...job.steps.map((s: any) => s.env ?? {}));
}

const TRUSTED = [
  { job: 'release_npm', flag: 'NPM_TRUSTED_PUBLISHER', token: 'NPM_TOKEN' },
  { job: 'release_pypi', flag: 'PYPI_TRUSTED_PUBLISHER', token: 'TWINE_PASSWORD' },
  { job: 'release_nuget', flag: 'NUGET_TRUSTED_PUBLISHER', token: 'NUGET_API_KEY' },
];

test.each(TRUSTED)('$job publishes with trusted publishing: id-token write, the flag set, no long-lived token', ({ job, flag, token }) => {
  const j = release.jobs[job];
  expect(j.permissions['id-token']).toBe('write');
  const env = jobEnv(j);
  expect(env[flag]).toBe('true');
  expect(env).not.toHaveProperty(token);
  expect(JSON.stringify(j)).not.toContain(`secrets.${token}`);
});

test('every publishing job runs in the release environment', () => {
  const publishJobs = Object.keys(release.jobs).filter((id) => id.startsWith('release_'));
  expect(publishJobs).toEqual(expect.arrayContaining(['release_github', 'release_npm', 'release_maven', 'release_pypi', 'release_nuget', 'release_golang']));
  for (const id of publishJobs) {
    expect([id, release.jobs[id].environment]).toEqual([id, 'release']);
  }
});

test('the jobs without trusted publishing do not get id-token write', () => {
  for (const id of ['release_maven', 'release_golang']) {
    expect([id, release.jobs[id].permissions?.['id-token']]).toEqual([id, undefined]);
  }
});

test('the npm job upgrades npm to 11.5.1 or later before it publishes', () => {
  const steps: any[] = release.jobs.release_npm.steps;
  const upgrade = steps.findIndex((s) => typeof s.run === 'string' && /npm install -g npm@\^11\.5\.1/.test(s.run));
  const publish = steps.findIndex((s) => typeof s.run === 'string' && s.run.includes('publib-npm'));
  expect(upgrade).toBeGreaterThanOrEqual(0);
  expect(upgrade).toBeLessThan(publish);
});

test('the NuGet jobs (release and build) use .NET 10, not the out-of-support .NET 6', () => {
  const versions = [release.jobs.release_nuget, build.jobs['package-dotnet']].map((job: any) =>
    job.steps.find((s: any) => String(s.uses).startsWith('actions/setup-dotnet'))?.with?.['dotnet-version']);
  expect(versions).toEqual(['10.x', '10.x']);
});

test('Maven coordinates use the io.github namespace of the repository\'s GitHub organisation', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const owner = /github\.com\/([^/]+)\//.exec(pkg.repository.url)![1];
  expect(pkg.jsii.targets.java.maven.groupId).toBe(`io.github.${owner}`);
  expect(release.jobs.release_maven.steps.find((s: any) => s.env?.MAVEN_SERVER_ID)?.env.MAVEN_SERVER_ID).toBe('central-ossrh');
});

test('the Go module is published to its own repository of the same organisation', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const owner = /github\.com\/([^/]+)\//.exec(pkg.repository.url)![1];
  expect(pkg.jsii.targets.go.moduleName).toBe(`github.com/${owner}/cdk-secure-fifo-go`);
});

describe('releasable commits: only feat and fix', () => {
  const command: string = tasks['bump:releasable-commits'].steps[0].exec;
  let repo: string;

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'releasable-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'chore(release): v0.1.0');
    git('tag', 'v0.1.0');
    for (const message of ['chore(deps): upgrade dependencies', 'docs: README', 'feat: deliveryStatusLogging', 'fix(topic): sample rate', 'feat!: rename', 'ci: node 24']) {
      git('commit', '-q', '--allow-empty', '-m', message);
    }
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  test('the bump task counts feat, fix and breaking commits and nothing else', () => {
    const out = execFileSync('sh', ['-c', command], { cwd: repo, env: { ...process.env, LATEST_TAG: 'v0.1.0' } }).toString();
    const subjects = out.trim().split('\n').map((l) => l.replace(/^\S+ /, ''));
    expect(subjects.sort()).toEqual(['feat!: rename', 'feat: deliveryStatusLogging', 'fix(topic): sample rate']);
  });

  test('with only dependency and chore commits there is nothing to release', () => {
    const out = execFileSync('sh', ['-c', command], { cwd: repo, env: { ...process.env, LATEST_TAG: 'HEAD~1' } }).toString();
    expect(out.trim()).toBe('');
  });
});
