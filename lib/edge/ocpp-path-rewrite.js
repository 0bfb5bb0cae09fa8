// CloudFront Function (runtime cloudfront-js-2.0), viewer-request, in front of the OCPP WebSocket API.
//
// API Gateway WebSocket APIs have no path parameters, yet OCPP-J chargers connect to
// `wss://host/ocpp/{chargerId}`. This function rewrites that path to the stage path with the id as
// a query parameter (`/ocpp/CP1` -> `/ocpp?chargerId=CP1`), which the $connect authorizer and
// handler read. Every other path is refused at the edge so nothing else reaches the origin.
//
// Written for the CloudFront runtime, not Node: no modules, no exports; CloudFront calls the
// top-level `handler`. Unit tests evaluate this file as-is (test/unit/edge/ocpp-path-rewrite.test.ts).
//
// Query string values in the event are handled in their wire (percent-encoded) form: the id is
// decoded once to validate it, then re-encoded with encodeURIComponent, so `CP%201` reaches
// API Gateway as `chargerId=CP%201` and the handler sees `CP 1`.

// Must equal the WebSocket stage name (lib/handlers.ts OCPP_STAGE_NAME); a test pins the two together.
var STAGE_PATH = '/ocpp';
var PREFIX = '/ocpp/';
// Printable ASCII an OCPP-J identity plausibly uses (RFC 3986 unreserved, sub-delims, ':', '@',
// space). '/', '?', '#', '%' and control characters are refused: they would break the path or
// the single-table keys (shared/adapters/dynamodb/keys.ts). 64 leaves room over OCPP 2.0.1's
// 48-character limit.
var CHARGER_ID = /^[A-Za-z0-9\-._~!$&'()*+,;=:@ ]{1,64}$/;

function reject(statusCode, statusDescription) {
  return {
    statusCode: statusCode,
    statusDescription: statusDescription,
    headers: { 'cache-control': { value: 'no-store' } },
  };
}

// biome-ignore lint/correctness/noUnusedVariables: CloudFront invokes the top-level handler by name.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf(PREFIX) !== 0) {
    // `/ocpp` alone is the stage path: a charger must name itself in the path, never by query.
    return uri === STAGE_PATH ? reject(400, 'Bad Request') : reject(403, 'Forbidden');
  }
  var raw = uri.substring(PREFIX.length);
  if (raw.length > 0 && raw.charAt(raw.length - 1) === '/') {
    raw = raw.substring(0, raw.length - 1);
  }
  if (raw.length === 0 || raw.indexOf('/') !== -1) {
    return reject(400, 'Bad Request');
  }
  var chargerId;
  try {
    chargerId = decodeURIComponent(raw);
  } catch (_malformed) {
    return reject(400, 'Bad Request');
  }
  if (!CHARGER_ID.test(chargerId)) {
    return reject(400, 'Bad Request');
  }
  request.uri = STAGE_PATH;
  // Other query parameters pass through untouched; a client-supplied chargerId (in any letter
  // case, once or repeated) never survives next to the one taken from the path.
  var querystring = request.querystring;
  for (var name in querystring) {
    if (name.toLowerCase() === 'chargerid') {
      delete querystring[name];
    }
  }
  querystring.chargerId = { value: encodeURIComponent(chargerId) };
  return request;
}
