/**
 * The parts of `oidc-provider` (panva, v9) the OIDC fixture uses, typed here because the
 * package ships no type declarations. It is loaded with a dynamic import so that the
 * missing declarations do not fail the type-check, and only when a test starts a provider.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The Koa context as the fixture's middleware sees it. */
export interface KoaContext {
  readonly method: string;
  /** The request path without the query. */
  readonly path: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  status: number;
  body: unknown;
  type: string;
  /** Set to false when the middleware wrote to `res` itself. */
  respond?: boolean;
  /** oidc-provider's request context; present on its own routes once they ran. */
  readonly oidc?: OidcRequestContext;
}

/** What the fixture reads from oidc-provider's per-request context. */
export interface OidcRequestContext {
  readonly params?: { readonly [name: string]: unknown };
  readonly client?: { readonly clientId: string };
  readonly entities?: { readonly [kind: string]: unknown };
}

export type KoaNext = () => Promise<void>;
export type KoaMiddleware = (ctx: KoaContext, next: KoaNext) => Promise<void>;

/** An interaction (login or consent screen) in progress. */
export interface InteractionDetails {
  readonly uid: string;
  readonly prompt: {
    readonly name: string;
    readonly details: {
      readonly missingOIDCScope?: string[];
      readonly missingOIDCClaims?: string[];
      readonly missingResourceScopes?: { readonly [indicator: string]: string[] };
    };
  };
  readonly params: { readonly [name: string]: unknown };
  readonly session?: { readonly accountId?: string };
  readonly grantId?: string;
}

/** A grant: what an account allowed a client. */
export interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
}

export interface GrantClass {
  new (properties: { accountId: string; clientId: string }): Grant;
  find(id: string): Promise<Grant | undefined>;
}

/** A stored token (access or refresh) as the adapter gives it back. */
export interface StoredToken {
  readonly isExpired: boolean;
  readonly consumed?: unknown;
}

export interface TokenClass {
  find(value: string): Promise<StoredToken | undefined>;
}

export interface ClientClass {
  find(id: string): Promise<unknown>;
}

/** An oidc-provider instance (a Koa application). */
export interface Provider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  use(middleware: KoaMiddleware): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: object,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  readonly Grant: GrantClass;
  readonly Client: ClientClass;
  readonly AccessToken: TokenClass;
  readonly RefreshToken: TokenClass;
}

interface ProviderModule {
  Provider: new (issuer: string, configuration: object) => Provider;
}

// A variable, not a literal: TypeScript would otherwise look for declarations and fail.
const moduleName: string = 'oidc-provider';

/** Constructs an oidc-provider `Provider` for `issuer`. */
export async function createProvider(issuer: string, configuration: object): Promise<Provider> {
  const { Provider } = (await import(moduleName)) as ProviderModule;
  return new Provider(issuer, configuration);
}

/** The message of an error, with oidc-provider's `error_description` when it has one. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const description = (error as { error_description?: unknown }).error_description;
  return typeof description === 'string' && description !== ''
    ? `${error.message}: ${description}`
    : error.message;
}
