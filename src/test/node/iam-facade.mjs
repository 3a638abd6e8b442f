// IBM's Node SDK core, unmodified, against the token-broker IAM facade: its IamAuthenticator, with `url` pointed at
// the broker and a broker client key as `apikey`, must authenticate requests with a token the broker served.
// Usage: node iam-facade.mjs BROKER_URL CLIENT_KEY_FILE [CREDENTIAL]   (CREDENTIAL defaults to the sandbox's "demo")
// Prints no key and no token.
import { readFileSync } from 'node:fs';
import { IamAuthenticator } from 'ibm-cloud-sdk-core';

const [brokerUrl, keyFile, credential = 'demo'] = process.argv.slice(2);
if (!brokerUrl || !keyFile) {
  console.error('usage: node iam-facade.mjs BROKER_URL CLIENT_KEY_FILE [CREDENTIAL]');
  process.exit(2);
}
const url = `${brokerUrl.replace(/\/$/, '')}/iam/${credential}`;

function fail(message) {
  console.error(`node ibm-cloud-sdk-core check FAILED: ${message}`);
  process.exit(1);
}

async function bearer(authenticator) {
  const request = { headers: {} };
  await authenticator.authenticate(request);
  const header = request.headers.Authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) {
    fail('the authenticator set no Bearer Authorization header');
  }
  return header.substring('Bearer '.length);
}

// 1. A broker client key gets a token, the SDK decodes it (it reads exp/iat from the JWT), and caches it.
const apikey = readFileSync(keyFile, 'utf8').trim();
const sdk = new IamAuthenticator({ apikey, url });
const token = await bearer(sdk);
if (token.split('.').length !== 3) {
  fail('the token is not JWT-shaped');
}
const again = await bearer(sdk);
if (again !== token) {
  fail('the second request did not reuse the cached token');
}

// 2. A real IBM Cloud API key is refused IAM-style (400 BXNIM0415E): the broker never forwards caller keys.
const realLookingKey = 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9f';
try {
  await bearer(new IamAuthenticator({ apikey: realLookingKey, url }));
  fail('a real-looking IBM API key was accepted');
} catch (error) {
  const body = typeof error.body === 'string' ? error.body : JSON.stringify(error.body ?? {});
  if (error.status !== 400 || !body.includes('BXNIM0415E')) {
    fail(`expected 400 BXNIM0415E for an IBM API key, got ${error.status}`);
  }
}

console.log(`node ibm-cloud-sdk-core ${sdkVersion()} IamAuthenticator: got and cached a broker token from ${url}; `
  + 'an IBM API key was refused with 400 BXNIM0415E');

function sdkVersion() {
  const manifest = new URL('./node_modules/ibm-cloud-sdk-core/package.json', import.meta.url);
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}
