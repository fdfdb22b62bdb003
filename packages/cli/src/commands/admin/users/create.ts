/**
 * `kgate admin users create USERNAME [--role R]… [--password-stdin] [-o json|yaml]`. The
 * password comes from stdin or a prompt (typed twice), never from the command line.
 */
import { Command, Option } from 'commander';
import type { CliContext } from '../../../context.ts';
import { userError } from '../../../errors.ts';
import { createUserRequest } from '../../../infrastructure/central/users.ts';
import { readFirstLine } from '../../../infrastructure/stdio.ts';
import { renderUser } from '../../../output/users.ts';
import { serverOption } from '../../options.ts';

interface CreateOptions {
  server?: string;
  role: string[];
  passwordStdin?: boolean;
  output?: 'json' | 'yaml';
}

async function newPassword(context: CliContext, fromStdin: boolean, username: string): Promise<string> {
  if (fromStdin) return readFirstLine(context.io.stdin);
  if (!context.prompter.interactive) {
    throw userError(
      'PASSWORD_REQUIRED',
      `a password for "${username}" is needed and stdin is not a terminal`,
      'pipe it in with --password-stdin',
    );
  }
  const first = await context.prompter.secret(`Password for ${username}: `);
  const again = await context.prompter.secret('Repeat it: ');
  if (first !== again)
    throw userError(
      'INVALID_ARGUMENT',
      'the two passwords differ',
      'run the command again and type the same password twice',
    );
  return first;
}

/** Collects a repeatable option into a list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The `admin users create` command. */
export function createCommand(context: CliContext): Command {
  return new Command('create')
    .description('create a user (the password is read from a prompt or --password-stdin)')
    .argument('<username>', 'the new username')
    .addOption(serverOption())
    .option('--role <role>', 'a role to give (repeatable), e.g. admin', collect, [])
    .option('--password-stdin', 'read the password from the first line of stdin')
    .addOption(new Option('-o, --output <format>', 'print the created user').choices(['json', 'yaml']))
    .action(async (username: string, options: CreateOptions) => {
      const server = await context.resolveServer(options.server);
      const session = await context.freshSession(server);
      const password = await newPassword(context, options.passwordStdin === true, username);
      if (password === '') throw userError('PASSWORD_REQUIRED', 'the password is empty', 'give a password');
      const user = await createUserRequest(
        context.transport,
        context.connection(session),
        session.accessToken,
        {
          username,
          password,
          roles: options.role,
        },
      );
      if (options.output !== undefined) context.io.stdout.write(renderUser(user, options.output));
      context.log(`Created user "${user.username}" (roles: ${user.roles.join(', ') || 'none'}).`);
    });
}
