/** A tiny element builder: `h("p", {class: "hint"}, "text")`. No framework: every page is a form or a list. */

export type Child = Node | string | number | null | undefined | false | Child[];
type Listener = (event: Event) => void;
export type Attrs = Record<string, string | number | boolean | Listener | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") {
      element.addEventListener(name.replace(/^on/, "").toLowerCase(), value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the main region with a new page and moves focus to its heading, as a new page load would. */
export function showPage(title: string, ...children: Child[]): HTMLElement {
  const main = document.getElementById("main") as HTMLElement;
  main.replaceChildren();
  const heading = h("h1", { tabindex: -1 }, title);
  const [first, ...rest] = children;
  const backLink = first instanceof HTMLElement && first.classList.contains("back-link");
  append(main, backLink ? [first, heading, ...rest] : [heading, ...children]);
  document.title = `${title} – Insure`;
  heading.focus();
  window.scrollTo(0, 0);
  return main;
}

export function money(value: { amount: string; currency: string } | null | undefined): string {
  if (!value) return "";
  const amount = Number(value.amount);
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: value.currency }).format(amount);
  } catch {
    return `${value.amount} ${value.currency}`;
  }
}

/** A code as words starting a sentence or standing alone: "Item sold or lost". */
export function humanize(value: string): string {
  const text = value.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A code as words inside a sentence: "item sold or lost". */
export function inWords(value: string): string {
  return value.replace(/_/g, " ").toLowerCase();
}

/** Opens a page of the client by its path without reloading (the router in main.ts listens to popstate). */
export function go(path: string): void {
  history.pushState(null, "", path);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

/** A link to a page of the client: a real link (new tab, copy), followed without a reload. */
export function pageLink(href: string, text: Child, attrs: Attrs = {}): HTMLAnchorElement {
  const link = h("a", { href, ...attrs }, text);
  link.addEventListener("click", (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    go(href);
  });
  return link;
}
