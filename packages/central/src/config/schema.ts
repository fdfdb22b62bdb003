import { z } from 'zod';
import { parseDuration } from './durations.ts';
import { type HostPort, parseHostPort } from './host-port.ts';

/** Log levels pino accepts, quietest last. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const hostPort = z.unknown().transform((value, ctx): HostPort => {
  const parsed = typeof value === 'string' ? parseHostPort(value) : undefined;
  if (parsed) return parsed;
  ctx.addIssue({ code: 'custom', message: 'expected host:port (such as 0.0.0.0:8443 or [::1]:8443)' });
  return z.NEVER;
});

const duration = z.unknown().transform((value, ctx): number => {
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms !== undefined && ms > 0) return ms;
  ctx.addIssue({ code: 'custom', message: 'expected a duration such as 15m, 720h or 1h30m' });
  return z.NEVER;
});

// Environment variables arrive as strings, so booleans accept the usual spellings.
const boolean = z.unknown().transform((value, ctx): boolean => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return true;
    if (['false', '0', 'no', 'off'].includes(lower)) return false;
  }
  ctx.addIssue({ code: 'custom', message: 'expected true or false' });
  return z.NEVER;
});

const nonEmpty = z.string({ error: 'expected a string' }).trim().min(1, { error: 'must not be empty' });

const httpsUrl = z.unknown().transform((value, ctx): string => {
  if (typeof value === 'string' && URL.canParse(value)) {
    const url = new URL(value);
    if (url.protocol === 'https:' && url.search === '' && url.hash === '' && !url.username) {
      return url.href.replace(/\/$/, '');
    }
  }
  ctx.addIssue({ code: 'custom', message: 'expected an https:// URL such as https://kgate.example.com' });
  return z.NEVER;
});

const postgresUrl = z.unknown().transform((value, ctx): string => {
  if (typeof value === 'string' && /^postgres(ql)?:\/\//.test(value) && URL.canParse(value)) return value;
  ctx.addIssue({ code: 'custom', message: 'expected a postgres:// URL' });
  return z.NEVER;
});

// Byte sizes: a number of bytes, or with a binary suffix as Kubernetes writes them (512Ki, 1Mi).
const BYTE_UNITS: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
const byteSize = z.unknown().transform((value, ctx): number => {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(text);
  const bytes = match ? Number(match[1]) * (BYTE_UNITS[match[2] ?? ''] ?? 1) : 0;
  if (bytes > 0) return bytes;
  ctx.addIssue({ code: 'custom', message: 'expected a size such as 1Mi, 512Ki or 1048576 (bytes)' });
  return z.NEVER;
});

// An OIDC issuer is compared with the `iss` of ID tokens character for character: kept as written.
const issuerUrl = z.unknown().transform((value, ctx): string => {
  if (typeof value === 'string' && URL.canParse(value)) {
    const url = new URL(value);
    if (url.protocol === 'https:' && url.search === '' && url.hash === '' && !url.username) return value;
  }
  ctx.addIssue({
    code: 'custom',
    message: 'expected an https:// issuer URL such as https://idp.example.com',
  });
  return z.NEVER;
});

// Lists in YAML; from the environment, a string of items separated by commas or spaces.
const stringList = z.unknown().transform((value, ctx): string[] => {
  const items = typeof value === 'string' ? value.split(/[\s,]+/).filter((s) => s !== '') : value;
  if (Array.isArray(items) && items.every((item) => typeof item === 'string' && item.trim() !== '')) {
    return [...new Set(items.map((item: string) => item.trim()))];
  }
  ctx.addIssue({ code: 'custom', message: 'expected a list of names (from the environment: a,b,c)' });
  return z.NEVER;
});

// IdP group → kgate roles. A mapping in YAML; from the environment, the same as JSON.
const roleMapping = z.unknown().transform((value, ctx): Map<string, string[]> => {
  let object = value;
  if (typeof value === 'string') {
    try {
      object = JSON.parse(value);
    } catch {
      object = undefined;
    }
  }
  const mapping = new Map<string, string[]>();
  if (typeof object === 'object' && object !== null && !Array.isArray(object)) {
    for (const [group, roles] of Object.entries(object)) {
      const list = Array.isArray(roles) ? roles : [roles];
      if (!list.every((role) => typeof role === 'string' && role.trim() !== '')) {
        ctx.addIssue({ code: 'custom', message: `group "${group}": expected a list of role names` });
        return z.NEVER;
      }
      mapping.set(group, [...new Set(list.map((role: string) => role.trim()))]);
    }
    return mapping;
  }
  ctx.addIssue({
    code: 'custom',
    message: 'expected a mapping of IdP group to role names (from the environment: JSON)',
  });
  return z.NEVER;
});

const required = z
  .string({ error: (issue) => (issue.input === undefined ? 'required' : 'expected a string') })
  .trim()
  .min(1, { error: 'must not be empty' });

const username = z
  .string({ error: 'expected a string' })
  .regex(/^[a-z0-9][a-z0-9._@-]{0,63}$/, { error: 'expected a lowercase user name (a-z, 0-9, . _ @ -)' });

/** The config file's shape (snake_case, as written in YAML), validated and with defaults. */
export const centralConfigSchema = z.strictObject({
  server: z
    .strictObject({
      listen: hostPort.prefault('0.0.0.0:8443'),
      agent_listen: hostPort.prefault('0.0.0.0:8444'),
      public_url: httpsUrl.optional(),
      agent_public_url: httpsUrl.optional(),
      // Agents heartbeat this often; a silent agent is dropped after two intervals.
      heartbeat_interval: duration
        .pipe(
          z
            .number()
            .min(500, { error: 'must be at least 500ms' })
            .max(300_000, { error: 'must be at most 5m' }),
        )
        .prefault('10s'),
    })
    .prefault({}),
  database: z
    .strictObject({
      driver: z.enum(['sqlite', 'postgres'], { error: 'expected sqlite or postgres' }).prefault('sqlite'),
      path: nonEmpty.optional(),
      url: postgresUrl.optional(),
    })
    .prefault({}),
  auth: z
    .strictObject({
      access_token_ttl: duration.prefault('15m'),
      refresh_token_ttl: duration.prefault('720h'),
      join_token_ttl: duration.prefault('24h'),
      // Agents renew their client certificate after about 2/3 of this; see docs/tunnel.md.
      agent_certificate_ttl: duration
        .pipe(
          z
            .number()
            .min(5000, { error: 'must be at least 5s' })
            .max(7 * 86_400_000, { error: 'must be at most 7d' }),
        )
        .prefault('1h'),
      password_login: boolean.prefault(true),
      // Single sign-on through an OpenID Connect provider; see docs/sso.md.
      oidc: z
        .strictObject({
          issuer_url: issuerUrl,
          client_id: required,
          // Accepted for completeness; kgate's CLI is a public client and central never redeems codes.
          client_secret: nonEmpty.optional(),
          certificate_authority: nonEmpty.optional(),
          username_claim: nonEmpty.prefault('email'),
          groups_claim: nonEmpty.prefault('groups'),
          extra_scopes: stringList.prefault([]),
          role_mapping: roleMapping.prefault({}),
          default_roles: stringList.prefault([]),
        })
        .optional(),
      bootstrap_admin: z.strictObject({ username: username.prefault('admin') }).prefault({}),
    })
    .prefault({}),
  tls: z.strictObject({ cert_file: nonEmpty.optional(), key_file: nonEmpty.optional() }).prefault({}),
  // POST /clusters/{name}/exec: the kubectl central runs as the caller (see docs/exec.md).
  exec: z
    .strictObject({
      kubectl_path: nonEmpty.prefault('kubectl'),
      timeout: duration.pipe(z.number().max(3_600_000, { error: 'must be at most 1h' })).prefault('60s'),
      max_output: byteSize
        .pipe(
          z
            .number()
            .min(1024, { error: 'must be at least 1Ki' })
            .max(16 * 1024 ** 2, { error: 'must be at most 16Mi' }),
        )
        .prefault('1Mi'),
    })
    .prefault({}),
  data_dir: nonEmpty.optional(),
  log_level: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).prefault('info'),
});

/** The validated file shape, before paths are resolved. */
export type CentralConfigInput = z.output<typeof centralConfigSchema>;

/** `auth.oidc`: the OpenID Connect provider users log in with (see docs/sso.md). */
export interface OidcConfig {
  /** Exactly as configured: ID tokens' `iss` must equal it. */
  issuerUrl: string;
  /** The CLI's (public) client at the IdP: ID tokens' `aud`. */
  clientId: string;
  clientSecret: string | undefined;
  /** Absolute path of a PEM file to trust for the IdP's TLS instead of the system roots. */
  certificateAuthority: string | undefined;
  usernameClaim: string;
  groupsClaim: string;
  extraScopes: string[];
  /** IdP group → kgate role names. */
  roleMapping: Map<string, string[]>;
  /** Roles of users in none of the mapped groups. */
  defaultRoles: string[];
}

/** kgate-central's resolved configuration. Durations are milliseconds, paths absolute. */
export interface CentralConfig {
  server: {
    listen: HostPort;
    agentListen: HostPort;
    /** The URL users reach central at; also the `iss` of its tokens. Default: derived from the listen address. */
    publicUrl: string | undefined;
    /** The URL agents dial (the agent port as clusters reach it). Default: derived from public_url or agent_listen. */
    agentPublicUrl: string | undefined;
    /** How often agents heartbeat; a cluster whose agent missed two is disconnected. */
    heartbeatIntervalMs: number;
  };
  database: { driver: 'sqlite'; path: string } | { driver: 'postgres'; url: string };
  auth: {
    accessTokenTtlMs: number;
    refreshTokenTtlMs: number;
    /** Default lifetime of an agent join token. */
    joinTokenTtlMs: number;
    /** Lifetime of the client certificates agents get at registration and renew. */
    agentCertificateTtlMs: number;
    passwordLogin: boolean;
    bootstrapAdmin: { username: string };
    /** Single sign-on (`POST /auth/sso`); undefined when not configured. */
    oidc: OidcConfig | undefined;
  };
  /** `POST /clusters/{name}/exec`: which kubectl, and how long and how much it may print. */
  exec: {
    /** A path, or a name looked up on central's PATH. */
    kubectlPath: string;
    /** kubectl is killed after this long (the answer says `exit_code` 124). */
    timeoutMs: number;
    /** kubectl is killed once stdout and stderr together pass this many bytes. */
    maxOutputBytes: number;
  };
  /** A serving certificate to use instead of one issued by central's own CA. */
  tls: { certFile: string; keyFile: string } | undefined;
  dataDir: string;
  logLevel: LogLevel;
}
