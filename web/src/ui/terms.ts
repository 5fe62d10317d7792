/** Reading a terms document before "I accept": the text as the server wrote it and its SHA-256, which the
 * acceptance sends back so the platform knows exactly what was read, and that text shown as readable paragraphs. */
import { conditions } from "../../../data/wording/common.json";
import { h } from "./dom";
import type { FieldError } from "./forms";
import { sha256Hex } from "./hash";

export interface Terms {
  text: string;
  sha256: string;
}

/** The terms at `url`, read with `token`; the HTTP status when they could not be read. */
export async function readTerms(url: string | URL, token: string): Promise<Terms | { status: number }> {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) return { status: response.status };
  const text = await response.text();
  return { text, sha256: await sha256Hex(text) };
}

/** The error shown when the terms' hash no longer matches the offer's (they changed while being read). */
export const TERMS_CHANGED: FieldError = { id: "", message: "The terms changed while you were reading. Reload the page to read them again." };

/** A part of a terms document: its title block, a paragraph (`lead` a condition's run-in title), or a list. */
export type Block =
  | { kind: "title"; title: string; lines: string[] }
  | { kind: "paragraph"; lead: string; text: string }
  | { kind: "list"; ordered: boolean; start: number; items: string[] };

const MARKER = /^(\d+)\.\s+|^[-•*]\s+/;
const TITLES = conditions.map((c) => `${c.title}. `);

/**
 * The blocks of a terms document as the platform writes it (`insure.applications.terms`): a title block (the title,
 * then one fact a line), then blocks separated by blank lines and hard-wrapped at a fixed width. A block whose first
 * line starts with "1. " or "- " is a list (an item per marker, its wrapped lines joined); any other block is a
 * paragraph, its lines joined, led by the condition's title when it is one of the policy's conditions.
 */
export function termsBlocks(text: string): Block[] {
  const blocks = text.replace(/\r\n?/g, "\n").trim().split(/\n[ \t]*\n/);
  return blocks.map((block, index): Block => {
    const lines = block.split("\n").map((line) => line.trim()).filter(Boolean);
    if (index === 0) return { kind: "title", title: lines[0] ?? "", lines: lines.slice(1) };
    const first = MARKER.exec(lines[0] ?? "");
    if (first) {
      const items: string[] = [];
      for (const line of lines) {
        if (MARKER.test(line)) items.push(line.replace(MARKER, ""));
        else items[items.length - 1] += ` ${line}`;
      }
      return { kind: "list", ordered: Boolean(first[1]), start: Number(first[1] ?? 1), items };
    }
    const joined = lines.join(" ");
    const lead = TITLES.find((t) => joined.startsWith(t)) ?? "";
    return { kind: "paragraph", lead: lead.trim(), text: joined.slice(lead.length) };
  });
}

/** The terms in a scrollable, focusable region, as headed paragraphs and lists that reflow to the page's width. */
export function termsBox(text: string, label: string): HTMLElement {
  return h(
    "div",
    { class: "terms", tabindex: 0, role: "region", "aria-label": label },
    termsBlocks(text).map((b) => {
      if (b.kind === "title") return [h("h2", null, b.title), b.lines.length ? h("p", { class: "hint" }, b.lines.map((l, i) => [i ? h("br") : null, l])) : null];
      if (b.kind === "list") return h(b.ordered ? "ol" : "ul", { class: "list", start: b.ordered && b.start !== 1 ? b.start : null }, b.items.map((i) => h("li", null, i)));
      return h("p", null, b.lead ? [h("strong", null, b.lead), " "] : null, b.text);
    }),
  );
}
