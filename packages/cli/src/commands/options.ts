/** Options several commands share, spelled one way everywhere. */
import { Option } from 'commander';
import { type OutputFormat, outputFormats } from '../output/format.ts';

/** `-o, --output table|json|yaml` (kubectl's spelling). */
export function outputOption(
  choices: readonly OutputFormat[] = outputFormats,
  fallback: OutputFormat = 'table',
): Option {
  return new Option('-o, --output <format>', 'output format').choices(choices).default(fallback);
}

/** `--server URL`. */
export function serverOption(): Option {
  return new Option('--server <url>', 'kgate-central URL (default: $KGATE_SERVER, else the current server)');
}

/** The options of a command that reads from central and prints. */
export interface ReadOptions {
  server?: string;
  output: OutputFormat;
}
