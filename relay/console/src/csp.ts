/**
 * The CSP nonce the relay put into index.html, and the patch that hands it to every `<style>`
 * element the page creates. antd passes the nonce from its ConfigProvider, but rc-component's
 * scroll locker (Modal, Drawer) and scrollbar measuring create style elements without it, and
 * Chromium blocks those. Only code already running in the page can call `createElement`, so
 * the patch admits nothing that markup injected into the page could add.
 */
export const CSP_NONCE = document.querySelector('meta[name="csp-nonce"]')?.getAttribute('content') ?? undefined;

if (CSP_NONCE !== undefined) {
  const createElement = Document.prototype.createElement;
  Document.prototype.createElement = function (this: Document, tagName: string, options?: ElementCreationOptions) {
    const element = createElement.call(this, tagName, options);
    if (element instanceof HTMLStyleElement) element.nonce = CSP_NONCE;
    return element;
  } as typeof createElement;
}
