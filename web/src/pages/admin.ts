/**
 * Back office (admin key): the platform's claims desk (open claims, an adjuster moves one with a note, which the
 * customer sees live), insurers (list and register), tag scanners, risk identification tags.
 */
import { api, config, problemOf, type Config, type Schemas } from "../api/client";
import { h, humanize, showPage, when } from "../ui/dom";
import { button, choices, form, select, showErrors, textArea, textInput, value, type FieldError } from "../ui/forms";

type DeskClaim = Schemas["DeskClaim"];
type DeskStatus = DeskClaim["status"];

// The moves an adjuster may make (as the claims desk allows them: received → assessing → approved | denied → paid → closed).
const NEXT: Record<DeskStatus, DeskStatus[]> = {
  received: ["assessing"],
  assessing: ["approved", "denied"],
  approved: ["paid"],
  denied: ["closed"],
  paid: ["closed"],
  closed: [],
};

const KEY = "insure.admin-key";
let base: Config;

export async function adminPage(): Promise<void> {
  base = await config();
  const key = sessionStorage.getItem(KEY);
  if (key) return backOffice(key);
  signIn();
}

function signIn(errors: FieldError[] = []): void {
  const page = form(
    async (f) => {
      const key = value(f, "admin-key");
      if (!key) return showErrors(f, [{ id: "admin-key", message: "Enter the admin key" }]);
      const { error, response } = await admin(key).GET("/insurers");
      if (error) return showErrors(f, [{ id: "admin-key", message: response.status === 401 ? "This admin key is not valid" : problemOf(error, response).title }]);
      sessionStorage.setItem(KEY, key);
      await backOffice(key);
    },
    textInput({ id: "admin-key", label: "Admin key", hint: "`make run` prints it (or set ADMIN_API_KEY).", type: "password", autocomplete: "current-password" }),
    button("Sign in"),
  );
  showPage("Back office", page);
  if (errors.length) showErrors(page, errors);
}

function admin(key: string) {
  return api(base, key);
}

async function backOffice(key: string): Promise<void> {
  const { data, error, response } = await admin(key).GET("/insurers");
  if (!data) {
    sessionStorage.removeItem(KEY);
    return signIn([{ id: "admin-key", message: response.status === 401 ? "Sign in again" : problemOf(error, response).title }]);
  }
  const insurers = data.insurers;
  showPage(
    "Back office",
    h("p", null, h("a", { href: "#", onclick: (e: Event) => (e.preventDefault(), sessionStorage.removeItem(KEY), signIn()) }, "Sign out")),
    h("h2", { id: "claims-title" }, "Open claims at the platform's claims desk"),
    h("div", { id: "claims", "aria-live": "polite" }, h("p", { class: "loading", role: "status" }, "Loading the open claims…")),
    h("h2", { id: "insurers-title" }, "Insurers"),
    insurers.length
      ? h(
          "table",
          { "aria-labelledby": "insurers-title" },
          h("thead", null, h("tr", null, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Claims API"), h("th", { scope: "col" }, "Salesperson"))),
          h(
            "tbody",
            null,
            insurers.map((i) =>
              h("tr", null, h("td", null, i.name), h("td", null, i.base_url), h("td", null, [i.salesperson.name, i.salesperson.email || i.salesperson.phone].filter(Boolean).join(", "))),
            ),
          ),
        )
      : h("p", null, "No insurers yet."),
    insurerForm(key),
    h("h2", null, "Tag scanners"),
    deviceForm(key),
    h("h2", null, "Risk identification tags"),
    tagForm(key, insurers),
  );
  await showClaims(key);
}

async function showClaims(key: string, notice = ""): Promise<void> {
  const region = document.getElementById("claims");
  if (!region) return;
  const { data, error, response } = await admin(key).GET("/claims", {});
  if (!data) {
    region.replaceChildren(h("p", null, problemOf(error, response).detail ?? "The claims could not be read."));
    return;
  }
  region.replaceChildren(
    notice ? h("div", { class: "panel", role: "status" }, h("p", null, notice)) : "",
    data.claims.length
      ? h("ul", { class: "cards" }, data.claims.map((c, n) => claimCard(key, c, n)))
      : h("p", null, "No open claims."),
  );
}

function claimCard(key: string, claim: DeskClaim, n: number): HTMLElement {
  const moves = NEXT[claim.status];
  const insured = claim.insured && typeof claim.insured.name === "string" ? claim.insured.name : "";
  const object = claim.object && typeof claim.object.description === "string" ? claim.object.description : "";
  const history = claim.history ?? [];
  const latest = history.length ? history[history.length - 1] : null;
  return h(
    "li",
    { class: "card", "data-claim": claim.claim_reference, "data-status": claim.status },
    h("h3", null, `Claim ${claim.claim_reference}`),
    h(
      "dl",
      { class: "facts" },
      h("div", null, h("dt", null, "Status"), h("dd", null, h("strong", { class: "status" }, humanize(claim.status)))),
      h("div", null, h("dt", null, "What happened"), h("dd", null, claim.event_type === "unknown" ? "Not said by the reporter yet" : humanize(claim.event_type))),
      h("div", null, h("dt", null, "Policy"), h("dd", null, claim.policy_number)),
      insured ? h("div", null, h("dt", null, "Insured"), h("dd", null, insured)) : null,
      object ? h("div", null, h("dt", null, "Object"), h("dd", null, object)) : null,
      h("div", null, h("dt", null, "Filed"), h("dd", null, when(claim.filed_at))),
      latest?.note ? h("div", null, h("dt", null, "Last note"), h("dd", null, latest.note)) : null,
    ),
    moves.length
      ? form(
          async (f) => {
            const status = value(f, `claim-${n}-status`) as DeskStatus;
            const note = value(f, `claim-${n}-note`);
            const found: FieldError[] = [];
            if (!status) found.push({ id: `claim-${n}-status`, message: "Select the claim's new status" });
            if (!note) found.push({ id: `claim-${n}-note`, message: "Enter a note: the customer sees it" });
            if (found.length) return showErrors(f, found);
            const { data, error, response } = await admin(key).POST("/claims/{claim_reference}/status", {
              params: { path: { claim_reference: claim.claim_reference } },
              body: { status, note },
            });
            if (!data) return showErrors(f, problemErrors(error, response, { status: `claim-${n}-status`, note: `claim-${n}-note` }));
            await showClaims(key, `Claim ${data.claim_reference} is now ${humanize(data.status).toLowerCase()}.`);
          },
          choices({ id: `claim-${n}-status`, label: "Move it to", options: moves.map((m) => [m, humanize(m)] as [string, string]) }),
          textArea({ id: `claim-${n}-note`, label: "Note", hint: "Why: the customer sees it with the new status.", rows: 2 }),
          button("Move claim"),
        )
      : null,
  );
}

function once(id: string, title: string, rows: Array<[string, string]>): HTMLElement {
  const region = document.getElementById(id) as HTMLElement;
  region.replaceChildren(
    h(
      "div",
      { class: "panel" },
      h("h3", null, title),
      rows.map(([k, v]) => h("p", null, h("strong", null, `${k}: `), h("span", { class: "secret" }, v))),
      h("p", { class: "hint" }, "Copy it now: it is shown only once."),
    ),
  );
  return region;
}

function problemErrors(error: unknown, response: Response, ids: Record<string, string>): FieldError[] {
  const problem = problemOf(error, response);
  const errors = (problem.errors ?? []).map((e) => ({ id: ids[e.field] ?? "", message: e.message }));
  return errors.length ? errors : [{ id: "", message: problem.detail ?? problem.title }];
}

function insurerForm(key: string): HTMLElement {
  return h(
    "details",
    null,
    h("summary", null, "Register an insurer"),
    form(
      async (f) => {
        const body = {
          name: value(f, "insurer-name"),
          base_url: value(f, "insurer-url"),
          salesperson: { name: value(f, "sales-name"), email: value(f, "sales-email"), phone: value(f, "sales-phone") },
        };
        const { data, error, response } = await admin(key).POST("/insurers", { body: body as Schemas["RegisterInsurer"] });
        if (!data) {
          const ids = { name: "insurer-name", base_url: "insurer-url", "salesperson.name": "sales-name", "salesperson.email": "sales-email", "salesperson.phone": "sales-phone", salesperson: "sales-email" };
          return showErrors(f, problemErrors(error, response, ids));
        }
        once("insurer-created", `${data.name} is registered`, [["Insurer id", data.insurer_id], ["Webhook secret", data.webhook_secret]]);
      },
      textInput({ id: "insurer-name", label: "Name" }),
      textInput({ id: "insurer-url", label: "Claims API base URL", type: "url", hint: "For example, https://claims.insurer.example/v1", spellcheck: false }),
      textInput({ id: "sales-name", label: "Salesperson's name" }),
      textInput({ id: "sales-email", label: "Salesperson's email", type: "email", spellcheck: false }),
      textInput({ id: "sales-phone", label: "Salesperson's phone", type: "tel" }),
      button("Register insurer"),
      h("div", { id: "insurer-created", "aria-live": "polite" }),
    ),
  );
}

function deviceForm(key: string): HTMLElement {
  return form(
    async (f) => {
      const { data, error, response } = await admin(key).POST("/devices", { body: { name: value(f, "device-name") || null } });
      if (!data) return showErrors(f, problemErrors(error, response, { name: "device-name" }));
      once("device-created", "Scanner registered", [["Device id", data.device_id], ["Secret", data.secret]]);
    },
    textInput({ id: "device-name", label: "Scanner name", hint: "For example, Front desk scanner" }),
    button("Register scanner"),
    h("div", { id: "device-created", "aria-live": "polite" }),
  );
}

function tagForm(key: string, insurers: Schemas["InsurerSummary"][]): HTMLElement {
  const products: Array<[string, string]> = ["computer", "property", "casualty", "disability", "accidental_death", "major_medical"].map((p) => [p, p.replace(/_/g, " ")]);
  return form(
    async (f) => {
      const chosen = insurers.filter((i) => value(f, `policy-${i.insurer_id}`));
      const found: FieldError[] = [];
      if (!value(f, "tag-id")) found.push({ id: "tag-id", message: "Enter the tag's id" });
      if (!value(f, "object-description")) found.push({ id: "object-description", message: "Describe the insured object" });
      if (!value(f, "customer-name")) found.push({ id: "customer-name", message: "Enter the customer's name" });
      if (!chosen.length && insurers.length) found.push({ id: `policy-${insurers[0].insurer_id}`, message: "Enter at least one policy number" });
      if (found.length) return showErrors(f, found);
      const tagId = value(f, "tag-id");
      const body: Schemas["RegisterTag"] = {
        tag_id: tagId,
        kind: value(f, "tag-kind") as Schemas["RegisterTag"]["kind"],
        object: { description: value(f, "object-description") },
        customer: {
          name: value(f, "customer-name"),
          phone: value(f, "customer-phone") || null,
          email: value(f, "customer-email") || null,
        },
        policies: chosen.map((i) => ({ insurer_id: i.insurer_id, policy_number: value(f, `policy-${i.insurer_id}`), product: value(f, "tag-product") })),
      };
      const { data, error, response } = await admin(key).POST("/tags", { body });
      if (!data) return showErrors(f, problemErrors(error, response, { tag_id: "tag-id", "object.description": "object-description", "customer.name": "customer-name", "customer.phone": "customer-phone", "customer.email": "customer-email" }));
      const region = document.getElementById("tag-created") as HTMLElement;
      const url = `${window.location.origin}/t/${encodeURIComponent(data.tag_id)}`;
      region.replaceChildren(h("div", { class: "panel" }, h("h3", null, `Tag ${data.tag_id} is registered`), h("p", null, "Its QR code opens ", h("a", { href: url }, url))));
    },
    textInput({ id: "tag-id", label: "Tag id", width: "medium", spellcheck: false }),
    choices({ id: "tag-kind", label: "Kind of tag", options: [["qr", "QR code"], ["barcode", "Barcode"], ["rfid", "RFID"]], value: "qr" }),
    textInput({ id: "object-description", label: "Insured object", hint: "For example, Dell XPS 13 laptop" }),
    textInput({ id: "customer-name", label: "Customer's name" }),
    textInput({ id: "customer-phone", label: "Customer's phone", type: "tel" }),
    textInput({ id: "customer-email", label: "Customer's email", type: "email", spellcheck: false }),
    select({ id: "tag-product", label: "Product", options: products, value: "computer" }),
    h(
      "fieldset",
      { class: "fieldset field" },
      h("legend", { class: "legend" }, "Policies covering it"),
      h("p", { class: "hint" }, "The policy number with each insurer that covers the object; leave the others empty."),
      insurers.map((i) => textInput({ id: `policy-${i.insurer_id}`, label: `Policy number with ${i.name}`, width: "medium", spellcheck: false })),
    ),
    button("Register tag"),
    h("div", { id: "tag-created", "aria-live": "polite" }),
  );
}
