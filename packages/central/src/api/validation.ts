import { KgateError } from '@kgate/core/errors';
import { z } from 'zod';
import { parseDuration } from '../config/index.ts';

/**
 * Parses a request body with a zod schema. Failures become `INVALID_ARGUMENT` naming
 * the field (`body.username: expected a string`); unknown fields are refused by strict
 * schemas. Values are not echoed: a body may hold a password.
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new KgateError('INVALID_ARGUMENT', 'the request body must be a JSON object', {
      hint: 'send Content-Type: application/json and a JSON object',
    });
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const messages = result.error.issues.map((issue) => {
    const at = ['body', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys')
      return `${at}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${at}: ${issue.message}`;
  });
  throw new KgateError('INVALID_ARGUMENT', messages.join('; '), {
    hint: 'fix the request body and try again',
  });
}

/** A DNS-1123 label, the rule for Kubernetes names: what a cluster name must be. */
export const dnsLabel = z
  .string({ error: 'expected a string' })
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    error:
      'expected a DNS-1123 label: 1-63 lowercase letters, digits or "-", starting and ending alphanumeric',
  });

export const username = z.string({ error: 'expected a string' }).regex(/^[a-z0-9][a-z0-9._@-]{0,63}$/, {
  error: 'expected 1-64 lowercase letters, digits or . _ @ -, starting with a letter or digit',
});

export const password = z
  .string({ error: 'expected a string' })
  .min(12, { error: 'must be at least 12 characters' })
  .max(1024, { error: 'must be at most 1024 characters' });

export const roles = z
  .array(
    z.string({ error: 'expected a string' }).regex(/^[a-z0-9][a-z0-9:._-]{0,62}$/, {
      error: 'expected a role name: lowercase letters, digits or : . _ -',
    }),
    { error: 'expected a list of role names' },
  )
  .max(64, { error: 'at most 64 roles' });

/** A duration such as `24h`, within bounds. */
export function duration(max: number) {
  return z.string({ error: 'expected a duration such as 24h' }).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms <= 0 || ms > max) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration such as 24h, at most ${max / 3_600_000}h`,
      });
      return z.NEVER;
    }
    return ms;
  });
}
