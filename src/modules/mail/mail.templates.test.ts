import { describe, expect, it } from 'vitest';
import { escapeHtml, oneLine } from './mail.layout.ts';
import { humanDuration, renderMail, type MailTemplateName, type MailTemplates } from './mail.templates.ts';

const publicUrl = 'https://id.example.com/app';
const token = 'tok_ABC+/=&x';
const hostile = `<script>alert("x")</script> & 'Bob'`;

const samples: { [N in MailTemplateName]: MailTemplates[N] } = {
  'verify-email': { name: hostile, token, expiresInSeconds: 86_400 },
  'password-reset': { name: hostile, token, expiresInSeconds: 3600 },
  'password-changed': { name: hostile, changedAt: new Date('2026-01-02T03:04:05Z') },
  'email-change-confirm': { name: hostile, token, newEmail: 'new@example.com', expiresInSeconds: 86_400 },
  'email-change-requested': { name: hostile, newEmail: hostile, requestedAt: new Date() },
  'email-changed': { name: hostile, newEmail: hostile, changedAt: new Date(), byAdmin: true },
  'api-keys-revoked': { name: hostile, keyNames: [hostile, 'ci'], reason: 'reset' },
  welcome: { name: hostile },
  'group-invitation': { inviterName: hostile, groupName: hostile, groupId: 'g1', invitationId: 'i/2' },
};
const names = Object.keys(samples) as MailTemplateName[];

describe('renderMail', () => {
  it('builds the verification and reset links from PUBLIC_URL, the token in the link only', () => {
    const verify = renderMail('verify-email', samples['verify-email'], publicUrl);
    const link = `${publicUrl}/verify-email?token=${encodeURIComponent(token)}`;
    expect(verify.text).toContain(`\n${link}\n`);
    expect(verify.html).toContain(`href="${escapeHtml(link)}"`);
    expect(verify.subject).not.toContain(token);
    expect(verify.text).toContain('expires in 1 day');

    const reset = renderMail('password-reset', samples['password-reset'], publicUrl);
    expect(reset.text).toContain(`${publicUrl}/reset-password?token=tok_ABC%2B%2F%3D%26x`);
    expect(reset.text).toContain('expires in 1 hour');
  });

  it('links an invitation to its group and invitation, ids encoded', () => {
    const mail = renderMail('group-invitation', samples['group-invitation'], publicUrl);
    expect(mail.text).toContain(`${publicUrl}/groups/g1/invitations/i%2F2`);
  });

  it.each(names)('%s escapes every interpolated value in the HTML, not in the text', (name) => {
    const mail = renderMail(name, samples[name] as never, publicUrl);
    expect(mail.template).toBe(name);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain(`"x"`);
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Bob&#39;');
    expect(mail.text).toContain(hostile);
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });

  it('keeps a line break a name smuggled in out of the subject', () => {
    const mail = renderMail(
      'group-invitation',
      { inviterName: 'Eve\r\nBcc: all@example.com', groupName: 'G', groupId: 'g', invitationId: 'i' },
      publicUrl,
    );
    expect(mail.subject).toBe('Eve Bcc: all@example.com invited you to join G');
  });
});

describe('helpers', () => {
  it('humanDuration picks the largest whole unit', () => {
    expect(humanDuration(86_400 * 7)).toBe('7 days');
    expect(humanDuration(5400)).toBe('90 minutes');
    expect(humanDuration(60)).toBe('1 minute');
    expect(humanDuration(30)).toBe('30 seconds');
  });

  it('oneLine flattens and truncates', () => {
    expect(oneLine('a\n\tb  c', 10)).toBe('a b c');
    expect(oneLine('abcdefghij', 5)).toBe('abcd…');
  });
});
