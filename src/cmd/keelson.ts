/** Composition root of the `keelson` CLI. */
import { runCli } from '../cli/main.ts';

process.exitCode = await runCli(process.argv);
