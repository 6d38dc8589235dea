import { Command } from 'commander';

/** Builds the CLI; subcommands register themselves here. */
export async function runCli(argv: string[]): Promise<number> {
  const program = new Command('keelson').description('GitOps for Kubernetes fleets');
  await program.parseAsync(argv);
  return 0;
}
