/**
 * Flux's `.sourceignore` semantics over a materialised tree. VCS files are always excluded; the
 * default exclusion list (images, archives, CI configs) applies only while neither a `.sourceignore`
 * file nor `spec.ignore` gives rules of its own. Rules are gitignore syntax (the `ignore` package);
 * a `.sourceignore` in a subdirectory applies below that directory; later rules win, so `spec.ignore`
 * can re-include what a `.sourceignore` excluded.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import ignore from 'ignore';

export const sourceIgnoreFile = '.sourceignore';

/** Always excluded (fluxcd/pkg sourceignore `ExcludeVCS`). */
export const vcsExclusions = ['.git/', '.gitignore', '.gitmodules', '.gitattributes'];

/** Excluded unless rules of the repository or the spec replace them (`ExcludeExt`, `ExcludeCI`, `ExcludeExtra`). */
export const defaultExclusions = [
  '*.jpg',
  '*.jpeg',
  '*.gif',
  '*.png',
  '*.wmv',
  '*.flv',
  '*.tar.gz',
  '*.zip',
  '.github/',
  '.circleci/',
  '.travis.yml',
  '.gitlab-ci.yml',
  'appveyor.yml',
  '.drone.yml',
  'cloudbuild.yaml',
  'codeship-services.yml',
  'codeship-steps.yml',
  '**/.goreleaser.yml',
  '**/.sops.yaml',
  '**/.flux.yaml',
];

/** The rule lines of a gitignore-syntax text (comments and blank lines dropped). */
export function ruleLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

/**
 * Rewrites a rule read from `<dir>/.sourceignore` so it means the same from the root: a rule with
 * no inner slash matches at any depth below `dir`, one with a slash is anchored at `dir`.
 */
export function scopeRule(dir: string, rule: string): string {
  if (dir === '') return rule;
  const negated = rule.startsWith('!');
  let body = negated ? rule.slice(1) : rule;
  const dirOnly = body.endsWith('/');
  if (dirOnly) body = body.slice(0, -1);
  const anchored = body.includes('/');
  body = anchored ? `${dir}/${body.replace(/^\//, '')}` : `${dir}/**/${body}`;
  return `${negated ? '!' : ''}${body}${dirOnly ? '/' : ''}`;
}

/** The full rule list, lowest priority first. */
export function ignoreRules(sourceIgnoreRules: readonly string[], specIgnore: string | undefined): string[] {
  const own = [...sourceIgnoreRules, ...(specIgnore === undefined ? [] : ruleLines(specIgnore))];
  return [...vcsExclusions, ...(own.length === 0 ? defaultExclusions : own)];
}

/** Reads every `.sourceignore` under `root` (parents before children, names sorted), scoped to the root. */
export async function loadSourceIgnoreRules(root: string, dir = ''): Promise<string[]> {
  const here = path.join(root, dir);
  const entries = (await readdir(here, { withFileTypes: true })).sort((a, b) => compareNames(a.name, b.name));
  const rules: string[] = [];
  // a symlinked .sourceignore is not read: it could point anywhere on the host
  if (entries.some((entry) => entry.name === sourceIgnoreFile && entry.isFile())) {
    const text = await readFile(path.join(here, sourceIgnoreFile), 'utf8');
    rules.push(...ruleLines(text).map((rule) => scopeRule(dir, rule)));
  }
  for (const entry of entries) {
    if (entry.isDirectory() && entry.name !== '.git') {
      rules.push(...(await loadSourceIgnoreRules(root, dir === '' ? entry.name : `${dir}/${entry.name}`)));
    }
  }
  return rules;
}

/**
 * Removes from `root` everything the rules exclude, then whatever is neither a regular file nor a
 * directory (symlinks could point outside the artifact; Flux archives regular files only), then the
 * directories left empty.
 */
export async function applyIgnoreRules(root: string, specIgnore: string | undefined): Promise<void> {
  const matcher = ignore().add(ignoreRules(await loadSourceIgnoreRules(root), specIgnore));
  await prune(root, '', matcher);
}

/** Returns whether `dir` is empty after pruning. */
async function prune(root: string, dir: string, matcher: ReturnType<typeof ignore>): Promise<boolean> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true });
  let kept = 0;
  for (const entry of entries) {
    const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
    const full = path.join(root, relative);
    if (entry.isDirectory()) {
      if (matcher.ignores(`${relative}/`) || (await prune(root, relative, matcher))) {
        await rm(full, { recursive: true, force: true });
      } else {
        kept++;
      }
    } else if (!entry.isFile() || matcher.ignores(relative)) {
      await rm(full, { force: true });
    } else {
      kept++;
    }
  }
  return kept === 0 && dir !== '';
}

/** Byte order of UTF-16 code units is enough here: it only has to be the same on every run. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
