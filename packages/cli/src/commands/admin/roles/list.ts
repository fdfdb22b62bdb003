/** `kgate admin roles list [-o table|json|yaml]`: `-o yaml` is a file `roles apply -f` takes back. */
import { stringifyRolesDocument } from '@kgate/core/rbac';
import { Command } from 'commander';
import type { CliContext } from '../../../context.ts';
import { getRolesRequest } from '../../../infrastructure/central/roles.ts';
import { cell, renderTable } from '../../../output/format.ts';
import { outputOption, type ReadOptions, serverOption } from '../../options.ts';

/** The `admin roles list` command. */
export function listCommand(context: CliContext): Command {
  return new Command('list')
    .alias('ls')
    .description('show the roles, their rules, and who has them')
    .addOption(serverOption())
    .addOption(outputOption())
    .action(async (options: ReadOptions) => {
      const server = await context.resolveServer(options.server);
      const session = await context.freshSession(server);
      const document = await getRolesRequest(
        context.transport,
        context.connection(session),
        session.accessToken,
      );
      if (options.output === 'yaml') {
        context.io.stdout.write(stringifyRolesDocument(document));
        return;
      }
      if (options.output === 'json') {
        context.io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
        return;
      }
      const holders = (role: string) =>
        document.users.filter((u) => u.roles.includes(role)).map((u) => u.username);
      context.io.stdout.write(
        renderTable(
          ['NAME', 'RULES', 'DENY', 'USERS', 'DESCRIPTION'],
          document.roles.map((role) => [
            role.name,
            String(role.rules.length),
            String(role.deny.length),
            cell(holders(role.name).join(',')),
            cell(role.description),
          ]),
        ),
      );
    });
}
