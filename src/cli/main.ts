import { Command } from 'commander';

/** The client side of the CLI: commands that talk to a Keelson API over HTTP. */
export function buildCli(): Command {
  return new Command('keelson')
    .description('GitOps for Kubernetes fleets: pull request to every cluster')
    .showHelpAfterError();
}
