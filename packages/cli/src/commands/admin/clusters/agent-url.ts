/**
 * Where the agent of a new cluster dials: central says so in `GET /info` (`agent_url`,
 * from its `server.agent_public_url` or derived from its own addresses). A central that
 * predates `/info` gets the old guess instead (see `defaultAgentUrl`).
 */
import type { CliContext } from '../../../context.ts';
import type { CentralConnection } from '../../../infrastructure/https-transport.ts';

/** Central's `agent_url`, or `undefined` when central does not publish one. */
export async function discoverAgentUrl(
  context: CliContext,
  connection: CentralConnection,
): Promise<string | undefined> {
  const response = await context.transport(connection, { method: 'GET', path: '/info' });
  if (response.status !== 200) return undefined;
  const body = response.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const agentUrl = (body as Record<string, unknown>).agent_url;
  if (typeof agentUrl !== 'string' || !URL.canParse(agentUrl)) return undefined;
  return new URL(agentUrl).protocol === 'https:' ? agentUrl : undefined;
}
