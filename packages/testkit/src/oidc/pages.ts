/**
 * The fixture's HTML pages: the login form, the device-flow pages and the error page.
 * Plain and stable on purpose: the headless browser of `completeLogin` finds forms by id
 * and errors by their `data-error` attribute.
 */

/** Escapes text for HTML text and double-quoted attributes. */
export function htmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function page(title: string, content: string): string {
  return `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>${htmlEscape(title)}</title></head>
<body>
<h1>${htmlEscape(title)}</h1>
${content}
</body>
</html>
`;
}

function errorParagraph(error: string, description: string): string {
  return `<p class="error" data-error="${htmlEscape(error)}">${htmlEscape(description)}</p>`;
}

/** Form ids the headless browser looks for. */
export const formIds = {
  login: 'login',
  abort: 'abort',
  deviceInput: 'op.deviceInputForm',
  deviceConfirm: 'op.deviceConfirmForm',
} as const;

/** The login screen of one interaction: username + password, or cancel. */
export function loginPage(uid: string, clientId: string, failed: { username: string } | undefined): string {
  const base = `/interaction/${encodeURIComponent(uid)}`;
  return page(
    `Sign in to ${clientId}`,
    `${failed === undefined ? '' : errorParagraph('login_failed', 'Wrong username or password.')}
<form id="${formIds.login}" method="post" action="${base}/login">
<input type="text" name="username" value="${htmlEscape(failed?.username ?? '')}">
<input type="password" name="password" value="">
<button type="submit">Sign in</button>
</form>
<form id="${formIds.abort}" method="post" action="${base}/abort">
<button type="submit">Cancel</button>
</form>`,
  );
}

/** An error page (oidc-provider's renderError, and the fixture's own interaction errors). */
export function errorPage(error: string, description: string): string {
  return page('Sign-in failed', errorParagraph(error, description));
}

/** The device flow's "enter the code" page; `form` is oidc-provider's. */
export function deviceInputPage(
  form: string,
  error: { name?: string; message?: string } | undefined,
): string {
  const notice =
    error === undefined
      ? '<p>Enter the code displayed on your device</p>'
      : errorParagraph(
          error.name === 'AbortedError' ? 'access_denied' : 'invalid_user_code',
          error.message ?? 'the code was not accepted',
        );
  return page(
    'Device sign-in',
    `${notice}\n${form}\n<button type="submit" form="${formIds.deviceInput}">Continue</button>`,
  );
}

/** The device flow's "is this your device" page; `form` is oidc-provider's. */
export function deviceConfirmPage(form: string, clientId: string, userCode: string): string {
  return page(
    'Confirm device',
    `<p>${htmlEscape(clientId)} shows the code <code>${htmlEscape(userCode)}</code>.</p>
${form}
<button type="submit" form="${formIds.deviceConfirm}">Continue</button>
<button type="submit" form="${formIds.deviceConfirm}" name="abort" value="yes">Abort</button>`,
  );
}

/** The device flow's last page. */
export function deviceSuccessPage(clientId: string): string {
  return page(
    'Sign-in success',
    `<p data-done="device">Signed in to ${htmlEscape(clientId)}; you can close this page.</p>`,
  );
}
