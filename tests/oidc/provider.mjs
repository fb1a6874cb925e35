// A real OpenID provider for the single sign-on tests: `oidc-provider` (certified), on
// loopback, with its own login page. Started by the tests:
//
//   node tests/oidc/provider.mjs USERS_FILE [ID_TOKEN_TTL_SECONDS] [PORT]
//
// It prints `listening <issuer>` once ready. It signs with an RSA key made at start, so two
// runs on the same port are the same issuer with different keys (a token from one fails the
// other's keys). USERS_FILE is JSON read at every sign-in, so a test
// can change someone's groups between two sign-ins:
//   { "ana": { "password": "…", "name": "Ana", "groups": ["york"], "amr": ["pwd", "otp"] } }
// The client `countersign-desktop` is a native public client (PKCE, no secret, loopback
// redirect on any port, as RFC 8252 asks of providers).
import http from "node:http";
import { readFileSync } from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";

const [usersFile, idTokenTtl = "3600", port = "0"] = process.argv.slice(2);
const users = () => JSON.parse(readFileSync(usersFile, "utf8"));

const server = http.createServer();
await new Promise((ready) => server.listen(Number(port), "127.0.0.1", ready));
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signing = { ...privateKey.export({ format: "jwk" }), use: "sig", alg: "RS256" };
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "countersign-desktop",
      application_type: "native",
      token_endpoint_auth_method: "none",
      redirect_uris: ["http://127.0.0.1/callback"],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  jwks: { keys: [signing] },
  pkce: { required: () => true },
  scopes: ["openid", "profile", "groups"],
  claims: {
    amr: null,
    acr: null,
    auth_time: null,
    iss: null,
    sid: null,
    // As Entra ID and Okta do, every ID token says how the person authenticated.
    openid: ["sub", "amr", "auth_time"],
    profile: ["preferred_username", "name"],
    groups: ["groups"],
  },
  conformIdTokenClaims: false,
  ttl: { IdToken: Number(idTokenTtl) },
  features: { devInteractions: { enabled: false } },
  cookies: { keys: ["countersign test provider cookie key"] },
  async findAccount(_ctx, id) {
    const user = users()[id];
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, name: user.name ?? id, groups: user.groups ?? [] };
      },
    };
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
});

const page = (uid, error = "") => `<!doctype html><title>Sign in</title>
<form method="post" action="/interaction/${uid}/login">
${error ? `<p role="alert">${error}</p>` : ""}
<label>User <input name="login" autocomplete="username"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button></form>`;

async function form(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (action === undefined) {
    res.writeHead(200, { "content-type": "text/html" }).end(page(uid));
    return;
  }
  const data = await form(req);
  const login = data.get("login") ?? "";
  const user = users()[login];
  if (!user || user.password !== data.get("password")) {
    res.writeHead(200, { "content-type": "text/html" }).end(page(uid, "Wrong user or password"));
    return;
  }
  const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
  grant.addOIDCScope("openid profile groups");
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: login, amr: user.amr ?? ["pwd"] }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

const callback = provider.callback();
server.on("request", (req, res) => {
  const match = /^\/interaction\/([^/?]+)(?:\/(login))?/.exec(req.url ?? "");
  if (!match) return callback(req, res);
  interaction(req, res, match[1], match[2]).catch((e) => {
    res.writeHead(400, { "content-type": "text/plain" }).end(String(e.message ?? e));
  });
});
console.log(`listening ${issuer}`);
