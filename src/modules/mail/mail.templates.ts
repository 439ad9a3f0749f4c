import { layoutHtml, layoutText, oneLine, type MailContent } from './mail.layout.ts';

/** The data each template needs; the compiler checks every call site. `name` is the greeting, if known. */
export interface MailTemplates {
  'verify-email': { name?: string; token: string; expiresInSeconds: number };
  'password-reset': { name?: string; token: string; expiresInSeconds: number };
  'password-changed': { name?: string; changedAt: Date };
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
      `The password of your account was changed on ${data.changedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
      'If you did not make this change, reset your password at once and tell your administrator.',
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
