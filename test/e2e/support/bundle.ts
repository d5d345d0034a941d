import { build } from 'esbuild';

/** Bundle a browser entry (TypeScript, importing src/) into one ES module, in memory. */
export async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    sourcemap: 'inline',
    logLevel: 'silent',
    // Pages have no `process`: a stray Node-only debug read must not throw in the browser.
    define: { 'process.env': '{}' },
  });
  const [file] = result.outputFiles;
  if (file === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.text;
}
