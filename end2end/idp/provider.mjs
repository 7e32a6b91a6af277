// A real OpenID Connect identity provider for Meridian's browser tests (SSO sign-in).
//
// It is `oidc-provider` (an OpenID-certified implementation) with one confidential client for
// Meridian, an account for every email address (any password is accepted) and plain HTML
// sign-in and consent pages that work with JavaScript off. Everything is kept in memory: a
// restart forgets every session, grant and token, and the signing key is new on every start.
// Playwright starts it (see playwright.config.ts); to run it by hand:
//
//   cd end2end && node idp/provider.mjs
//
// Environment (all optional):
//   IDP_PORT           the port it listens on, on 127.0.0.1 (default 3200); the issuer is
//                      exactly http://127.0.0.1:<port>, no trailing slash
//   IDP_CONFORMANT     when "true", the provider behaves as OpenID Connect Core says by default
//                      and as Microsoft Entra often does: the ID token carries only `sub` (email
//                      and name come from the userinfo endpoint), it is signed with non-RSA keys
//                      (ES256 and EdDSA), and the client authenticates with client_secret_post
//                      only. Otherwise: claims in the ID token, RS256, client_secret_basic.
//   MERIDIAN_E2E_URL   where Meridian runs (default http://127.0.0.1:3100); decides the client's
//                      redirect URI (<url>/auth/sso/callback) and post-logout URI (<url>/login)
//
// Client: client_id `meridian-e2e`, client_secret `meridian-e2e-secret`, client_secret_basic at
// the token endpoint (client_secret_post when conformant), authorization code flow with PKCE
// (S256) required. Scopes: openid, email (email, email_verified) and profile (name); unless
// conformant, those claims are also put in the ID token.
//
// Routes that matter to the tests (the rest is in /.well-known/openid-configuration):
//   /auth                          authorization endpoint
//   /interaction/<uid>             the sign-in page (or, if ever needed, the consent page)
//   /token, /me, /jwks             token, userinfo and key set endpoints
//   /session/end                   RP-initiated logout, with a confirmation page
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

// ---------------------------------------------------------------------------------------------
// Settings

const port = Number(process.env.IDP_PORT || 3200);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  throw new Error(`IDP_PORT must be a TCP port, got "${process.env.IDP_PORT}"`);
}
const host = '127.0.0.1';
const issuer = `http://${host}:${port}`;
const conformant = process.env.IDP_CONFORMANT === 'true';
const appUrl = (process.env.MERIDIAN_E2E_URL || 'http://127.0.0.1:3100').replace(/\/+$/, '');

// Keep in step with tests/idp.ts.
const CLIENT_ID = 'meridian-e2e';
const CLIENT_SECRET = 'meridian-e2e-secret';

/** A log line on stdout; errors go to stderr with `fail`. */
const log = (line) => console.log(`idp: ${line}`);
const fail = (line) => console.error(`idp: ${line}`);

// ---------------------------------------------------------------------------------------------
// Accounts: every email address is an account, made up on the spot.

/** The account id: what was typed on the sign-in page, trimmed and lowercased (an email). */
const accountIdFor = (login) => String(login).trim().toLowerCase();

/** A stable, opaque subject for an email: the first 32 hex digits of its SHA-256. */
const subjectFor = (email) => crypto.createHash('sha256').update(email).digest('hex').slice(0, 32);

/** "alice.smith@example.com" -> "Alice.smith". */
function displayNameFor(email) {
  const local = email.split('@')[0] || email;
  return local.charAt(0).toUpperCase() + local.slice(1);
}

/** oidc-provider's findAccount: `id` is the account id chosen at sign-in (the email). */
async function findAccount(ctx, id) {
  const email = accountIdFor(id);
  return {
    accountId: email,
    // oidc-provider keeps only the claims the granted scopes allow (openid: sub; email:
    // email, email_verified; profile: name).
    async claims() {
      return {
        sub: subjectFor(email),
        email,
        email_verified: true,
        name: displayNameFor(email),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Storage: a small in-memory adapter (what oidc-provider calls an adapter: one instance per
// model name, e.g. "Session", "AuthorizationCode"). oidc-provider ships one too, but warns on
// every start that it is for development only; this one is the same idea without the noise.

const store = new Map(); // key -> { payload, expiresAt (ms) }
const sessionsByUid = new Map(); // Session uid -> Session id
const keysByGrant = new Map(); // grant id -> Set of keys of tokens issued under that grant

class MemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    store.set(key, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    if (this.model === 'Session') sessionsByUid.set(payload.uid, id);
    if (payload.grantId) {
      if (!keysByGrant.has(payload.grantId)) keysByGrant.set(payload.grantId, new Set());
      keysByGrant.get(payload.grantId).add(key);
    }
  }

  async find(id) {
    const key = this.key(id);
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) {
    const id = sessionsByUid.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode() {
    return undefined; // the device flow is not enabled
  }

  async consume(id) {
    const payload = await this.find(id);
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of keysByGrant.get(grantId) ?? []) store.delete(key);
    keysByGrant.delete(grantId);
  }
}

// Expired entries are dropped when looked up; sweep the rest now and then.
const sweeper = setInterval(() => {
  const now = Date.now();
  for (const [key, { expiresAt }] of store) if (expiresAt <= now) store.delete(key);
}, 60_000);
sweeper.unref();

// ---------------------------------------------------------------------------------------------
// Pages. Plain HTML, no scripts and nothing loaded from elsewhere (oidc-provider's own pages
// import a web font from the internet), so they work with JavaScript off and offline.

/** Escapes text for HTML element content and attribute values. */
const html = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
  body { font-family: system-ui, sans-serif; background: #f4f4f5; margin: 0; padding: 40px 16px; }
  main { max-width: 360px; margin: 0 auto; background: #fff; padding: 24px 28px;
         border-radius: 8px; box-shadow: 0 1px 3px rgba(0, 0, 0, .15); }
  h1 { font-size: 1.4em; margin: 0 0 12px; }
  p, li { color: #3f3f46; }
  label { display: block; font-weight: 600; margin: 14px 0 4px; }
  input { width: 100%; box-sizing: border-box; padding: 8px; font-size: 1em; }
  button { margin-top: 18px; width: 100%; padding: 10px; font-size: 1em; font-weight: 600;
           color: #fff; background: #4f46e5; border: 0; border-radius: 6px; cursor: pointer; }
  button.secondary { color: #3f3f46; background: #e4e4e7; }
  .error { color: #b91c1c; }
  .help { margin-top: 16px; font-size: .9em; text-align: center; }
  .help a { color: #52525b; }
  pre { white-space: pre-wrap; word-break: break-word; }
`;

/** A whole page: `body` is HTML that is already escaped. */
function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${html(title)} · Meridian test identity provider</title>
  <style>${STYLE}</style>
</head>
<body>
  <main>
${body}
  </main>
</body>
</html>`;
}

/** Sends a page (never cached: every one carries per-request state). */
function sendPage(ctx, status, title, body) {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = page(title, body);
}

/**
 * The sign-in page. The field names (`login`, `password`) and the button text ("Sign-in") are
 * those of oidc-provider's own development form; tests/idp.ts fills them.
 */
function signInPage({ uid, client, loginHint, error }) {
  return `    <h1>Sign-in</h1>
    <p>${html(client.clientName || client.clientId)} wants you to sign in.
       Any email address is an account here, and any password will do.</p>
    ${error ? `<p class="error" role="alert">${html(error)}</p>` : ''}
    <form method="post" action="/interaction/${html(uid)}/login" autocomplete="off">
      <label for="login">Email</label>
      <input id="login" name="login" type="text" inputmode="email" required autofocus
             value="${html(loginHint)}">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" required>
      <button type="submit">Sign-in</button>
    </form>
    <p class="help"><a href="/interaction/${html(uid)}/abort">Cancel</a></p>`;
}

/** The consent page: only reached if something asks for consent (e.g. prompt=consent). */
function consentPage({ uid, client, details }) {
  const scopes = (details.missingOIDCScope ?? []).filter((s) => s !== 'openid');
  const claims = details.missingOIDCClaims ?? [];
  const items = [...scopes.map((s) => `scope ${s}`), ...claims.map((c) => `claim ${c}`)];
  return `    <h1>Authorize</h1>
    <p>${html(client.clientName || client.clientId)} asks for:</p>
    <ul>${items.length ? items.map((i) => `<li>${html(i)}</li>`).join('') : '<li>confirmation of an earlier authorization</li>'}</ul>
    <form method="post" action="/interaction/${html(uid)}/confirm">
      <button type="submit">Continue</button>
    </form>
    <p class="help"><a href="/interaction/${html(uid)}/abort">Cancel</a></p>`;
}

// ---------------------------------------------------------------------------------------------
// The provider

// New keys on every start: the key set is published at /jwks, and nothing outlives a run. RSA
// by default; conformant, an ES256 (P-256) key and an Ed25519 (EdDSA) one, the first signing.
function jwk(type, options, alg) {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg };
}
const signingKeys = conformant
  ? [jwk('ec', { namedCurve: 'P-256' }, 'ES256'), jwk('ed25519', {}, 'EdDSA')]
  : [jwk('rsa', { modulusLength: 2048 }, 'RS256')];
const idTokenAlgs = conformant ? ['ES256', 'EdDSA'] : ['RS256'];
const clientAuth = conformant ? 'client_secret_post' : 'client_secret_basic';

const configuration = {
  adapter: MemoryAdapter,
  jwks: { keys: signingKeys },
  enabledJWA: { idTokenSigningAlgValues: idTokenAlgs },
  clientAuthMethods: [clientAuth],

  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      client_name: 'Meridian (end-to-end tests)',
      token_endpoint_auth_method: clientAuth,
      id_token_signed_response_alg: idTokenAlgs[0],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [`${appUrl}/auth/sso/callback`],
      post_logout_redirect_uris: [`${appUrl}/login`],
    },
  ],
  responseTypes: ['code'],
  // PKCE with S256 on every authorization request (oidc-provider 8's default too; said here so
  // it does not depend on it).
  pkce: { methods: ['S256'], required: () => true },

  findAccount,
  // Scopes and the claims each one releases; `openid` alone gives just `sub`.
  scopes: ['openid'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // Unless conformant, put the scope's claims (email, email_verified, name) in the ID token
  // itself, not only at the userinfo endpoint as OpenID Connect Core says by default.
  conformIdTokenClaims: conformant,

  // Our own interaction pages (below) instead of oidc-provider's development ones.
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // Meridian is a first-party client: grant it whatever OpenID scopes it asks for without a
  // consent page, so the flow is the sign-in page, then straight back to Meridian.
  loadExistingGrant: autoGrantFirstParty,

  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    userinfo: { enabled: true },
  },
  renderError,

  // Plain http on loopback: oidc-provider marks cookies Secure only on https requests, so none
  // are here. Its default SameSite=None on the session cookie needs Secure in Chromium (it falls
  // back to a second ".legacy" cookie); Lax is enough, as 127.0.0.1:3100 and 127.0.0.1:3200 are
  // the same site. Cookies ignore ports, so Meridian sees these cookies too: distinct names keep
  // them apart from its own.
  cookies: {
    names: { session: 'idp_session', interaction: 'idp_interaction', resume: 'idp_interaction_resume' },
    long: { httpOnly: true, sameSite: 'lax', signed: true },
    short: { httpOnly: true, sameSite: 'lax', signed: true },
    keys: ['meridian-e2e-idp-cookie-signing-key'],
  },

  // Lifetimes in seconds (set, as oidc-provider nags about each default it falls back to).
  ttl: {
    AccessToken: 60 * 60,
    AuthorizationCode: 60,
    IdToken: 60 * 60,
    Interaction: 60 * 60,
    Session: 24 * 60 * 60,
    Grant: 24 * 60 * 60,
  },
};

/** loadExistingGrant: the session's grant for the client, and for Meridian, one made up. */
async function autoGrantFirstParty(ctx) {
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (oidc.client.clientId !== CLIENT_ID) return existing;

  const { accountId } = oidc.account;
  const grant = existing?.accountId === accountId
    ? existing
    : new oidc.provider.Grant({ accountId, clientId: oidc.client.clientId });
  grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
  if (oidc.requestParamClaims.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
  await grant.save();
  return grant;
}

/** The RP-initiated logout confirmation: oidc-provider's page, without the web font. */
async function logoutSource(ctx, form) {
  // `form` is oidc-provider's hidden form (id "op.logoutForm", with its xsrf token); the buttons
  // submit it through their `form` attribute, which needs no JavaScript.
  sendPage(ctx, 200, 'Sign out', `    <h1>Do you want to sign out from ${html(ctx.host)}?</h1>
    ${form}
    <button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
    <button class="secondary" type="submit" form="op.logoutForm">No, stay signed in</button>`);
}

/** Shown after a logout that has no post_logout_redirect_uri to go back to. */
async function postLogoutSuccessSource(ctx) {
  const client = ctx.oidc.client;
  const display = client ? ` from ${client.clientName || client.clientId}` : '';
  sendPage(ctx, 200, 'Signed out', `    <h1>Signed out</h1>
    <p>You have signed out${html(display)}.</p>`);
}

/** oidc-provider's error page, for browsers (API callers get JSON). */
async function renderError(ctx, out) {
  const rows = Object.entries(out).map(([k, v]) => `<pre><strong>${html(k)}</strong>: ${html(v)}</pre>`).join('');
  sendPage(ctx, ctx.status || 500, 'Error', `    <h1>Something went wrong</h1>\n    ${rows}`);
}

const provider = new Provider(issuer, configuration);

// ---------------------------------------------------------------------------------------------
// Interaction routes: /interaction/<uid> shows the page for the pending prompt, and the forms
// post back to /interaction/<uid>/login or /interaction/<uid>/confirm. oidc-provider finds the
// interaction from its cookie; interactionResult() records the outcome and tells where the
// browser resumes (/auth/<uid>), which then redirects back to Meridian.

const INTERACTION = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/;

/** Reads a small application/x-www-form-urlencoded body. */
async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Sends the browser on with a 303 (a POST's result is fetched with GET). */
function seeOther(ctx, location) {
  ctx.status = 303;
  ctx.redirect(location);
}

provider.use(async (ctx, next) => {
  const match = INTERACTION.exec(ctx.path);
  if (!match) return next();
  const [, uid, action] = match;
  const { req, res } = ctx;

  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) {
      throw Object.assign(new Error('this sign-in page belongs to another sign-in attempt'), { status: 400 });
    }
    const { prompt, params, session } = details;
    const client = await provider.Client.find(params.client_id);

    if (ctx.method === 'GET' && !action) {
      if (prompt.name === 'login') {
        return sendPage(ctx, 200, 'Sign-in', signInPage({ uid, client, loginHint: params.login_hint }));
      }
      if (prompt.name === 'consent') {
        return sendPage(ctx, 200, 'Authorize', consentPage({ uid, client, details: prompt.details }));
      }
      throw Object.assign(new Error(`unsupported prompt "${prompt.name}"`), { status: 501 });
    }

    if (ctx.method === 'POST' && action === 'login') {
      const form = await readForm(req);
      const accountId = accountIdFor(form.get('login') ?? '');
      if (!accountId) {
        const error = 'Enter an email address.';
        return sendPage(ctx, 400, 'Sign-in', signInPage({ uid, client, error }));
      }
      log(`signed in ${accountId} (sub ${subjectFor(accountId)})`);
      const result = { login: { accountId } };
      return seeOther(ctx, await provider.interactionResult(req, res, result, { mergeWithLastSubmission: false }));
    }

    if (ctx.method === 'POST' && action === 'confirm') {
      // What oidc-provider's development consent form does: grant what is missing.
      const { details: missing } = prompt;
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const result = { consent: { grantId: await grant.save() } };
      return seeOther(ctx, await provider.interactionResult(req, res, result, { mergeWithLastSubmission: true }));
    }

    if (ctx.method === 'GET' && action === 'abort') {
      const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
      return seeOther(ctx, await provider.interactionResult(req, res, result, { mergeWithLastSubmission: false }));
    }

    ctx.status = 405;
  } catch (err) {
    // E.g. the interaction cookie is missing or expired ("SessionNotFound").
    const status = err.statusCode || err.status || 500;
    const message = err.error_description || err.message;
    fail(`${ctx.method} ${ctx.path}: ${message}`);
    sendPage(ctx, status, 'Error', `    <h1>Something went wrong</h1>
    <p>${html(message)}</p>
    <p>Start again from Meridian's sign-in page.</p>`);
  }
});

// ---------------------------------------------------------------------------------------------
// Logging: one line per failed request oidc-provider reports, and per sign-out.

for (const event of [
  'authorization.error',
  'grant.error',
  'userinfo.error',
  'end_session.error',
  'end_session_confirm.error',
]) {
  provider.on(event, (ctx, err) => {
    const detail = err.error_detail ? ` (${err.error_detail})` : '';
    fail(`${event}: ${err.error || err.message}: ${err.error_description || ''}${detail}`);
  });
}
provider.on('server_error', (ctx, err) => fail(`server error on ${ctx.method} ${ctx.path}: ${err.stack || err}`));
provider.on('end_session.success', () => log('signed out'));

// ---------------------------------------------------------------------------------------------
// Start, and stop cleanly on SIGTERM (Playwright) or SIGINT (Ctrl-C).

const server = provider.listen(port, host, () => {
  log(`identity provider listening on ${issuer}`);
  log(`discovery: ${issuer}/.well-known/openid-configuration`);
  log(`client ${CLIENT_ID} -> ${appUrl}/auth/sso/callback`);
});
server.on('error', (err) => {
  fail(`cannot listen on ${host}:${port}: ${err.message}`);
  process.exit(1);
});

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: shutting down`);
  server.close(() => {
    log('stopped');
    process.exit(0);
  });
  // Browsers keep idle connections open; without this close() would wait for them.
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 2_000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
