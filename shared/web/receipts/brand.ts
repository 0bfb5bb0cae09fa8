/**
 * The operator's branding as receipts use it: checked (a colour that is a colour, a logo that is an
 * http(s) URL) and made readable (text and link colours chosen for contrast, WCAG).
 */

/** The operator's look and contact details, as they appear on every receipt. */
export interface OperatorBranding {
  name: string;
  /** An https (or http) image URL; anything else is left out. Receipts read fine without it. */
  logoUrl?: string;
  /** "#RRGGBB"; anything else falls back to the platform's colour. */
  primaryColour?: string;
  supportEmail?: string;
  supportPhone?: string;
}

/** Branding after checks: safe to put in an attribute or a style. */
export interface Brand {
  name: string;
  logoUrl: string | null;
  /** Header and button background, "#rrggbb". */
  colour: string;
  /** Text on `colour`, chosen for contrast. */
  onColour: string;
  /** Link colour on white: the brand colour if it is dark enough to read, else a neutral blue. */
  linkColour: string;
  supportEmail: string | null;
  supportPhone: string | null;
}

const DEFAULT_COLOUR = '#0f766e';
const NEUTRAL_LINK = '#1d4ed8';
const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;

/** WCAG relative luminance of "#rrggbb" (colour maths, not money: floats are fine here). */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

export function brandOf(operator: OperatorBranding): Brand {
  const colour = (
    operator.primaryColour && HEX_COLOUR.test(operator.primaryColour)
      ? operator.primaryColour
      : DEFAULT_COLOUR
  ).toLowerCase();
  const l = luminance(colour);
  const onWhite = contrast(l, 1);
  const logo = operator.logoUrl?.trim();
  return {
    name: operator.name,
    logoUrl: logo && /^https?:\/\//i.test(logo) ? logo : null,
    colour,
    onColour: onWhite >= contrast(l, luminance('#111827')) ? '#ffffff' : '#111827',
    linkColour: onWhite >= 4.5 ? colour : NEUTRAL_LINK,
    supportEmail: operator.supportEmail?.trim() || null,
    supportPhone: operator.supportPhone?.trim() || null,
  };
}
