/**
 * AWS list prices the cost model (test/bench/cost-model.ts) multiplies by, us-east-1, on-demand,
 * no free tier, as published on the pages cited next to each and read on 2026-11-30. Prices are in
 * integer picodollars (1e-12 USD) per unit ($1 per million units is 1_000_000), so no float ever holds money: the smallest price here,
 * a CloudFront byte, is still about 79 of them.
 *
 * When AWS changes a price, change it here with the date; eu-west-2 (London) is a few percent
 * dearer on most lines (Lambda, DynamoDB, API Gateway) and the same on SES and X-Ray.
 */

export const AWS_PRICES_CHECKED_ON = '2026-11-30';
export const AWS_PRICES_REGION = 'us-east-1';

export const AWS_PRICES = {
  lambda: {
    /** https://aws.amazon.com/lambda/pricing/ : $0.20 per 1M requests. */
    requestPico: 200_000,
    /**
     * Same page, Arm (Graviton2), first 7.5 billion GB-s a month: $0.0000133334 per GB-s. Kept per
     * GB-s in picodollars; billed duration is rounded up to the millisecond.
     */
    arm64GbSecondPico: 13_333_400,
  },
  dynamodb: {
    /**
     * https://aws.amazon.com/dynamodb/pricing/on-demand/ : $0.625 per million write request units
     * and $0.125 per million read request units (on-demand prices as cut on 2024-11-01; the AWS
     * News Blog post on on-demand, updated 2025-01-31, states the reduced price). Stream reads by
     * a Lambda trigger are free (same page, "DynamoDB Streams").
     */
    writeRequestUnitPico: 625_000,
    readRequestUnitPico: 125_000,
  },
  apiGatewayWebSocket: {
    /**
     * https://aws.amazon.com/api-gateway/pricing/ (WebSocket APIs): $1.00 per million messages for
     * the first billion, metered in 32 KB increments, both directions; $0.25 per million connection
     * minutes.
     */
    messagePico: 1_000_000,
    messageIncrementBytes: 32 * 1024,
    connectionMinutePico: 250_000,
  },
  apiGatewayHttp: {
    /** Same page (HTTP APIs): $1.00 per million requests for the first 300 million, 512 KB increments. */
    requestPico: 1_000_000,
  },
  ses: {
    /** https://aws.amazon.com/ses/pricing/ : $0.10 per 1,000 outbound emails. */
    emailPico: 100_000_000,
  },
  xray: {
    /** https://aws.amazon.com/xray/pricing/ : $5.00 per million traces recorded. */
    traceRecordedPico: 5_000_000,
  },
  cloudFront: {
    /**
     * https://aws.amazon.com/cloudfront/pricing/ (pay as you go, United States and Europe): $0.0100
     * per 10,000 HTTPS requests; $0.085 per GB out to the internet (first 10 TB); $0.020 per GB out
     * to the origin; CloudFront Functions $0.10 per million invocations.
     */
    httpsRequestPico: 1_000_000,
    toInternetGbPico: 85_000_000_000,
    toOriginGbPico: 20_000_000_000,
    functionInvocationPico: 100_000,
    bytesPerGb: 1024 ** 3,
  },
} as const;
