/**
 * `kgate admin roles apply -f FILE|-`: defines or updates central's roles and sets the
 * roles of the users the file lists. Idempotent; the file is checked here first (errors
 * name the role and field), and central applies all of it or nothing.
 */
import { readFile } from 'node:fs/promises';
import { parseRolesDocument } from '@kgate/core/rbac';
import { Command } from 'commander';
import type { CliContext } from '../../../context.ts';
import { userError } from '../../../errors.ts';
import { applyRolesRequest } from '../../../infrastructure/central/roles.ts';
import { serverOption } from '../../options.ts';

async function readSource(context: CliContext, file: string): Promise<string> {
  if (file === '-') {
    let text = '';
    for await (const chunk of context.io.stdin)
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return text;
  }
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw userError(
      'INVALID_ARGUMENT',
      `cannot read the roles file "${file}": ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      'give the path of a roles YAML file, or - for stdin',
    );
  }
}

/** The `admin roles apply` command. */
export function applyCommand(context: CliContext): Command {
  return new Command('apply')
    .description('create or update roles, and set the roles of the users listed, from a YAML file')
    .requiredOption('-f, --filename <file>', 'the roles YAML file, or - for stdin')
    .addOption(serverOption())
    .action(async (options: { filename: string; server?: string }) => {
      const text = await readSource(context, options.filename);
      const document = parseRolesDocument(text, {
        source: options.filename === '-' ? 'stdin' : options.filename,
      });
      const server = await context.resolveServer(options.server);
      const session = await context.freshSession(server);
      const result = await applyRolesRequest(
        context.transport,
        context.connection(session),
        session.accessToken,
        document,
      );
      for (const role of result.roles) context.io.stdout.write(`role/${role.name} ${role.action}\n`);
      for (const user of result.users) context.io.stdout.write(`user/${user.username} ${user.action}\n`);
    });
}
