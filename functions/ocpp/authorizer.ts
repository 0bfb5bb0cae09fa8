/**
 * API Gateway WebSocket $connect REQUEST authorizer: the CloudFront origin header first, then HTTP
 * Basic per charger (OCPP Security Profiles 1/2).
 */

import middy from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { logInvocation } from '../../shared/lambda/logger.js';
import { linkDeps } from '../../shared/lambda/ocpp-link-deps.js';
import { createAuthorizerHandler } from '../../shared/lambda/ocpp-link-handlers.js';
import { originSecrets } from '../../shared/lambda/origin-secrets.js';

export const handler = middy<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>()
  .use(logInvocation())
  .handler(createAuthorizerHandler(linkDeps, originSecrets));
