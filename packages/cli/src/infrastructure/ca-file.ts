/** Reading central's CA certificate from the file given with `--certificate-authority`. */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { userError } from '../errors.ts';

/** A CA file read and checked. */
export interface CaFile {
  /** Absolute path, as remembered in config.yaml. */
  path: string;
  pem: string;
}

const HINT = "give the PEM file of central's CA certificate (the one its server certificate was issued by)";

/**
 * Reads and checks a CA file: it must hold at least one PEM certificate.
 *
 * @throws {CliError} `CA_FILE_INVALID` naming the file
 */
export function readCaFile(file: string, cwd = process.cwd()): CaFile {
  const absolute = path.resolve(cwd, file);
  let pem: string;
  try {
    pem = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw userError(
      'CA_FILE_INVALID',
      `cannot read --certificate-authority ${absolute}: ${(error as Error).message}`,
      HINT,
      {
        cause: error,
      },
    );
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw userError('CA_FILE_INVALID', `${absolute} holds no PEM certificate`, HINT);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw userError('CA_FILE_INVALID', `${absolute} holds a certificate that cannot be parsed`, HINT, {
        cause: error,
      });
    }
  }
  return { path: absolute, pem: `${blocks.join('\n')}\n` };
}
