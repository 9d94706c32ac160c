// The small pages the web ID login answers with when it cannot hand the page a login code.

/** Text made safe to put in HTML. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A whole page: `title` (plain text) and `html` (already escaped), with a way back. */
export function loginPage(title: string, html: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)} · super-server</title></head>`,
    `<body><main><h1>${escapeHtml(title)}</h1><p>${html}</p>`,
    '<p><a href="/">Back to the sign-in page</a></p></main></body></html>',
    '',
  ].join('\n');
}
