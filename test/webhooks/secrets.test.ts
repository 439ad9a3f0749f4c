import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { webhookSecretBox } from '../../src/modules/webhooks/webhooks.secrets.ts';

describe('webhookSecretBox', () => {
  const previous = randomBytes(32);
  const current = randomBytes(32);
  const sealedBefore = webhookSecretBox(previous).seal('whsec_old');

  it('opens a secret sealed under the previous master key while a rotation runs', () => {
    expect(webhookSecretBox(current, previous).open(sealedBefore).toString()).toBe('whsec_old');
  });

  it('seals under the current key only', () => {
    const sealed = webhookSecretBox(current, previous).seal('whsec_new');
    expect(webhookSecretBox(current).open(sealed).toString()).toBe('whsec_new');
    expect(() => webhookSecretBox(previous).open(sealed)).toThrow();
  });

  it('control: without the previous key, the old secret does not open', () => {
    expect(() => webhookSecretBox(current).open(sealedBefore)).toThrow();
  });
});
