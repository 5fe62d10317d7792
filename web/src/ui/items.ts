/**
 * An insured item's questions, rendered from the product's `input_schema` (a JSON schema published by the API):
 * radios for short lists, a select for long ones, checkboxes for lists of options, Yes/No for booleans, a money
 * field for amounts. Used when buying and when adding an item to a policy.
 */
import { h, humanize, money } from "./dom";
import { day } from "./time";
import { choices, checked, select, textArea, textInput, value } from "./forms";

export type JsonSchema = {
  type?: string;
  enum?: string[];
  const?: string;
  title?: string;
  description?: string;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  format?: string;
  maxLength?: number;
};

const MULTI_LINE = new Set(["description"]);
const ACRONYMS: Record<string, string> = { ups: "UPS (uninterruptible power supply)" };

function plain(schema: JsonSchema): JsonSchema {
  const options = (schema.anyOf ?? []).filter((s) => s.type !== "null");
  if (options.length === 1) return { ...options[0], title: schema.title, description: schema.description };
  if (options.length > 1) return { ...schema, type: "money" };
  if (schema.title === "Value" && schema.type === "string") return { ...schema, type: "money" }; // a decimal string
  return schema;
}

/** The item's question names in the order they are asked: required first, lists and long text last. */
function questions(schema: JsonSchema): string[] {
  const props = schema.properties ?? {};
  const required = schema.required ?? [];
  const rank = (n: string) => {
    const s = plain(props[n]);
    if (required.includes(n)) return 0;
    if (s.type === "array") return 2;
    return MULTI_LINE.has(n) || n.includes("serial") ? 3 : 1;
  };
  const names = Object.keys(props).sort((x, y) => rank(x) - rank(y) || (required.indexOf(x) - required.indexOf(y)));
  return names.filter((n) => props[n].const === undefined && n !== "coverage");
}

function question(s: JsonSchema, name: string): string {
  return humanize((s.title ?? name).toLowerCase());
}

/** The item's questions, required first; `prefix` names the inputs (`item-brand`), so a page can hold several. */
export function itemFields(schema: JsonSchema, current: Record<string, unknown>, prefix = "item"): HTMLElement[] {
  const props = schema.properties ?? {};
  const required = schema.required ?? [];
  const fields: HTMLElement[] = [];
  for (const name of questions(schema)) {
    const s = plain(props[name]);
    const id = `${prefix}-${name}`;
    const optional = required.includes(name) ? "" : " (optional)";
    const label = `${question(s, name)}${optional}`;
    const hint = s.description;
    const now = current[name];
    if (s.enum) {
      const options = s.enum.map((v): [string, string] => [v, humanize(v)]);
      fields.push(
        s.enum.length <= 4
          ? choices({ id, label, hint, options, value: String(now ?? "") })
          : select({ id, label, hint, options, placeholder: "Choose one", value: String(now ?? "") }),
      );
    } else if (s.type === "array" && s.items?.enum) {
      const options = s.items.enum.map((v): [string, string] => [v, ACRONYMS[v] ?? humanize(v)]);
      fields.push(choices({ id, label, hint, options, multiple: true, values: (now as string[]) ?? [] }));
    } else if (s.type === "boolean") {
      fields.push(choices({ id, label, hint, options: [["true", "Yes"], ["false", "No"]], value: now === undefined ? "" : String(now) }));
    } else if (s.type === "money") {
      fields.push(
        h(
          "div",
          { class: "money" },
          textInput({ id, label: `${label} in US dollars`, hint, inputmode: "decimal", width: "short", value: String(now ?? ""), spellcheck: false }),
        ),
      );
    } else if (s.type === "integer" || s.type === "number") {
      fields.push(textInput({ id, label, hint, inputmode: "numeric", width: "short", value: String(now ?? "") }));
    } else if (s.format === "date") {
      fields.push(textInput({ id, label, hint, type: "date", width: "medium", value: String(now ?? "") }));
    } else if (MULTI_LINE.has(name)) {
      fields.push(textArea({ id, label, hint, value: String(now ?? "") }));
    } else {
      fields.push(textInput({ id, label, hint, value: String(now ?? ""), width: (s.maxLength ?? 100) <= 40 ? "medium" : "long" }));
    }
  }
  return fields;
}

/** The answers to `itemFields`, typed as the schema says (numbers, booleans, lists); blank answers left out. */
export function readItem(f: HTMLFormElement, schema: JsonSchema, prefix = "item"): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(schema.properties ?? {})) {
    if (raw.const !== undefined) {
      item[name] = raw.const;
      continue;
    }
    const s = plain(raw);
    const id = `${prefix}-${name}`;
    if (s.type === "array") {
      const values = checked(f, id);
      if (values.length) item[name] = values;
      continue;
    }
    const text = value(f, id);
    if (!text) continue;
    if (s.type === "boolean") item[name] = text === "true";
    else if (s.type === "integer") item[name] = /^-?\d+$/.test(text) ? Number(text) : text;
    else if (s.type === "number") item[name] = Number.isNaN(Number(text)) ? text : Number(text);
    else if (s.type === "money") item[name] = text.replace(/[$,\s]/g, "");
    else item[name] = text;
  }
  return item;
}

/** The item's answers in words, in the order they were asked, as [question, answer] (for "Check your answers"):
 * choices as their labels, money in dollars, dates in words; unanswered questions left out. */
export function itemAnswers(schema: JsonSchema, item: Record<string, unknown>): Array<[string, string]> {
  const props = schema.properties ?? {};
  return questions(schema)
    .filter((name) => item[name] !== undefined && item[name] !== "")
    .map((name) => {
      const s = plain(props[name]);
      const v = item[name];
      const text = Array.isArray(v)
        ? v.map((x) => ACRONYMS[String(x)] ?? humanize(String(x))).join(", ")
        : typeof v === "boolean"
          ? v ? "Yes" : "No"
          : s.type === "money"
            ? money({ amount: String(v), currency: "USD" })
            : s.format === "date"
              ? day(String(v))
              : s.enum
                ? humanize(String(v))
                : String(v);
      return [question(s, name), text];
    });
}

/** An item in words, for lists and summaries: "Portable, Dell XPS 13 (2025), $1,500.00". */
export function describeItem(item: Record<string, unknown>): string {
  const kind = typeof item.kind === "string" ? humanize(item.kind) : humanize(String(item.coverage ?? "item"));
  const name = [item.brand, item.model].filter((x) => typeof x === "string" && x).join(" ");
  const year = item.purchase_year ? ` (${item.purchase_year})` : "";
  return name ? `${kind}, ${name}${year}` : `${kind}${year}`;
}
