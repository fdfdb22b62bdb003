/**
 * From verified ID token claims to a kgate user: the user name (the configured claim)
 * and the roles its groups map to.
 */
import type { JWTPayload } from 'jose';
import type { OidcConfig } from '../../config/index.ts';
import { ssoRefused } from './id-token.ts';

/** The rule of kgate user names (as `POST /users` enforces it). */
const USERNAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/;

/**
 * The kgate user name the token names: the `username_claim`, lowercased (IdPs differ in
 * the case of e-mail addresses; kgate names are lowercase).
 * @throws KgateError `UNAUTHENTICATED` when the claim is missing or unusable, or the e-mail is unverified.
 */
export function usernameOf(claims: JWTPayload, config: Pick<OidcConfig, 'usernameClaim'>): string {
  const claim = config.usernameClaim;
  const value = claims[claim];
  if (typeof value !== 'string' || value.trim() === '') {
    throw ssoRefused(
      `the ID token has no "${claim}" claim to name the user`,
      claim === 'email'
        ? 'the login must request the email scope, and the account at the IdP needs an e-mail address'
        : `ask the operator to check auth.oidc.username_claim ("${claim}")`,
    );
  }
  if (claim === 'email' && (claims.email_verified === false || claims.email_verified === 'false')) {
    throw ssoRefused(
      'the e-mail address of this account is not verified at the identity provider',
      'verify it there, then log in again',
    );
  }
  const username = value.trim().toLowerCase();
  if (!USERNAME.test(username)) {
    throw ssoRefused(
      `the "${claim}" claim "${username.slice(0, 80)}" is not a valid kgate user name (1-64 of a-z 0-9 . _ @ -)`,
      'ask the operator to pick another auth.oidc.username_claim',
    );
  }
  return username;
}

/** The group names in the `groups_claim` (a list, or one string); none when absent. */
export function groupsOf(claims: JWTPayload, config: Pick<OidcConfig, 'groupsClaim'>): string[] {
  const value = claims[config.groupsClaim];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === 'string');
  return [];
}

/**
 * The roles `role_mapping` gives these groups, or `default_roles` when no group is
 * mapped. Sorted, unique; whether each role exists is the caller's concern.
 */
export function mappedRoles(
  groups: readonly string[],
  config: Pick<OidcConfig, 'roleMapping' | 'defaultRoles'>,
): string[] {
  const roles = new Set<string>();
  let mapped = false;
  for (const group of groups) {
    const forGroup = config.roleMapping.get(group);
    if (forGroup === undefined) continue;
    mapped = true;
    for (const role of forGroup) roles.add(role);
  }
  if (!mapped) for (const role of config.defaultRoles) roles.add(role);
  return [...roles].sort();
}
