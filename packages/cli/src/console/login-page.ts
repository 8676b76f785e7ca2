/** The console's login form: the page `/console` answers (401) when the HTTP port asks for a token and has none. */

/** The HTML of the login form; `wrong` says that a token was given and refused. */
export function loginPage(wrong: boolean): string {
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
${wrong ? '<p class="error" id="login-error">ISO8583_ERR_CONSOLE_UNAUTHORIZED: that token is not the one the server was started with.</p>' : ''}
<form method="post" action="/console/login">
<label>Token <input type="password" name="token" id="token" autocomplete="current-password" autofocus required></label>
<button type="submit" id="sign-in">Sign in</button>
</form>
</main>
</body>
</html>
`;
}
