/** An XML element: a name and either text or child elements (repeated names allowed). */
export type XmlElement = [name: string, content: string | XmlElement[]];

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_, code: string) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&amp;/g, '&');
}

/** Renders a document with the XML declaration OSS sends. */
export function renderXmlDocument(root: XmlElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderElement(root, '')}\n`;
}

function renderElement([name, content]: XmlElement, indent: string): string {
  if (typeof content === 'string') return `${indent}<${name}>${escapeXml(content)}</${name}>`;
  if (content.length === 0) return `${indent}<${name}/>`;
  const children = content.map((child) => renderElement(child, `${indent}  `)).join('\n');
  return `${indent}<${name}>\n${children}\n${indent}</${name}>`;
}

/**
 * Returns the text of the first element at `path` (each step searched inside the previous
 * one), or `undefined` when absent. Enough for the flat request bodies of the CNAME API; it
 * is no general XML parser.
 */
export function readXmlText(xml: string, ...path: string[]): string | undefined {
  let scope = xml;
  for (const name of path) {
    const element = new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}\\s*>)`).exec(scope);
    if (element === null) return undefined;
    scope = element[1] ?? '';
  }
  return unescapeXml(scope.replace(/^<!\[CDATA\[([\s\S]*)\]\]>$/, '$1'));
}
