// The mail module's public surface: the plugin, queueing a mail inside a transaction, the templates, and
// the outbox printer of `bulwark mail outbox`.
export { mailModule } from './mail.module.ts';
export { queueMail, MAIL_SEND_QUEUE, type MailToQueue } from './mail.service.ts';
export { renderMail, humanDuration, type MailTemplateName, type RenderedMail } from './mail.templates.ts';
export { printOutbox } from './mail.cli.ts';
