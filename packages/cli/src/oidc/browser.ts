/**
 * Opening a URL in the user's browser: `--browser-command` if given, else the platform's
 * opener. The URL is one argument of a program run without a shell, so nothing in it is
 * interpreted; the program is left running on its own (a browser outlives the login).
 */
import { spawn } from 'node:child_process';

/** The program and arguments that open `url` on this platform. */
function platformOpener(url: string, platform: NodeJS.Platform): [string, string[]] {
  if (platform === 'darwin') return ['open', [url]];
  // Not `cmd /c start`: cmd would interpret the URL's `&`.
  if (platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler', url]];
  return ['xdg-open', [url]];
}

/**
 * Starts the browser on `url`.
 *
 * @param command - `--browser-command`: an executable run with the URL as its only argument
 * @returns `undefined` once the program has started, else why it could not be
 */
export function openBrowser(
  url: string,
  command: string | undefined,
  platform: NodeJS.Platform = process.platform,
): Promise<string | undefined> {
  const [program, args] = command === undefined ? platformOpener(url, platform) : [command, [url]];
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(program, args, { detached: true, stdio: 'ignore' });
    } catch (error) {
      resolve(`${program} could not be started: ${(error as Error).message}`);
      return;
    }
    child.once('error', (error) => resolve(`${program} could not be started: ${error.message}`));
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
  });
}
