/**
 * The identity provider as central sees it: its discovery document (from `issuer_url`)
 * and the keys that sign its ID tokens. Fetched on first use rather than at start, so
 * central starts (and password login works) while the IdP is down; a failed discovery
 * is retried on the next login instead of being remembered.
 */
import { KgateError } from '@kgate/core/errors';
import { createRemoteJWKSet, type JWTVerifyGetKey, customFetch as joseCustomFetch } from 'jose';
import * as client from 'openid-client';
import { idpFetch } from './fetch.ts';

export interface IdentityProvider {
  /** The configured issuer, exactly: ID tokens' `iss` must equal it. */
  readonly issuer: string;
  /** The IdP's signing keys (fetched again when a token names a key not yet seen). */
  keys(): Promise<JWTVerifyGetKey>;
}

function unreachable(issuer: string, cause: unknown): KgateError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new KgateError('UNAVAILABLE', `cannot reach the identity provider ${issuer}: ${reason}`, {
    hint: 'try again shortly; if it persists, check auth.oidc.issuer_url and auth.oidc.certificate_authority',
    cause,
  });
}

export function identityProvider(options: {
  issuerUrl: string;
  clientId: string;
  /** PEM to trust for the IdP's TLS; undefined trusts the system roots. */
  caPem: string | undefined;
}): IdentityProvider {
  const { issuerUrl, clientId } = options;
  const fetch = idpFetch(options.caPem);
  let keys: Promise<JWTVerifyGetKey> | undefined;

  const discover = async (): Promise<JWTVerifyGetKey> => {
    let jwksUri: string | undefined;
    try {
      // openid-client checks that the document names this very issuer.
      const configuration = await client.discovery(new URL(issuerUrl), clientId, undefined, undefined, {
        [client.customFetch]: fetch,
      });
      jwksUri = configuration.serverMetadata().jwks_uri;
    } catch (cause) {
      throw unreachable(issuerUrl, cause);
    }
    if (jwksUri === undefined) {
      throw new KgateError('UNAVAILABLE', `the identity provider ${issuerUrl} publishes no jwks_uri`, {
        hint: 'central verifies ID tokens with the keys the discovery document points to',
      });
    }
    return createRemoteJWKSet(new URL(jwksUri), { [joseCustomFetch]: fetch });
  };

  return {
    issuer: issuerUrl,
    keys() {
      keys ??= discover().catch((error: unknown) => {
        keys = undefined;
        throw error;
      });
      return keys;
    },
  };
}
