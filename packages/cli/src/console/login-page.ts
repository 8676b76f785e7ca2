/** The console's login form: the page `/console` answers (401) when the HTTP port asks for a token and has none. */

/** `text` as the text of an element (never an attribute): `&`, `<` and `>`, the characters that open markup, escaped. */
function htmlText(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** The page's one error line: its code and `text`, escaped here (the one place text enters the page). */
function errorLine(code: string, text: string): string {
  return `<p class="error" id="login-error">${code}: ${htmlText(text)}.</p>`;
}

/**
 * The HTML of the login form; `wrong` says that a token was given and refused; `lockedOut` (plain text, escaped), that
 * the peer tried too many wrong tokens (429). Default: none. `refused` (plain text, escaped), why the form posted could
 * not be read (`ISO8583_ERR_CONSOLE_INPUT`: a body over its limit, 413, or of another type, 415). Default: none.
 */
export function loginPage(wrong: boolean, lockedOut?: string, refused?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>iso8583 console: sign in</title>
<link rel="stylesheet" href="/console/console.css">
</head>
<body class="login">
<main>
<h1>iso8583 console</h1>
<p>This HTTP port asks for a token (<code>--http-token</code> or <code>--http-token-file</code>).</p>
${lockedOut === undefined ? '' : errorLine('ISO8583_ERR_CONSOLE_TOO_MANY_ATTEMPTS', lockedOut)}
${refused === undefined ? '' : errorLine('ISO8583_ERR_CONSOLE_INPUT', refused)}
${wrong ? errorLine('ISO8583_ERR_CONSOLE_UNAUTHORIZED', 'that token is not the one the server was started with') : ''}
<form method="post" action="/console/login">
<label>Token <input type="password" name="token" id="token" autocomplete="current-password" autofocus required></label>
<button type="submit" id="sign-in">Sign in</button>
</form>
</main>
</body>
</html>
`;
}
