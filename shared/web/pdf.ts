/**
 * The house PDF page (pdfkit, standard Helvetica, A4) shared by the detailed payout invoice and the
 * fleet statement: a document collecting its bytes, and a label/amount row with the amount
 * right-aligned on the label's line.
 *
 * pdfkit (with fontkit and brotli, most of a bundle that holds it) is imported when the first
 * document is made, not when this module loads: the fleet statements function imports its renderer
 * statically and would otherwise compile pdfkit at every cold start, before it knows whether any
 * fleet has a statement due (npm run bench:cold measured 3.1× the floor with it at init).
 */

export interface HousePdf {
  doc: PDFKit.PDFDocument;
  /** One line: the label on the left (indented or bold if asked), the value right-aligned. */
  row: (label: string, value: string, options?: { bold?: boolean; indent?: number }) => void;
  /** Ends the document; resolves with its bytes. */
  finish: () => Promise<Buffer>;
}

export async function housePdf(info: { title: string; author: string }): Promise<HousePdf> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({ size: 'A4', margin: 48, info: { Title: info.title, Author: info.author } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const row: HousePdf['row'] = (label, value, options = {}) => {
    const y = doc.y;
    doc.font(options.bold ? 'Helvetica-Bold' : 'Helvetica');
    doc.text(label, left + (options.indent ?? 0), y, { width: width * 0.7 });
    const after = doc.y;
    doc.text(value, left, y, { width, align: 'right' });
    doc.y = Math.max(after, doc.y);
    doc.x = left;
  };
  return {
    doc,
    row,
    finish: () => {
      doc.end();
      return done;
    },
  };
}
