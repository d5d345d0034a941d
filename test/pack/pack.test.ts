import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as users get it: `npm pack`, installed into a fresh project, imported (ESM and
 * CJS) and typechecked there. Runs after `npm run build`.
 */
const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'ky-quota-pack-'));
const project = join(work, 'consumer');
const versionOf = (name: string): string => (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const run = (command: string, args: string[], cwd: string): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } });

describe('the packed tarball', () => {
  beforeAll(() => {
    run('npm', ['pack', '--pack-destination', work, '--silent'], root);
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    if (tarball === undefined) throw new Error('npm pack wrote no tarball');
    execFileSync('mkdir', ['-p', project]);
    const kyVersion = (JSON.parse(run('node', ['-p', 'JSON.stringify(require("./node_modules/ky/package.json").version)'], root)) as string);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { 'ky-quota': `file:../${tarball}`, ky: kyVersion, msw: versionOf('msw'), ioredis: versionOf('ioredis') } }, null, 2),
    );
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], project);
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('ships only dist, README and package.json, with types', () => {
    const files = run('npm', ['pack', '--dry-run', '--json'], root);
    const [{ files: entries }] = JSON.parse(files) as [{ files: { path: string }[] }];
    const paths = entries.map((entry) => entry.path);
    expect(paths).toContain('dist/index.js');
    expect(paths).toContain('dist/index.cjs');
    expect(paths).toContain('dist/index.d.ts');
    expect(paths.every((path) => path.startsWith('dist/') || ['README.md', 'package.json', 'LICENSE'].includes(path))).toBe(true);
  });

  it('does not bundle ky', () => {
    const bundle = run('node', ['-e', 'process.stdout.write(require("fs").readFileSync("dist/index.js","utf8"))'], root);
    expect(bundle).toMatch(/from ['"]ky['"]/);
    // ky's own request class would be inlined if it were bundled; the size is a coarse guard.
    expect(bundle).not.toMatch(/\bclass Ky\b/);
    expect(bundle.length).toBeLessThan(400_000);
  });

  it('imports as ESM and works against a stub fetch', () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      `import { createClient, parseRateLimitHeaders, RateLimitError } from 'ky-quota';
const fetch = async () => new Response('{"ok":true}', { headers: { 'content-type': 'application/json', 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '9' } });
const api = createClient({ baseUrl: 'http://127.0.0.1:9/', fetch });
const body = await api.get('x').json();
const parsed = parseRateLimitHeaders({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '9' });
console.log(JSON.stringify({ body, limit: parsed.policies[0].limit, snapshot: api.quota.snapshot()[0].limit, error: typeof RateLimitError }));
await api.quota.close();
`,
    );
    const output = JSON.parse(run('node', ['esm.mjs'], project)) as Record<string, unknown>;
    expect(output).toEqual({ body: { ok: true }, limit: 10, snapshot: 10, error: 'function' });
  });

  it('resolves the ky-quota/redis and ky-quota/msw subpaths (their peers installed), and the main entry pulls in neither', () => {
    writeFileSync(
      join(project, 'subpaths.mjs'),
      `import { createRedisStore } from 'ky-quota/redis';
import { rateLimited, rateLimitedHandler } from 'ky-quota/msw';
console.log(typeof createRedisStore, typeof rateLimited, typeof rateLimitedHandler);`,
    );
    expect(run('node', ['subpaths.mjs'], project).trim()).toBe('function function function');
    const main = run('node', ['-e', 'process.stdout.write(require("fs").readFileSync("dist/index.js","utf8"))'], root);
    expect(main).not.toMatch(/from ['"](?:ioredis|msw)['"]/);
  });

  it('requires as CJS', () => {
    writeFileSync(join(project, 'cjs.cjs'), `const q = require('ky-quota'); console.log(typeof q.createClient, typeof q.parseRateLimitHeaders);`);
    expect(run('node', ['cjs.cjs'], project).trim()).toBe('function function');
  });

  it('typechecks a consumer against the shipped types', () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      `import ky from 'ky';
import { createClient, withQuota, parseRateLimitHeaders, isRateLimitError, type BucketSnapshot, type RateLimitPolicy, type QuotaOptions } from 'ky-quota';
const options: QuotaOptions = { concurrency: 4, maxQueue: 100, maxWaitMs: 5000, priority: 1, cost: 1 };
const api = createClient({ baseUrl: 'https://api.example.com/', timeout: 5000, quota: options });
const again = withQuota(ky.create({ baseUrl: 'https://api.example.com/' }));
const snapshot: BucketSnapshot[] = api.quota.snapshot();
const policies: RateLimitPolicy[] = parseRateLimitHeaders(new Headers(), { now: 0, status: 200 }).policies;
const stop: () => void = api.quota.on('limited', (event) => { const at: number | undefined = event.retryAt; void at; });
async function main(): Promise<void> {
  try { await api.get('items', { context: { priority: 2, cost: 1 } }).json<{ id: number }[]>(); } catch (error) { if (isRateLimitError(error)) { const at: number | undefined = error.retryAt; void at; } }
  await api.quota.onIdle(); await again.quota.close(); await api.quota.close();
}
void main; void snapshot; void policies; stop();
// @ts-expect-error concurrency must be a number
createClient({ quota: { concurrency: 'many' } });
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2023', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023', 'DOM', 'DOM.Iterable'], strict: true, noEmit: true, types: [], skipLibCheck: false }, files: ['consumer.ts'] }),
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    expect(() => run('node', [tsc, '-p', 'tsconfig.json'], project)).not.toThrow();
  });
});
