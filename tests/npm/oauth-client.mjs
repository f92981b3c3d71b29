#!/usr/bin/env node
// oauth-client.mjs — an MCP client that signs in through the OAuth support of
// @modelcontextprotocol/sdk (an OAuthClientProvider on the Streamable HTTP
// transport), used by mcpwarden's e2e tests against the gateway's embedded
// authorization server. The script plays the user's browser itself: it
// follows the authorization redirects with fetch, fills in the login and
// consent page and picks the code off the final redirect (nothing listens
// on the redirect URI).
//
// Usage:
//   node oauth-client.mjs --url URL --redirect http://127.0.0.1:PORT/callback
//        --user NAME --password-env VAR [--message TEXT] [--timeout MS]
//
// The password is read from the environment variable VAR (never from argv).
//
// Flow: connect -> 401 -> the SDK discovers the protected resource metadata
// and the authorization server metadata, registers a client (RFC 7591),
// builds the authorization URL (PKCE S256, resource, scope) and calls
// redirectToAuthorization; connect throws UnauthorizedError; finishAuth(code)
// exchanges the code; a new transport with the same provider connects, lists
// tools and calls ev__echo. Then the SDK's auth() refreshes the tokens (the
// refresh token rotates) and a third connection calls ev__echo again.
//
// Output: one JSON object on stdout:
//   {"firstConnectError":{name,message}, "browser":[{step,status,location}],
//    "authorizeParams":{...}, "registeredClient":{...}, "tokens":{...},
//    "tools":[names], "echo":result, "refresh":{...}, "echoAfterRefresh":result}
// or {"error":{name,message,stack}, ...partial} with exit code 1.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

function parseArgs(argv) {
  const o = { message: 'hello from the ts oauth client', timeout: 20000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--url': o.url = next(); break;
      case '--redirect': o.redirect = next(); break;
      case '--user': o.user = next(); break;
      case '--password-env': o.passwordEnv = next(); break;
      case '--message': o.message = next(); break;
      case '--timeout': o.timeout = Number(next()); break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!o.url || !o.redirect || !o.user || !o.passwordEnv) {
    throw new Error('usage: oauth-client.mjs --url URL --redirect URI --user NAME --password-env VAR');
  }
  return o;
}

let opt;
try {
  opt = parseArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`oauth-client.mjs: ${e.message}\n`);
  process.exit(2);
}
const password = process.env[opt.passwordEnv] ?? '';

const report = { browser: [] };
function out(o) {
  process.stdout.write(JSON.stringify(o) + '\n');
}
function errObj(e) {
  return { name: e?.name, message: String(e?.message ?? e), code: e?.code, stack: e?.stack };
}

const csrfRE = /name="csrf" value="([^"]+)"/;
const idRE = /name="id" value="([^"]+)"/;

// The user agent: follows the authorization server's redirects by hand
// (redirect: 'manual'), signs in as opt.user and approves, and returns the
// authorization code from the redirect to the client's redirect URI.
async function playBrowser(authorizationUrl, expectedState) {
  const step = async (name, url, init = {}) => {
    const resp = await fetch(url, { ...init, redirect: 'manual' });
    const location = resp.headers.get('location');
    const body = await resp.text();
    report.browser.push({ step: name, status: resp.status, url: String(url), location });
    return { resp, location: location ? new URL(location, url) : null, body };
  };
  // 1. /oauth/authorize -> the login page.
  const a = await step('authorize', authorizationUrl);
  if (a.resp.status !== 302 || !a.location || a.location.pathname !== '/oauth/login') {
    throw new Error(`authorize: want a 302 to /oauth/login, got ${a.resp.status} ${a.location} ${a.body.slice(0, 300)}`);
  }
  // 2. The login and consent page.
  const page = await step('login page', a.location);
  const csrf = csrfRE.exec(page.body)?.[1];
  const id = idRE.exec(page.body)?.[1];
  if (page.resp.status !== 200 || !csrf || !id) {
    throw new Error(`login page: ${page.resp.status} without the form: ${page.body.slice(0, 300)}`);
  }
  report.loginPage = {
    xFrameOptions: page.resp.headers.get('x-frame-options'),
    showsClientName: page.body.includes('mcpwarden e2e TS client'),
    authRequestIDMatches: a.location.searchParams.get('authRequestID') === id,
  };
  // 3. Sign in and approve.
  const form = new URLSearchParams({ id, csrf, username: opt.user, password, decision: 'approve' });
  const login = await step('login', new URL('/oauth/login', a.location), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  if (login.resp.status !== 302 || !login.location || !login.location.pathname.startsWith('/oauth/authorize/callback')) {
    throw new Error(`login: want a 302 to /oauth/authorize/callback, got ${login.resp.status} ${login.location} ${login.body.slice(0, 300)}`);
  }
  // 4. The authorization callback -> the client's redirect URI with the code.
  const cb = await step('callback', login.location);
  const final = cb.location;
  if (cb.resp.status !== 302 || !final || !final.href.startsWith(opt.redirect)) {
    throw new Error(`callback: want a 302 to ${opt.redirect}, got ${cb.resp.status} ${final} ${cb.body.slice(0, 300)}`);
  }
  if (final.searchParams.get('error')) {
    throw new Error(`authorization refused: ${final.searchParams.get('error')} ${final.searchParams.get('error_description')}`);
  }
  if (final.searchParams.get('state') !== expectedState) {
    throw new Error(`state mismatch: sent ${expectedState}, got ${final.searchParams.get('state')}`);
  }
  report.callbackIss = final.searchParams.get('iss');
  const code = final.searchParams.get('code');
  if (!code) throw new Error(`no code in ${final}`);
  return code;
}

// An in-memory OAuthClientProvider.
class Provider {
  constructor(redirectUrl) {
    this._redirectUrl = redirectUrl;
    this._state = undefined;
    this._client = undefined;
    this._tokens = undefined;
    this._verifier = undefined;
    this.code = undefined;
    this.tokenSaves = 0;
  }
  get redirectUrl() {
    return this._redirectUrl;
  }
  get clientMetadata() {
    return {
      redirect_uris: [this._redirectUrl],
      client_name: 'mcpwarden e2e TS client',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() {
    this._state = crypto.randomUUID();
    return this._state;
  }
  clientInformation() {
    return this._client;
  }
  saveClientInformation(info) {
    this._client = info;
  }
  tokens() {
    return this._tokens;
  }
  saveTokens(tokens) {
    this._tokens = tokens;
    this.tokenSaves++;
  }
  saveCodeVerifier(v) {
    this._verifier = v;
  }
  codeVerifier() {
    if (!this._verifier) throw new Error('no code verifier saved');
    return this._verifier;
  }
  async redirectToAuthorization(url) {
    const p = url.searchParams;
    report.authorizeParams = {
      response_type: p.get('response_type'),
      client_id: p.get('client_id'),
      code_challenge_method: p.get('code_challenge_method'),
      has_code_challenge: !!p.get('code_challenge'),
      redirect_uri: p.get('redirect_uri'),
      scope: p.get('scope'),
      resource: p.get('resource'),
      has_state: !!p.get('state'),
    };
    this.code = await playBrowser(url, this._state);
  }
}

function withTimeout(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${opt.timeout} ms`)), opt.timeout);
    }),
  ]).finally(() => clearTimeout(timer));
}

function tokenSummary(t) {
  return {
    access_token: t?.access_token,
    refresh_token: t?.refresh_token,
    token_type: t?.token_type,
    expires_in: t?.expires_in,
    scope: t?.scope,
  };
}

async function connected(provider) {
  const transport = new StreamableHTTPClientTransport(new URL(opt.url), { authProvider: provider });
  const client = new Client({ name: 'mcpwarden-oauth-client', version: '1.0.0' });
  await withTimeout(client.connect(transport), 'connect');
  return { client, transport };
}

async function main() {
  const provider = new Provider(opt.redirect);
  const reqOpts = { timeout: opt.timeout };

  // 1. The first connection is refused (401) and runs the authorization
  //    flow up to the redirect.
  const transport = new StreamableHTTPClientTransport(new URL(opt.url), { authProvider: provider });
  const first = new Client({ name: 'mcpwarden-oauth-client', version: '1.0.0' });
  try {
    await withTimeout(first.connect(transport), 'first connect');
    throw new Error('the first connection succeeded without a token');
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
    report.firstConnectError = { name: e.constructor.name, message: e.message };
  }
  report.registeredClient = provider.clientInformation();
  if (!provider.code) throw new Error('redirectToAuthorization did not produce a code');

  // 2. The code for tokens (PKCE verifier from the provider).
  await withTimeout(transport.finishAuth(provider.code), 'finishAuth');
  report.tokens = tokenSummary(provider.tokens());

  // 3. A new connection with the tokens.
  const { client } = await connected(provider);
  report.serverInfo = client.getServerVersion();
  const tools = await client.listTools(undefined, reqOpts);
  report.tools = tools.tools.map((t) => t.name);
  report.echo = await client.callTool({ name: 'ev__echo', arguments: { message: opt.message } }, undefined, reqOpts);
  await client.close();

  // 4. Refresh: the SDK redeems the refresh token (which rotates).
  const before = provider.tokens();
  const r = await withTimeout(auth(provider, { serverUrl: new URL(opt.url) }), 'refresh');
  const after = provider.tokens();
  report.refresh = {
    result: r,
    previous_refresh_token: before?.refresh_token,
    tokens: tokenSummary(after),
  };
  const again = await connected(provider);
  report.echoAfterRefresh = await again.client.callTool(
    { name: 'ev__echo', arguments: { message: opt.message + ' (refreshed)' } },
    undefined,
    reqOpts,
  );
  await again.client.close();
}

main().then(
  () => {
    out(report);
    process.exit(0);
  },
  (e) => {
    out({ ...report, error: errObj(e) });
    process.exit(1);
  },
);
