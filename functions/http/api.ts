/**
 * The HTTP API function: driver pages, the operator console and the operator API (`/api/v1`).
 */
import { createHttpApi } from '../../shared/lambda/http-api.js';
import { httpDeps } from '../../shared/lambda/http-deps.js';

export const handler = createHttpApi(httpDeps);
