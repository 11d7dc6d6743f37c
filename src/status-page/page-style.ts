import { createHash } from "node:crypto";

/** The page's one stylesheet, inline; the CSP allows exactly this text by its hash. */
export const PAGE_CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.2em;margin:1.6em 0 .3em;border-top:1px solid #ddd;padding-top:.8em}h3{font-size:1em;margin:1em 0 .2em}
table{border-collapse:collapse;margin:.3em 0}td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}th{color:#666;font-weight:600}
.chart{width:100%;height:auto;display:block}.ok{color:#2a8a2a}.bad{color:#c62828;font-weight:600}.muted{color:#777}
.legend{font-size:12px;color:#555}.blue{color:#1f6fd0}.orange{color:#d08a00}code{font-size:12px}
form{max-width:320px;margin:4em auto}input{font:inherit;padding:6px;width:100%;box-sizing:border-box;margin:.3em 0}`;

const CSS_HASH = `'sha256-${createHash("sha256").update(PAGE_CSS).digest("base64")}'`;

/** Nothing loads but this stylesheet; no script, no frame, forms post only here. */
export const CSP = `default-src 'none'; style-src ${CSS_HASH}; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

/** Pure: an HTML document around a body; the page refreshes itself once a minute (no script). */
export function documentHtml(title: string, body: string, refreshS?: number): string {
  const refresh = refreshS ? `<meta http-equiv="refresh" content="${refreshS}">` : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${refresh}<title>${title}</title><style>${PAGE_CSS}</style></head><body>${body}</body></html>\n`;
}
