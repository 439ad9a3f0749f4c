// Every table of the application, one file each. drizzle-kit reads this file to generate migrations.
export * from './jobs.ts';
export * from './accounts.ts';
export * from './sessions.ts';
export * from './api-keys.ts';
export * from './signing-keys.ts';
export * from './account-tokens.ts';
export * from './mail.ts';
export * from './identities.ts';
export * from './models.ts';
export * from './certificate-authorities.ts';
export * from './certificates.ts';
export * from './animals.ts';
export * from './images.ts';
export * from './webhooks.ts';
export * from './audit.ts';
export * from './items.ts';
export * from './feedback.ts';
