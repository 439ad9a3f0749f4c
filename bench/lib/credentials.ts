import type { Credentials, Fixture } from '../scenarios/scenario.ts';

/**
 * Signs the fixture account in through the running Bulwark as a client would: an access token from the
 * password grant (`POST /v1/auth/token`), then an API key created with it (`POST /v1/api-keys`).
 */
export async function obtainCredentials(bulwarkUrl: string, fixture: Fixture): Promise<Credentials> {
  const { email, password } = fixture.account;
  const tokenResponse = await fetch(`${bulwarkUrl}/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: email, password }).toString(),
  });
  const token = (await tokenResponse.json()) as { access_token?: string };
  if (tokenResponse.status !== 200 || !token.access_token) {
    throw new Error(`POST /v1/auth/token answered ${tokenResponse.status}: ${JSON.stringify(token)}`);
  }
  const keyResponse = await fetch(`${bulwarkUrl}/v1/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token.access_token}` },
    body: JSON.stringify({ name: 'bench' }),
  });
  const key = (await keyResponse.json()) as { key?: string };
  if (keyResponse.status !== 201 || !key.key) {
    throw new Error(`POST /v1/api-keys answered ${keyResponse.status}: ${JSON.stringify(key)}`);
  }
  return { accessToken: token.access_token, apiKey: key.key };
}
