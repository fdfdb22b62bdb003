/**
 * A stand-in for the user's web browser, for CLIs that open the authorization URL with a
 * `--browser-command`: an executable script that hands the URL (its last argument) to the
 * test's process and exits at once, as a browser launcher does; the test's process then
 * plays the login with `completeLogin` while the CLI waits on its loopback server.
 *
 * The script posts to a secret path of the provider's own HTTPS server; those requests
 * are not in the provider's request log (they are not the IdP's traffic).
 */
import { randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import type { LoginOptions, LoginResult } from './browser.ts';
import type { KoaMiddleware } from './provider-module.ts';

/** One authorization URL the browser command was run with, and how its login went. */
export interface BrowserLogin {
  authorizationUrl: string;
  /** Resolves when the login reached the client's redirect target; rejects when it failed. */
  done: Promise<LoginResult>;
}

/** Plays one login (the fixture's `completeLogin`). */
export type PlayLogin = (authorizationUrl: string, login: LoginOptions) => Promise<LoginResult>;

const prefix = '/testkit/browser/';

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The browser commands of one provider. */
export class BrowserCommands {
  /** Every URL opened through any of the commands, oldest first. */
  readonly logins: BrowserLogin[] = [];
  readonly #byId = new Map<string, LoginOptions>();
  readonly #issuer: string;
  readonly #caPem: string;
  readonly #play: PlayLogin;

  constructor(issuer: string, caPem: string, play: PlayLogin) {
    this.#issuer = issuer;
    this.#caPem = caPem;
    this.#play = play;
  }

  /** Writes the script to `dir` and returns its path; each run plays a login with `login`. */
  async write(dir: string, login: LoginOptions): Promise<string> {
    const id = randomBytes(16).toString('hex');
    this.#byId.set(id, login);
    const file = path.join(dir, `kgate-test-browser-${id.slice(0, 8)}`);
    // CommonJS (no package.json next to it); the pinned Node runs it whatever PATH says.
    const script = `#!${process.execPath}
const https = require('node:https');
const url = process.argv[process.argv.length - 1];
const req = https.request(${JSON.stringify(`${this.#issuer}${prefix}${id}`)}, { method: 'POST', ca: ${JSON.stringify(this.#caPem)} }, (res) => {
  res.resume();
  res.on('end', () => process.exit(res.statusCode === 204 ? 0 : 1));
});
req.on('error', (error) => { console.error('kgate test browser: ' + error.message); process.exit(1); });
req.end(url);
`;
    await writeFile(file, script, { mode: 0o700 });
    await chmod(file, 0o700);
    return file;
  }

  /** Koa middleware answering the scripts; passes every other request on. */
  middleware(): KoaMiddleware {
    return async (ctx, next) => {
      if (!ctx.path.startsWith(prefix)) return next();
      const login = this.#byId.get(ctx.path.slice(prefix.length));
      if (login === undefined || ctx.method !== 'POST') {
        ctx.status = 404;
        return;
      }
      const authorizationUrl = (await readText(ctx.req)).trim();
      const done = this.#play(authorizationUrl, login);
      // Awaited (or not) by the test; a failure must not be an unhandled rejection meanwhile.
      done.catch(() => {});
      this.logins.push({ authorizationUrl, done });
      ctx.status = 204;
    };
  }
}
