import type { Credentials, Fixture } from '../scenarios/scenario.ts';

/**
 * Signs the fixture account in through the running Bulwark as a client would: an access token from the
 * password grant (`POST /v1/auth/token`), then an API key created with it (`POST /v1/api-keys`), and with
 * `certificate` one certificate issued to it (`POST /v1/certificates`, ec-p256) for scenarios that read one.
 */
export async function obtainCredentials(
  bulwarkUrl: string,
  fixture: Fixture,
  options: { certificate?: boolean } = {},
): Promise<Credentials> {
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
  if (!options.certificate) return { accessToken: token.access_token, apiKey: key.key };
  const certificateResponse = await fetch(`${bulwarkUrl}/v1/certificates`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token.access_token}` },
    body: JSON.stringify({ subject: { common_name: 'read.bulwark.bench' }, key_algorithm: 'ec-p256' }),
  });
  const certificate = (await certificateResponse.json()) as {
    id?: string;
    certificate_pem?: string;
    chain_pem?: string;
  };
  if (
    certificateResponse.status !== 201 ||
    !certificate.id ||
    !certificate.certificate_pem ||
    !certificate.chain_pem
  ) {
    throw new Error(`POST /v1/certificates answered ${certificateResponse.status}`);
  }
  return {
    accessToken: token.access_token,
    apiKey: key.key,
    certificate: { id: certificate.id, pem: certificate.certificate_pem, chainPem: certificate.chain_pem },
  };
}
