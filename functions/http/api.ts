/**
 * The HTTP API function: driver pages, the operator console and the operator API (`/api/v1`). The
 * driver side's deps are built at the first request; the operator side's composition root is
 * loaded with the operator API or the member pages (shared/lambda/http-api.ts).
 */
import { createSplitHttpApi } from '../../shared/lambda/http-api.js';
import { httpDriverDeps } from '../../shared/lambda/http-driver-deps.js';

export const handler = createSplitHttpApi(
  httpDriverDeps,
  async () => (await import('../../shared/lambda/http-deps.js')).httpDeps,
);
