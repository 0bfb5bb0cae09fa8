/**
 * The document's two public routes: `GET /api/v1/openapi.json` (the OpenAPI 3.1 document) and
 * `GET /api/v1/docs` (a reference page rendered from the same document on the server, in the
 * pages' own layout and stylesheet: no script and no CDN, which the CSP forbids anyway). Neither
 * needs an API key: the contract is public, the data behind it is not.
 */
import type { Route } from '@middy/http-router';
import { html, page, type Raw, raw } from '../../web/html.js';
import { type HttpEvent, type HttpResult, htmlResponse, json } from '../responses.js';
import { openApiDocument } from './document.js';
import type { Operation } from './registry.js';

type Json = Record<string, unknown>;

export const OPENAPI_PATH = '/api/v1/openapi.json';
export const DOCS_PATH = '/api/v1/docs';

const REF = '#/components/schemas/';

/** A schema in one line: its type, or a link to the named schema it refers to. */
function typeOf(schema: Json | undefined): Raw {
  if (!schema) return html`any`;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.slice(REF.length);
    return html`<a href="#schema-${name}">${name}</a>`;
  }
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options))
      return joinRaw(
        options.map((o) => typeOf(o as Json)),
        ' | ',
      );
  }
  if (schema.type === 'array') return html`${typeOf(schema.items as Json)}[]`;
  const properties = schema.properties as Record<string, Json> | undefined;
  if (schema.type === 'object' && properties) {
    // An unnamed object (a response's envelope) inline, its fields' types linked.
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const fields = Object.entries(properties).map(
      ([name, field]) => html`${name}${required.has(name) ? '' : '?'}: ${typeOf(field)}`,
    );
    return html`{ ${joinRaw(fields, ', ')} }`;
  }
  if (Array.isArray(schema.enum)) return html`${schema.enum.map((v) => JSON.stringify(v)).join(' | ')}`;
  if (schema.const !== undefined) return html`${JSON.stringify(schema.const)}`;
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : String(schema.type ?? 'any');
  const format = typeof schema.format === 'string' ? ` (${schema.format})` : '';
  return html`${type}${format}`;
}

function joinRaw(parts: Raw[], separator: string): Raw {
  return raw(parts.map((p) => p.value).join(separator));
}

/**
 * A description as the page shows it: the document's descriptions mark code with backticks, as
 * Markdown does; those spans become <code>, everything else is escaped text.
 */
function prose(text: unknown): Raw {
  const parts = String(text ?? '').split('`');
  return joinRaw(
    parts.map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : html`${part}`)),
    '',
  );
}

/** An object schema as a table of its fields; anything else as its one-line type. */
function fieldsOf(schema: Json | undefined): Raw {
  const properties = schema?.properties as Record<string, Json> | undefined;
  if (!properties) return html`<p><code>${typeOf(schema)}</code></p>`;
  const required = new Set((schema?.required as string[] | undefined) ?? []);
  const rows = Object.entries(properties).map(
    ([name, field]) =>
      html`<tr><td><code>${name}</code>${required.has(name) ? '' : html` <span class="muted">optional</span>`}</td><td><code>${typeOf(field)}</code></td><td>${prose(field.description)}</td></tr>`,
  );
  return html`<table><thead><tr><th>field</th><th>type</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

function operationHtml(path: string, method: string, op: Json): Raw {
  const parameters = (op.parameters as Json[] | undefined) ?? [];
  const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
  const responses = Object.entries(op.responses as Record<string, Json>);
  return html`<div class="card" id="op-${String(op.operationId)}">
<h3><span class="pill method-${method}">${method.toUpperCase()}</span> <code>${path}</code></h3>
<p>${String(op.summary ?? '')}</p>${op.description ? html`<p class="muted">${prose(op.description)}</p>` : ''}
${
  parameters.length
    ? html`<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>type</th><th></th></tr></thead><tbody>${parameters.map(
        (p) =>
          html`<tr><td><code>${String(p.name)}</code>${p.required ? '' : html` <span class="muted">optional</span>`}</td><td>${String(p.in)}</td><td><code>${typeOf(p.schema as Json)}</code></td><td>${prose(p.description)}</td></tr>`,
      )}</tbody></table>`
    : ''
}
${body ? html`<h4>Body</h4>${fieldsOf(body['application/json']?.schema as Json)}` : ''}
<h4>Responses</h4><table><tbody>${responses.map(([status, r]) => {
    const content = Object.entries((r.content as Record<string, Json> | undefined) ?? {});
    return html`<tr><td><code>${status}</code></td><td>${prose(r.description)}</td><td>${content.map(
      ([type, c]) => html`<code>${type}</code> <code>${typeOf(c.schema as Json)}</code>`,
    )}</td></tr>`;
  })}</tbody></table>
</div>`;
}

/** The reference page of a document: operations grouped by tag, then every named schema. */
export function docsPage(doc: Json): string {
  const byTag = new Map<string, Raw[]>();
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = ((op.tags as string[] | undefined) ?? ['Other'])[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(path, method, op)]);
    }
  }
  const schemas = Object.entries(((doc.components as Json).schemas ?? {}) as Record<string, Json>);
  const info = doc.info as { title: string; version: string; description?: string };
  const body = html`<div class="card"><h1>${info.title}</h1><p>${prose(info.description)}</p>
<p>Machine-readable: <a href="${OPENAPI_PATH}"><code>${OPENAPI_PATH}</code></a> (OpenAPI ${String(doc.openapi)}).</p>
<p>${[...byTag.keys()].map((tag) => html`<a href="#tag-${tag.replaceAll(' ', '-')}">${tag}</a> · `)}<a href="#schemas">Schemas</a></p></div>
${[...byTag.entries()].map(([tag, ops]) => html`<h2 id="tag-${tag.replaceAll(' ', '-')}">${tag}</h2>${ops}`)}
<h2 id="schemas">Schemas</h2>
${schemas.map(
  ([name, schema]) =>
    html`<div class="card" id="schema-${name}"><h3>${name}</h3>${schema.description ? html`<p>${prose(schema.description)}</p>` : ''}${fieldsOf(schema)}</div>`,
)}`;
  return page({ title: `${info.title} · reference`, subtitle: 'Operator API reference', body });
}

/** The two routes over the operations; the document is built once, on first request. */
export function docsRoutes(operations: readonly Operation[]): Route<HttpEvent, HttpResult>[] {
  let doc: Json | undefined;
  const documentOf = () => {
    doc ??= openApiDocument(operations);
    return doc;
  };
  return [
    { method: 'GET', path: OPENAPI_PATH, handler: async () => json(documentOf()) },
    { method: 'GET', path: DOCS_PATH, handler: async () => htmlResponse(docsPage(documentOf())) },
  ];
}
