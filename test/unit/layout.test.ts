// src/ is the product that ships; the local world beside it (sandbox/) may import the product,
// never the reverse.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(path) ? [path] : [];
  });
}

describe('project layout', () => {
  it('keeps the product in src/ free of imports from the local world', () => {
    const offenders = sourceFiles(join(ROOT, 'src')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/(?:from|import|import\(|require\()\s*['"](\.[^'"]+)['"]/g)]
        .map((m) => resolve(dirname(file), m[1]!))
        .filter((target) => relative(join(ROOT, 'src'), target).startsWith('..'))
        .map((target) => `${relative(ROOT, file)} imports ${relative(ROOT, target)}`),
    );
    expect(offenders).toEqual([]);
  });
});
