/**
 * Question pages as the GOV.UK Design System builds them: a label (or legend) per question, a hint, the error
 * message next to the field and linked to it (aria-describedby), and an error summary at the top whose links
 * move focus to the field.
 */
import { h, type Child } from "./dom";

export interface FieldError {
  id: string; // the input's id
  message: string;
}

interface Common {
  id: string;
  label: string;
  hint?: string;
  value?: string;
  required?: boolean;
}

function describedBy(id: string, hint?: string): string | null {
  return hint ? `${id}-hint` : null;
}

function wrap(id: string, label: Child, hint: string | undefined, control: Child): HTMLElement {
  return h(
    "div",
    { class: "field", "data-field": id },
    label,
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
    control,
  );
}

export interface InputOptions extends Common {
  type?: string;
  autocomplete?: string;
  inputmode?: string;
  width?: "short" | "medium" | "long";
  pattern?: string;
  min?: string;
  max?: string;
  spellcheck?: boolean;
}

export function textInput(o: InputOptions): HTMLElement {
  const input = h("input", {
    id: o.id,
    name: o.id,
    type: o.type ?? "text",
    value: o.value ?? "",
    autocomplete: o.autocomplete,
    inputmode: o.inputmode,
    class: `input ${o.width ?? "long"}`,
    "aria-describedby": describedBy(o.id, o.hint),
    required: o.required,
    min: o.min,
    max: o.max,
    spellcheck: o.spellcheck === false ? "false" : null,
  });
  return wrap(o.id, h("label", { for: o.id, class: "label" }, o.label), o.hint, input);
}

export function textArea(o: Common & { rows?: number }): HTMLElement {
  const area = h("textarea", {
    id: o.id,
    name: o.id,
    rows: o.rows ?? 4,
    class: "input long",
    "aria-describedby": describedBy(o.id, o.hint),
  });
  area.value = o.value ?? "";
  return wrap(o.id, h("label", { for: o.id, class: "label" }, o.label), o.hint, area);
}

export function select(o: Common & { options: Array<[string, string]>; placeholder?: string }): HTMLElement {
  const control = h(
    "select",
    { id: o.id, name: o.id, class: "input medium", "aria-describedby": describedBy(o.id, o.hint), required: o.required },
    o.placeholder !== undefined ? h("option", { value: "" }, o.placeholder) : null,
    o.options.map(([value, text]) => h("option", { value, selected: value === o.value }, text)),
  );
  return wrap(o.id, h("label", { for: o.id, class: "label" }, o.label), o.hint, control);
}

/** Radios or checkboxes in a fieldset; the first control carries `id`, so errors link to it. */
export function choices(
  o: Common & {
    options: Array<[string, string, string?]>; // value, label, hint
    multiple?: boolean;
    values?: string[];
    legendClass?: string;
    onChange?: (value: string) => void;
  },
): HTMLElement {
  const type = o.multiple ? "checkbox" : "radio";
  const selected = new Set(o.values ?? (o.value ? [o.value] : []));
  const items = o.options.map(([value, text, hint], index) => {
    const id = index === 0 ? o.id : `${o.id}-${index + 1}`;
    return h(
      "div",
      { class: `choice ${type}` },
      h("input", {
        id,
        name: o.id,
        type,
        value,
        checked: selected.has(value),
        "aria-describedby": hint ? `${id}-item-hint` : null,
        onchange: () => o.onChange?.(value),
      }),
      h("label", { for: id }, text),
      hint ? h("p", { class: "hint choice-hint", id: `${id}-item-hint` }, hint) : null,
    );
  });
  const fieldset = h(
    "fieldset",
    { class: "fieldset", "aria-describedby": describedBy(o.id, o.hint) },
    h("legend", { class: o.legendClass ?? "legend" }, o.label),
    o.hint ? h("p", { class: "hint", id: `${o.id}-hint` }, o.hint) : null,
    h("div", { class: `choices ${o.multiple && items.length > 6 ? "columns" : ""}` }, items),
  );
  return h("div", { class: "field", "data-field": o.id }, fieldset);
}

export function button(text: string, attrs: Record<string, string | boolean> = {}): HTMLButtonElement {
  return h("button", { type: "submit", class: "button", ...attrs }, text);
}

export function value(form: HTMLFormElement, id: string): string {
  const control = form.elements.namedItem(id);
  if (control instanceof RadioNodeList) return control.value;
  if (control instanceof HTMLInputElement && control.type === "checkbox") return control.checked ? control.value : "";
  if (control instanceof HTMLInputElement || control instanceof HTMLSelectElement || control instanceof HTMLTextAreaElement) {
    return control.value.trim();
  }
  return "";
}

export function checked(form: HTMLFormElement, name: string): string[] {
  return Array.from(form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)).map((i) => i.value);
}

/** Removes the error summary and every field's error. */
export function clearErrors(form: HTMLElement): void {
  form.parentElement?.querySelector(".error-summary")?.remove();
  form.querySelectorAll(".error-message").forEach((e) => e.remove());
  form.querySelectorAll(".field-error").forEach((e) => e.classList.remove("field-error"));
  form.querySelectorAll("[aria-invalid]").forEach((control) => {
    control.removeAttribute("aria-invalid");
    const ids = (control.getAttribute("aria-describedby") ?? "").split(" ").filter((x) => x && !x.endsWith("-error"));
    if (ids.length) control.setAttribute("aria-describedby", ids.join(" "));
    else control.removeAttribute("aria-describedby");
  });
}

/**
 * Shows `errors` next to their fields and in a summary above the form (focused, so it is announced); errors
 * whose field is not on this page are listed in the summary only.
 */
export function showErrors(form: HTMLElement, errors: FieldError[], title = "There is a problem"): void {
  clearErrors(form);
  const links: Child[] = [];
  for (const error of errors) {
    const control = error.id ? (document.getElementById(error.id) as HTMLElement | null) : null;
    const field = control?.closest<HTMLElement>(".field");
    if (control && field) {
      const messageId = `${error.id}-error`;
      const message = h("p", { class: "error-message", id: messageId }, h("span", { class: "visually-hidden" }, "Error: "), error.message);
      const anchor = field.querySelector(".hint:not(.choice-hint)") ?? field.querySelector("label, legend");
      const fieldset = field.querySelector("fieldset");
      if (fieldset) fieldset.querySelector(".choices")?.before(message);
      else if (anchor) anchor.after(message);
      else field.prepend(message);
      field.classList.add("field-error");
      const target = fieldset ?? control;
      if (!fieldset) control.setAttribute("aria-invalid", "true");
      const ids = new Set((target.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean));
      ids.add(messageId);
      target.setAttribute("aria-describedby", Array.from(ids).join(" "));
      links.push(h("li", null, h("a", { href: `#${error.id}`, onclick: focusField(error.id) }, error.message)));
    } else {
      links.push(h("li", null, error.message));
    }
  }
  const summary = h(
    "div",
    { class: "error-summary", role: "alert", tabindex: -1, "aria-labelledby": "error-summary-title" },
    h("h2", { class: "error-summary-title", id: "error-summary-title" }, title),
    h("ul", { class: "error-summary-list" }, links),
  );
  form.before(summary);
  summary.focus();
}

function focusField(id: string): (event: Event) => void {
  return (event: Event) => {
    event.preventDefault();
    const control = document.getElementById(id);
    control?.focus();
    control?.scrollIntoView({ block: "center" });
  };
}

/** A form whose submit handler runs once at a time, with the button disabled while it runs. */
export function form(onSubmit: (form: HTMLFormElement) => Promise<void> | void, ...children: Child[]): HTMLFormElement {
  const element = h("form", { novalidate: true }, ...children);
  let busy = false;
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    const submit = element.querySelector<HTMLButtonElement>("button[type=submit]");
    if (submit) submit.setAttribute("aria-disabled", "true");
    element.setAttribute("aria-busy", "true");
    try {
      await onSubmit(element);
    } finally {
      busy = false;
      submit?.removeAttribute("aria-disabled");
      element.removeAttribute("aria-busy");
    }
  });
  return element;
}
