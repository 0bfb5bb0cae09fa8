// Placeholder so the CDK app synthesizes (lib/handlers.ts lists this entry); the real handler replaces it.
export const handler = async () => ({});
