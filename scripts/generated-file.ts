/** Writing a generated file, or with `--check` failing when the committed one is stale. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeGenerated(outputPath: string, text: string, check: boolean, regenerate: string): void {
  if (check) {
    let current = '';
    try {
      current = readFileSync(outputPath, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      process.stderr.write(`${outputPath} is stale: run ${regenerate}\n`);
      process.exitCode = 1;
    }
    return;
  }
  mkdirSync(dirname(outputPath), { recursive: true });
  writeFileSync(outputPath, text);
  process.stdout.write(`wrote ${outputPath}\n`);
}
