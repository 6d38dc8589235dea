/** Composition root of the `keelson` CLI: server commands are wired here, client verbs in src/cli. */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { buildCli } from '../cli/main.ts';
import { kubeconfigFromData, startApiServer } from './apiserver.ts';
import { defaultForgePort, up } from './up.ts';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GithubForge } from '../adapters/forge/index.ts';
import { KeelsonError } from '../base/errors.ts';
import { startControllers, type CiOptions } from './controllers.ts';
import { KubeClient } from '../runtime/client.ts';
import { parseDuration } from '../base/duration.ts';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0 picks a free one)');
  return n;
}

function duration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('must be a duration such as 500ms, 2s or 1m');
  const n = Number(m[1]);
  return m[2] === 'm' ? n * 60_000 : m[2] === 'ms' ? n : n * 1000;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a positive integer');
  return n;
}

interface CiFlags {
  forgeUrl?: string;
  forgeTokenFile?: string;
  githubAppId?: number;
  githubAppKeyFile?: string;
  githubAppInstallationId?: number;
  cloneBase: string;
}

/** `a`, `a and b`, `a, b and c`. */
function listed(words: string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** The text of a credential file, trimmed; throws naming `flag` if it cannot be read or is empty. */
function readCredential(flag: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new KeelsonError(
      'KEELSON_INVALID',
      `${flag} ${path}: cannot read it: ${(error as Error).message}`,
      {},
      { cause: error },
    );
  }
  if (text === '') throw new KeelsonError('KEELSON_INVALID', `${flag} ${path}: the file is empty`);
  return text;
}

/**
 * CI's forge from the `controllers` flags: `--forge-url` with either `--forge-token-file` or the
 * three `--github-app-*` flags (a GitHub App installation, whose git token is fetched again before
 * it expires). None of them: no CI. Anything else throws an error naming the flags at fault.
 */
function ciFromFlags(flags: CiFlags): CiOptions | undefined {
  const { forgeUrl, forgeTokenFile, githubAppId, githubAppKeyFile, githubAppInstallationId } = flags;
  const app: [string, unknown][] = [
    ['--github-app-id', githubAppId],
    ['--github-app-key-file', githubAppKeyFile],
    ['--github-app-installation-id', githubAppInstallationId],
  ];
  const appGiven = app.filter(([, value]) => value !== undefined).map(([flag]) => flag);
  const appMissing = app.filter(([, value]) => value === undefined).map(([flag]) => flag);
  const invalid = (message: string, cause?: unknown) =>
    new KeelsonError('KEELSON_INVALID', message, {}, cause === undefined ? undefined : { cause });
  if (forgeUrl === undefined) {
    const stray = [...(forgeTokenFile === undefined ? [] : ['--forge-token-file']), ...appGiven];
    if (stray.length > 0) throw invalid(`${listed(stray)}: only with --forge-url`);
    return undefined;
  }
  if (!URL.canParse(forgeUrl) || !/^https?:$/.test(new URL(forgeUrl).protocol))
    throw invalid(`--forge-url ${forgeUrl}: not an http or https URL`);
  if (forgeTokenFile !== undefined) {
    if (appGiven.length > 0)
      throw invalid(`--forge-token-file and ${listed(appGiven)}: give a token or a GitHub App, not both`);
    const token = readCredential('--forge-token-file', forgeTokenFile);
    return { forge: new GithubForge({ token, baseUrl: forgeUrl }), token, cloneBase: flags.cloneBase };
  }
  if (githubAppId === undefined || githubAppKeyFile === undefined || githubAppInstallationId === undefined) {
    if (appGiven.length === 0)
      throw invalid(`--forge-url needs --forge-token-file, or ${listed(appMissing)}`);
    throw invalid(`${listed(appGiven)} ${appGiven.length > 1 ? 'need' : 'needs'} ${listed(appMissing)} too`);
  }
  const privateKey = readCredential('--github-app-key-file', githubAppKeyFile);
  try {
    createPrivateKey(privateKey);
  } catch (error) {
    throw invalid(`--github-app-key-file ${githubAppKeyFile}: not a PEM private key`, error);
  }
  const forge = new GithubForge({
    app: { appId: githubAppId, privateKey, installationId: githubAppInstallationId },
    baseUrl: forgeUrl,
  });
  return { forge, token: () => forge.gitToken(), cloneBase: flags.cloneBase };
}

// options belong to the command they follow: `apiserver --data` and `apiserver kubeconfig --data` differ
const program: Command = buildCli().enablePositionalOptions();

const apiserver = program
  .command('apiserver')
  .description('run the embedded Kubernetes-compatible API server')
  .option('--data <dir>', 'keep state in DIR (SQLite); without it, state is kept in memory')
  .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', port, 0)
  .option('--tls', 'serve HTTPS with a CA generated into the data directory')
  .option('--history <n>', 'revisions kept for resuming watches', (v) => Number(v), 10_000)
  .option('--no-node', 'run without the embedded node (no workload controllers, pods stay Pending)')
  .option('--process-pods', 'run pods with runtimeClassName: process as local processes')
  .option(
    '--sim-ready-delay <duration>',
    'time a simulated container takes to become ready (e.g. 1s, 300ms)',
    duration,
    1000,
  )
  .action(
    async (opts: {
      data?: string;
      port: number;
      tls?: boolean;
      history: number;
      node: boolean;
      processPods?: boolean;
      simReadyDelay: number;
    }) => {
      const running = await startApiServer(
        { ...opts, simReadyDelayMs: opts.simReadyDelay },
        (message, fields) => process.stderr.write(`${message} ${JSON.stringify(fields ?? {})}\n`),
      );
      process.stdout.write(`keelson apiserver listening on ${running.url} (port ${running.port})\n`);
      process.stdout.write(`kubeconfig: ${running.kubeconfigPath}\n`);
      const shutdown = () => {
        void running.stop().then(() => process.exit(0));
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    },
  );

program
  .command('up')
  .description(
    'start the whole control plane with an example fleet (embedded API server, nodes, controllers, forge)',
  )
  .option('--data <dir>', 'state directory', '.keelson')
  .option('--port <n>', 'API server port on 127.0.0.1 (0 picks a free one)', port, 0)
  .option('--webhook-port <n>', 'git push webhook port on 127.0.0.1', port, 0)
  .option('--forge-port <n>', 'built-in forge port on 127.0.0.1 (0 picks a free one)', port, defaultForgePort)
  .action(async (opts: { data: string; port: number; webhookPort: number; forgePort: number }) => {
    const tty = process.stdout.isTTY;
    let progressShown = false;
    let lastLine = '';
    const reporter = {
      step(message: string) {
        if (progressShown && tty) process.stdout.write('\n');
        progressShown = false;
        process.stdout.write(`keelson up: ${message}\n`);
      },
      progress(done: number, total: number, what: string) {
        const width = 20;
        const bar = '#'.repeat(Math.round((done / total) * width)).padEnd(width, '-');
        const line = `[${bar}] ${done}/${total} clusters Ready  ${what}`.slice(0, 160);
        if (tty) {
          process.stdout.write(`\r\x1b[2K${line}`);
          progressShown = true;
        } else if (line !== lastLine) process.stdout.write(`${line}\n`);
        lastLine = line;
      },
    };
    const log = (message: string, fields?: Record<string, unknown>) =>
      process.stderr.write(`${message} ${JSON.stringify(fields ?? {})}\n`);
    const running = await up(
      { data: opts.data, port: opts.port, webhookPort: opts.webhookPort, forgePort: opts.forgePort },
      log,
      reporter,
    );
    const shutdown = () => {
      reporter.step('stopping');
      void running.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });

program
  .command('controllers')
  .description('run the GitOps controllers against any Kubernetes API, with leader election')
  .option('--kubeconfig <path>', 'the management cluster', process.env['KUBECONFIG'] ?? '.keelson/kubeconfig')
  .option('--data <dir>', 'git cache, webhook secret and CI artifacts', '.keelson-controllers')
  .option('--port <n>', 'port for /hooks/git, /hooks/ci, /artifacts/ and /metrics (0 picks one)', port, 0)
  .option(
    '--address <host>',
    'address to listen on (0.0.0.0 for job pods in a cluster to reach /artifacts/)',
    '127.0.0.1',
  )
  .addOption(
    new Option(
      '--artifacts-max-age <duration>',
      'delete stored CI logs and artifacts older than this (0 keeps them)',
    )
      .argParser((value: string) => {
        const ms = parseDuration(value);
        if (ms === undefined)
          throw new InvalidArgumentError('must be a duration such as 720h or 30m (0 keeps them)');
        return ms;
      })
      .default(30 * 24 * 3_600_000, '720h'),
  )
  .option(
    '--artifacts-url <url>',
    "the URL job pods upload logs and artifacts to, and people read them at (default: this server's)",
    (value: string) => {
      if (!/^https?:\/\/[^/]/.test(value)) throw new InvalidArgumentError('must be an http(s) URL');
      return value;
    },
  )
  .option('--leader-election-namespace <ns>', 'namespace of the leader election Lease', 'keelson-system')
  .option('--identity <id>', 'this process in the Lease (default: hostname and a random suffix)')
  .option(
    '--forge-url <url>',
    "run CI against this forge: its REST API (https://api.github.com, or the built-in forge's /api/v3)",
  )
  .option('--forge-token-file <path>', "the CI bot's forge token")
  .option('--github-app-id <id>', 'act as this GitHub App (instead of --forge-token-file)', positiveInteger)
  .option('--github-app-key-file <path>', "the GitHub App's private key (PEM)")
  .option('--github-app-installation-id <id>', "the app's installation to act as", positiveInteger)
  .option(
    '--clone-base <url>',
    'clone URLs of jobs without clone_uri: <url><org>/<repo>.git',
    'https://github.com/',
  )
  .action(
    async (
      opts: {
        kubeconfig: string;
        data: string;
        port: number;
        address: string;
        artifactsUrl?: string;
        artifactsMaxAge: number;
        leaderElectionNamespace: string;
        identity?: string;
      } & CiFlags,
    ) => {
      const log = (message: string, fields?: Record<string, unknown>) =>
        process.stderr.write(`${message} ${JSON.stringify(fields ?? {})}\n`);
      const ci = ciFromFlags(opts);
      const client = KubeClient.fromFile(opts.kubeconfig);
      const running = await startControllers({
        ...(ci !== undefined && { ci }),
        client,
        dataDir: opts.data,
        log,
        port: opts.port,
        address: opts.address,
        ...(opts.artifactsUrl !== undefined && { artifactsUrl: opts.artifactsUrl }),
        artifactsMaxAgeMs: opts.artifactsMaxAge,
        leaderElectionNamespace: opts.leaderElectionNamespace,
        ...(opts.identity !== undefined && { identity: opts.identity }),
        // as controller-runtime: a process that lost its lease exits, and its supervisor restarts it
        onLostLease: () => process.exit(1),
      });
      process.stdout.write(
        `keelson controllers: serving ${running.url}/hooks/git${ci === undefined ? '' : `, ${running.url}/hooks/ci, ${running.url}/artifacts/`} and ${running.url}/metrics\n`,
      );
      const shutdown = () => {
        void running.stop().then(() => {
          client.close();
          process.exit(0);
        });
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    },
  );

apiserver
  .command('kubeconfig')
  .description('print a kubeconfig for one logical cluster of a running server (server running or not)')
  .requiredOption('--data <dir>', 'the data directory of the server')
  .option('--cluster <name>', 'logical cluster', 'default')
  .action((opts: { data: string; cluster: string }) => {
    process.stdout.write(kubeconfigFromData(opts.data, opts.cluster));
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`keelson: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
