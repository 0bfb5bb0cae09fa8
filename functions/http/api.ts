/**
 * The HTTP API function: driver pages, the operator console and the operator API (`/api/v1`). Each
 * group of routes is loaded with its composition root on its first request (shared/lambda/http-api.ts):
 * the driver side's over http-driver-deps.ts, the operator side's and the member pages' over
 * http-deps.ts.
 */
import { createSplitHttpApi } from '../../shared/lambda/http-api.js';

export const handler = createSplitHttpApi(
  async () => (await import('../../shared/lambda/http-driver-deps.js')).httpDriverDeps,
  async () => (await import('../../shared/lambda/http-deps.js')).httpDeps,
);
