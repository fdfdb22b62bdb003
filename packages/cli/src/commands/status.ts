/** `kgate status [-o table|json|yaml]`. */
import { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { cell, formatAge, formatDuration, renderMachine } from '../output/format.ts';
import { getStatus, type StatusOutput } from '../usecases/status.ts';
import { outputOption, type ReadOptions, serverOption } from './options.ts';

function renderText(status: StatusOutput, now: Date): string {
  const left = (Date.parse(status.tokenExpiresAt) - now.getTime()) / 1000;
  const lines = [
    `Server:     ${status.server}`,
    `User:       ${status.user.username} (id ${status.user.id})`,
    `Roles:      ${status.user.roles.length > 0 ? status.user.roles.join(', ') : '<none>'}`,
    `Token:      expires ${status.tokenExpiresAt} (in ${formatDuration(left)}; refreshed automatically), kept in the ${status.tokenStore === 'keyring' ? 'OS keyring' : '0600 token file'}`,
  ];
  if (status.cluster === null) lines.push('Cluster:    <none selected> (kgate clusters use NAME)');
  else {
    const c = status.cluster;
    lines.push(
      `Cluster:    ${c.name} (context ${c.context})`,
      `  State:    ${c.status}`,
      `  Version:  ${cell(c.kubernetesVersion)}`,
      `  Nodes:    ${cell(c.nodeCount)}`,
      `  Last seen: ${c.lastSeen === null ? '<never>' : `${formatAge(c.lastSeen, now)} ago`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The `status` command. */
export function statusCommand(context: CliContext): Command {
  return new Command('status')
    .description('show the server, user, roles, token expiry and selected cluster')
    .addOption(serverOption())
    .addOption(outputOption())
    .action(async (options: ReadOptions) => {
      const server = await context.resolveServer(options.server);
      const status = await getStatus(context, server);
      const now = context.clock.now();
      context.io.stdout.write(
        options.output === 'table' ? renderText(status, now) : renderMachine(options.output, status),
      );
    });
}
