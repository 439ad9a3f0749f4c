import { layoutHtml, layoutText, oneLine, type MailContent } from './mail.layout.ts';

/** The data each template needs; the compiler checks every call site. `name` is the greeting, if known. */
export interface MailTemplates {
  'verify-email': { name?: string; token: string; expiresInSeconds: number };
  'password-reset': { name?: string; token: string; expiresInSeconds: number };
  'password-changed': { name?: string; changedAt: Date };
  /** To the new address of a self-service email change: the change waits for this link. */
  'email-change-confirm': { name?: string; token: string; newEmail: string; expiresInSeconds: number };
  /** To the old address when its account asks to move to another one. */
  'email-change-requested': { name?: string; newEmail: string; requestedAt: Date };
  /** To the old address once the account's email has changed (confirmed, or set by an admin). */
  'email-changed': { name?: string; newEmail: string; changedAt: Date; byAdmin: boolean };
  /** To the owner when a password reset (or a change asking for it) revoked the account's API keys. */
  'api-keys-revoked': { name?: string; keyNames: readonly string[]; reason: 'reset' | 'change' };
  welcome: { name?: string };
  'group-invitation': { inviterName: string; groupName: string; groupId: string; invitationId: string };
}

export type MailTemplateName = keyof MailTemplates;

/** A rendered message, ready for `queueMail` once given a recipient. */
export interface RenderedMail {
  readonly template: MailTemplateName;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const PRODUCT = 'Bulwark';

// The single-use token goes in the link and nowhere else (not the subject, not a header).
const builders: { [N in MailTemplateName]: (data: MailTemplates[N], publicUrl: string) => MailContent } = {
  'verify-email': (data, publicUrl) => ({
    subject: `Verify your email address for ${PRODUCT}`,
    greeting: greeting(data.name),
    paragraphs: [
      `Please confirm that this address is yours. The link expires in ${humanDuration(data.expiresInSeconds)}.`,
    ],
    action: { label: 'Verify email address', url: link(publicUrl, '/verify-email', { token: data.token }) },
    footer: 'If you did not create an account, you can ignore this message.',
  }),
  'password-reset': (data, publicUrl) => ({
    subject: `Reset your ${PRODUCT} password`,
    greeting: greeting(data.name),
    paragraphs: [
      `Someone asked to reset the password of your account. The link expires in ${humanDuration(data.expiresInSeconds)} and works once.`,
    ],
    action: {
      label: 'Choose a new password',
      url: link(publicUrl, '/reset-password', { token: data.token }),
    },
    footer: 'If you did not ask for this, ignore this message: your password stays as it is.',
  }),
  'password-changed': (data) => ({
    subject: `Your ${PRODUCT} password was changed`,
    greeting: greeting(data.name),
    paragraphs: [
      `The password of your account was changed on ${utcMinute(data.changedAt)} UTC.`,
      'If you did not make this change, reset your password at once and tell your administrator.',
    ],
  }),
  'email-change-confirm': (data, publicUrl) => ({
    subject: `Confirm your new email address for ${PRODUCT}`,
    greeting: greeting(data.name),
    paragraphs: [
      `Your ${PRODUCT} account asked to use ${oneLine(data.newEmail, 254)} from now on. The change takes effect when you open this link; it expires in ${humanDuration(data.expiresInSeconds)} and works once.`,
    ],
    action: { label: 'Confirm this address', url: link(publicUrl, '/verify-email', { token: data.token }) },
    footer: 'If you did not ask for this, ignore this message: nothing changes.',
  }),
  'email-change-requested': (data) => ({
    subject: `A change of your ${PRODUCT} email address was requested`,
    greeting: greeting(data.name),
    paragraphs: [
      `On ${utcMinute(data.requestedAt)} UTC your account asked to change its email address to ${oneLine(data.newEmail, 254)}. It keeps this address until the new one is confirmed.`,
      'If you did not ask for this, reset your password at once: a reset cancels the change and revokes every sign-in and API key.',
    ],
  }),
  'email-changed': (data) => ({
    subject: `Your ${PRODUCT} email address was changed`,
    greeting: greeting(data.name),
    paragraphs: [
      `On ${utcMinute(data.changedAt)} UTC ${data.byAdmin ? 'an administrator changed' : 'you confirmed a change of'} the email address of your account to ${oneLine(data.newEmail, 254)}. Mail for the account no longer comes here.`,
      'If you did not expect this, tell your administrator at once.',
    ],
  }),
  'api-keys-revoked': (data) => ({
    subject: `Your ${PRODUCT} API keys were revoked`,
    greeting: greeting(data.name),
    paragraphs: [
      `Your password was ${data.reason === 'reset' ? 'reset' : 'changed'}, and with it every API key of your account was revoked, so that a stolen key cannot outlive the new password:`,
      ...keyList(data.keyNames),
      'Create new keys where you still need them.',
    ],
  }),
  welcome: (data, publicUrl) => ({
    subject: `Welcome to ${PRODUCT}`,
    greeting: greeting(data.name),
    paragraphs: [`Your ${PRODUCT} account is ready.`],
    action: { label: `Open ${PRODUCT}`, url: link(publicUrl, '/') },
  }),
  'group-invitation': (data, publicUrl) => ({
    subject: `${oneLine(data.inviterName, 60)} invited you to join ${oneLine(data.groupName, 80)}`,
    greeting: 'Hello,',
    paragraphs: [`${data.inviterName} invited you to join the group “${data.groupName}” on ${PRODUCT}.`],
    action: {
      label: 'See the invitation',
      url: link(
        publicUrl,
        `/groups/${encodeURIComponent(data.groupId)}/invitations/${encodeURIComponent(data.invitationId)}`,
      ),
    },
    footer: 'If you do not want to join, decline the invitation or ignore this message.',
  }),
};

/**
 * Renders a template into subject, text and HTML; every interpolated value is escaped in the HTML.
 * @example renderMail('verify-email', { token, expiresInSeconds: 86_400 }, config.publicUrl)
 */
export function renderMail<N extends MailTemplateName>(
  template: N,
  data: MailTemplates[N],
  publicUrl: string,
): RenderedMail {
  const content = builders[template](data, publicUrl);
  return {
    template,
    subject: oneLine(content.subject, 200),
    text: layoutText(content),
    html: layoutHtml(content),
  };
}

/** `publicUrl` has no trailing slash (config strips it) and may carry a path prefix, so join by hand. */
function link(publicUrl: string, path: string, query: Record<string, string> = {}): string {
  const search = new URLSearchParams(query).toString();
  return `${publicUrl}${path}${search ? `?${search}` : ''}`;
}

const utcMinute = (at: Date) => at.toISOString().slice(0, 16).replace('T', ' ');

/** One paragraph per key name (they are the owner's own words), bounded so that a huge list stays a mail. */
function keyList(names: readonly string[]): string[] {
  const shown = names.slice(0, 50).map((n) => `• ${oneLine(n, 100)}`);
  if (names.length > shown.length) shown.push(`… and ${names.length - shown.length} more.`);
  return shown;
}

function greeting(name: string | undefined): string {
  return name?.trim() ? `Hello ${oneLine(name, 100)},` : 'Hello,';
}

/** "24 hours", "30 minutes", "7 days": coarse on purpose, the exact expiry lives on the server. */
export function humanDuration(seconds: number): string {
  const units: [number, string][] = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (seconds >= size && seconds % size === 0) return plural(seconds / size, unit);
  }
  return seconds >= 60 ? plural(Math.round(seconds / 60), 'minute') : plural(seconds, 'second');
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
