// A newcomer on an older Node.js runs `npm ci && npm run sandbox`: one line says what to install.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { lowestNodeMajor, olderNodeProblem } from '../../sandbox/node-version';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

describe('the Node.js the sandbox accepts', () => {
  it('is the one package.json names, Node 22, the Lambda runtime', () => {
    expect(lowestNodeMajor(engines)).toBe(22);
  });

  it('accepts that major version and later ones', () => {
    expect(olderNodeProblem('v22.0.0', '>=22')).toBeUndefined();
    expect(olderNodeProblem('v24.3.1', '>=22')).toBeUndefined();
  });

  it('names the version to install, and what to run next, for an older one', () => {
    expect(olderNodeProblem('v20.20.2', '>=22')).toBe(
      'ecr-access needs Node.js 22 or later, and this is Node.js 20.20.2: install Node.js 22 (https://nodejs.org/en/download), then run npm ci && npm run sandbox again.',
    );
  });

  it('refuses an engines range it cannot read, rather than guessing', () => {
    expect(() => lowestNodeMajor('^22 || ^24')).toThrow(/should read ">=<major>"/);
  });
});

describe('npm run sandbox on Node 20', () => {
  it('prints that one line and nothing else, and exits 1 before starting anything', async () => {
    // This process's Node, reporting itself as Node 20 before the sandbox's own code runs.
    const asNode20 = `data:text/javascript,Object.defineProperty(process, 'version', { value: 'v20.20.2' })`;
    const failure = await run(process.execPath, ['--import', asNode20, '--import', 'tsx', join(ROOT, 'sandbox', 'cli.ts'), '--port', '0'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect('code' in failure && failure.code).toBe(1);
    expect(failure.stdout).toBe('');
    expect(failure.stderr).toBe(`${olderNodeProblem('v20.20.2', engines)}\n`);
  });
});
