import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { defaultNamespace, processDeps, withClient, type CliDeps, type ClientOptions } from './context.ts';
import { diffSync } from './diff.ts';
import { events, parseFor } from './events.ts';
import { artifacts, defaultCiNamespace, jobs, logs } from './jobs.ts';
import { addForgeCommands } from './forge.ts';
import { parseDuration } from './format.ts';
import { get, type OutputFormat } from './get.ts';
import { kindNamed, sourceKind, syncKind, type CliKind } from './kinds.ts';
import { reconcile, resume, suspend } from './reconcile.ts';

function kindArgument(allowed: readonly CliKind[], words: string): Argument {
  return new Argument('<kind>', words).argParser((value: string) => {
    const kind = kindNamed(value);
    if (!kind || !allowed.includes(kind)) throw new InvalidArgumentError(`must be one of: ${words}`);
    return kind;
  });
}

function timeout(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('must be a duration such as 30s, 2m or 1h');
  return ms;
}

/** Adds the options every client verb takes: where the API is and which namespace. */
function clientCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .option('--kubeconfig <path>', 'kubeconfig to use (default: $KUBECONFIG, else .keelson/kubeconfig)')
    .option('-n, --namespace <namespace>', 'namespace of the objects', defaultNamespace);
}

const timeoutOption = (): Option =>
  new Option('--timeout <duration>', 'how long to wait for the reconcile')
    .argParser(timeout)
    .default(120_000, '2m');

/** The client side of the CLI: commands that talk to a Keelson API over HTTP. */
export function buildCli(deps: CliDeps = processDeps): Command {
  const program = new Command('keelson')
    .description('GitOps for Kubernetes fleets: pull request to every cluster')
    .showHelpAfterError();
  const setExit = (code: number) => {
    if (code !== 0) process.exitCode = code;
  };

  clientCommand(program, 'get')
    .description('list sources or syncs with their readiness and revision')
    .addArgument(kindArgument([sourceKind, syncKind], 'sources, syncs'))
    .argument('[name]', 'only this object')
    .addOption(
      new Option('-o, --output <format>', 'print the objects as yaml or json').choices(['yaml', 'json']),
    )
    .action(
      async (kind: CliKind, name: string | undefined, opts: ClientOptions & { output?: 'yaml' | 'json' }) => {
        const output: OutputFormat = opts.output ?? 'table';
        await withClient(opts, deps, (client) =>
          get(client, deps, { kind, namespace: opts.namespace, name, output }),
        );
      },
    );

  clientCommand(program, 'reconcile')
    .description('ask the controller to reconcile a source or sync now, and wait for the outcome')
    .addArgument(kindArgument([sourceKind, syncKind], 'source, sync'))
    .argument('<name>', 'the object')
    .addOption(timeoutOption())
    .action(async (kind: CliKind, name: string, opts: ClientOptions & { timeout: number }) => {
      const target = { kind, namespace: opts.namespace, name };
      setExit(await withClient(opts, deps, (client) => reconcile(client, deps, target, opts.timeout)));
    });

  clientCommand(program, 'suspend')
    .description('stop reconciling a sync (or source) until it is resumed')
    .addArgument(kindArgument([syncKind, sourceKind], 'sync, source'))
    .argument('<name>', 'the object')
    .action(async (kind: CliKind, name: string, opts: ClientOptions) => {
      const target = { kind, namespace: opts.namespace, name };
      await withClient(opts, deps, (client) => suspend(client, deps, target));
    });

  clientCommand(program, 'resume')
    .description('resume a suspended sync (or source) and wait for its reconcile')
    .addArgument(kindArgument([syncKind, sourceKind], 'sync, source'))
    .argument('<name>', 'the object')
    .addOption(timeoutOption())
    .action(async (kind: CliKind, name: string, opts: ClientOptions & { timeout: number }) => {
      const target = { kind, namespace: opts.namespace, name };
      setExit(await withClient(opts, deps, (client) => resume(client, deps, target, opts.timeout)));
    });

  clientCommand(program, 'diff')
    .description(
      'show what a reconcile of a sync would change now, from a server-side dry run (exit 0: none, 1: changes, 2: error)',
    )
    .addArgument(kindArgument([syncKind], 'sync'))
    .argument('<name>', 'the sync')
    .option('--path <dir>', 'build this local directory instead of the source revision')
    .action(async (_kind: CliKind, name: string, opts: ClientOptions & { path?: string }) => {
      try {
        const request = { namespace: opts.namespace, name, path: opts.path };
        setExit(await withClient(opts, deps, (client) => diffSync(client, deps, request)));
      } catch (error) {
        deps.stderr(`keelson: ${(error as Error).message}\n`);
        process.exitCode = 2;
      }
    });

  program
    .command('jobs')
    .description('list CI job runs, newest first')
    .option('--kubeconfig <path>', 'kubeconfig to use (default: $KUBECONFIG, else .keelson/kubeconfig)')
    .option('-n, --namespace <namespace>', 'namespace of the job runs', defaultCiNamespace)
    .option('--repo <org/repo>', 'only runs of this repository')
    .option('--job <name>', 'only runs of this job')
    .option(
      '--state <state>',
      'only runs in this state (triggered, pending, success, failure, aborted, error)',
    )
    .option(
      '--limit <n>',
      'at most this many runs',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
        return n;
      },
      50,
    )
    .action(async (opts: ClientOptions & { repo?: string; job?: string; state?: string; limit: number }) => {
      await withClient(opts, deps, (client) =>
        jobs(client, deps, {
          namespace: opts.namespace,
          repo: opts.repo,
          job: opts.job,
          state: opts.state,
          limit: opts.limit,
        }),
      );
    });

  program
    .command('logs')
    .description("print a job run's log (its pod's test container; once the pod is gone, the stored log)")
    .argument('<run>', 'the JobRun name, as `keelson jobs` lists it')
    .option('--kubeconfig <path>', 'kubeconfig to use (default: $KUBECONFIG, else .keelson/kubeconfig)')
    .option('-n, --namespace <namespace>', 'namespace of the job run', defaultCiNamespace)
    .option('-f, --follow', 'keep printing until the run ends')
    .action(async (name: string, opts: ClientOptions & { follow?: boolean }) => {
      await withClient(opts, deps, (client) =>
        logs(client, deps, { namespace: opts.namespace, name, follow: opts.follow === true }),
      );
    });

  program
    .command('artifacts')
    .description("list a job run's stored logs and artifacts, or download them with --out")
    .argument('<run>', 'the JobRun name, as `keelson jobs` lists it')
    .option('--kubeconfig <path>', 'kubeconfig to use (default: $KUBECONFIG, else .keelson/kubeconfig)')
    .option('-n, --namespace <namespace>', 'namespace of the job run', defaultCiNamespace)
    .option('-o, --out <dir>', 'download every file into DIR (kept in their paths)')
    .action(async (name: string, opts: ClientOptions & { out?: string }) => {
      await withClient(opts, deps, (client) =>
        artifacts(
          client,
          { ...deps, isTty: process.stderr.isTTY === true },
          { namespace: opts.namespace, name, out: opts.out },
        ),
      );
    });

  clientCommand(program, 'events')
    .description('list the events of a namespace, oldest first')
    .option('--for <kind/name>', 'only events about this object (e.g. sync/apps)', (value: string) => {
      const parsed = parseFor(value);
      if (!parsed) throw new InvalidArgumentError('must be KIND/NAME, e.g. sync/apps');
      return parsed;
    })
    .action(async (opts: ClientOptions & { for?: { kind: string; name: string } }) => {
      await withClient(opts, deps, (client) =>
        events(client, deps, { namespace: opts.namespace, for: opts.for }),
      );
    });

  addForgeCommands(program, deps);

  return program;
}
