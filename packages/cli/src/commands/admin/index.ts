/** `kgate admin …`: what a kgate admin does at central. */
import { Command } from 'commander';
import type { CliContext } from '../../context.ts';
import { adminAuditCommand } from './audit/index.ts';
import { adminClustersCommand } from './clusters/index.ts';
import { adminRolesCommand } from './roles/index.ts';
import { adminUsersCommand } from './users/index.ts';

/** The `admin` group. */
export function adminCommand(context: CliContext): Command {
  return new Command('admin')
    .description('administer kgate-central (needs the admin role)')
    .addCommand(adminClustersCommand(context))
    .addCommand(adminUsersCommand(context))
    .addCommand(adminRolesCommand(context))
    .addCommand(adminAuditCommand(context));
}
