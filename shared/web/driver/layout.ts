/**
 * The driver pages' shell: the operator's branding on top, stylesheets and scripts from /assets
 * (never inline: the pages run under a strict Content-Security-Policy), a skip link for keyboards.
 */
import type { OperatorBranding } from '../../domain/entities.js';
import { escapeHtml, type Raw } from '../html.js';

export interface DriverBrand {
  name: string;
  branding?: OperatorBranding | undefined;
}

/** A logo URL the page may show: https only (the CSP names its origin for img-src). */
export function logoUrlOf(brand: DriverBrand): URL | undefined {
  const raw = brand.branding?.logoUrl;
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

const HEX = /^#[0-9a-f]{6}$/i;

/** WCAG relative luminance of an sRGB colour `#rrggbb`. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

/**
 * The operator's colour as a stylesheet, with the text colour (black or white) that contrasts more
 * with it: one of the two always reaches 4.5:1. Undefined when the operator set no valid colour.
 */
export function brandStylesheet(branding: OperatorBranding | undefined): string | undefined {
  const colour = branding?.primaryColour;
  if (!colour || !HEX.test(colour)) return undefined;
  const l = luminance(colour);
  const ink = contrast(l, 1) >= contrast(l, 0) ? '#ffffff' : '#000000';
  return `:root{--brand:${colour.toLowerCase()};--brand-ink:${ink}}\n`;
}

export function driverShell(opts: {
  title: string;
  brand: DriverBrand;
  body: Raw;
  /** Script URLs in load order (Stripe.js first when the page takes a card). */
  scripts?: readonly string[];
  /** The operator's colours, when it has any. */
  brandCssUrl?: string | undefined;
}): string {
  const logo = logoUrlOf(opts.brand);
  const support = opts.brand.branding;
  const contact = [
    support?.supportEmail
      ? `<a href="mailto:${escapeHtml(support.supportEmail)}">${escapeHtml(support.supportEmail)}</a>`
      : '',
    support?.supportPhone
      ? `<a href="tel:${escapeHtml(support.supportPhone.replace(/[^+0-9]/g, ''))}">${escapeHtml(support.supportPhone)}</a>`
      : '',
  ].filter(Boolean);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(opts.title)}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/app.css"><link rel="stylesheet" href="/assets/driver.css">${
    opts.brandCssUrl ? `<link rel="stylesheet" href="${escapeHtml(opts.brandCssUrl)}">` : ''
  }</head>
<body class="driver"><a class="skip" href="#main">Skip to content</a>
<header class="brand">${logo ? `<img src="${escapeHtml(logo.href)}" alt="" height="32">` : ''}<span class="op">${escapeHtml(opts.brand.name)}</span></header>
<main id="main" tabindex="-1">${opts.body.value}</main>
<footer>${contact.length ? `Help: ${contact.join(' · ')}` : `Operated by ${escapeHtml(opts.brand.name)}`}</footer>
${(opts.scripts ?? []).map((src) => `<script src="${escapeHtml(src)}"></script>`).join('\n')}
</body></html>`;
}
