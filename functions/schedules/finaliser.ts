// TEMPORARY placeholder from the lead so the embedded platform starts; the pricing engineer replaces it.
export const handler = async (_event: unknown) => ({ finalised: 0 });
