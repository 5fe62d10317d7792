/**
 * Back office (admin key): the platform's claims desk (open claims, an adjuster moves one with a note, which the
 * customer sees live), insurers (list and register: a new one joins the list and the tag form at once), tag
 * scanners (register, rotate a secret; the API has no route that lists them), risk identification tags (on a
 * product from `GET /products`).
 */
import { api, config, problemOf, type Config, type Schemas } from "../api/client";
import { h, humanize, showPage } from "../ui/dom";
import { button, choices, clearErrors, form, select, showErrors, textArea, textInput, value, type FieldError } from "../ui/forms";
import { inUtc } from "../ui/time";

type DeskClaim = Schemas["DeskClaim"];
type InsurerSummary = Schemas["InsurerSummary"];
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
let insurers: InsurerSummary[] = []; // as GET /insurers last listed them (the table and the tag form's policies)

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
  insurers = data.insurers;
  const catalog = await api(base).GET("/products");
  const products: Array<[string, string]> = (catalog.data?.products ?? []).map((p) => [p.product, p.title]);
  showPage(
    "Back office",
    h("p", null, h("a", { href: "#", onclick: (e: Event) => (e.preventDefault(), sessionStorage.removeItem(KEY), signIn()) }, "Sign out")),
    h("h2", { id: "claims-title" }, "Open claims at the platform's claims desk"),
    h("div", { id: "claims", "aria-live": "polite" }, h("p", { class: "loading", role: "status" }, "Loading the open claims…")),
    h("h2", { id: "insurers-title" }, "Insurers"),
    h("div", { id: "insurers-list" }, insurersTable()),
    insurerForm(key),
    h("h2", null, "Tag scanners"),
    h("p", { class: "hint" }, "The API has no route that lists scanners: note each scanner's id when you register it, to rotate its secret later."),
    deviceForm(key),
    rotateForm(key),
    h("h2", null, "Risk identification tags"),
    tagForm(key, products),
  );
  await showClaims(key);
}

function insurersTable(): HTMLElement {
  if (!insurers.length) return h("p", null, "No insurers yet.");
  return h(
    "table",
    { "aria-labelledby": "insurers-title", class: "insurer-list" },
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Claims API"), h("th", { scope: "col" }, "Salesperson"))),
    h(
      "tbody",
      null,
      insurers.map((i) =>
        h(
          "tr",
          { "data-insurer": i.insurer_id },
          h("td", null, i.name),
          h("td", null, h("code", { class: "url" }, breakable(i.base_url))),
          h("td", null, i.salesperson.name, h("br"), breakable(i.salesperson.email || i.salesperson.phone || "")),
        ),
      ),
    ),
  );
}

/** A URL or an address that may wrap after its separators (`/ . - ? & = @`) rather than inside a word. */
function breakable(text: string): Array<string | HTMLElement> {
  return text.split(/(?<=[/.\-?&=@])/).flatMap((part, n) => (n ? [h("wbr"), part] : [part]));
}

/** After a registration: the list as the API has it now, in the table and the tag form's policy fields (what was
 * typed there is kept). */
async function refreshInsurers(key: string): Promise<void> {
  const { data } = await admin(key).GET("/insurers");
  if (!data) return;
  insurers = data.insurers;
  document.getElementById("insurers-list")?.replaceChildren(insurersTable());
  const policies = document.getElementById("tag-policies");
  if (!policies) return;
  const typed = new Map(Array.from(policies.querySelectorAll("input")).map((input) => [input.id, input.value]));
  policies.replaceChildren(...policyFields(typed));
}

function policyFields(typed: Map<string, string> = new Map()): HTMLElement[] {
  return insurers.map((i) =>
    textInput({ id: `policy-${i.insurer_id}`, label: `Policy number with ${i.name}`, width: "medium", spellcheck: false, value: typed.get(`policy-${i.insurer_id}`) }),
  );
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
      h("div", null, h("dt", null, "Filed"), h("dd", null, inUtc(claim.filed_at))),
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
        clearErrors(f);
        once("insurer-created", `${data.name} is registered`, [["Insurer id", data.insurer_id], ["Webhook secret", data.webhook_secret]]);
        await refreshInsurers(key);
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
      clearErrors(f);
      once("device-created", "Scanner registered", [["Device id", data.device_id], ["Secret", data.secret]]);
    },
    textInput({ id: "device-name", label: "Scanner name", hint: "For example, Front desk scanner" }),
    button("Register scanner"),
    h("div", { id: "device-created", "aria-live": "polite" }),
  );
}

function rotateForm(key: string): HTMLElement {
  return h(
    "details",
    null,
    h("summary", null, "Rotate a scanner's secret"),
    form(
      async (f) => {
        const deviceId = value(f, "rotate-device-id");
        if (!deviceId) return showErrors(f, [{ id: "rotate-device-id", message: "Enter the scanner's device id" }]);
        const { data, error, response } = await admin(key).POST("/devices/{device_id}/secrets", { params: { path: { device_id: deviceId } } });
        if (!data) return showErrors(f, [{ id: "rotate-device-id", message: response.status === 404 ? "There is no scanner with this id" : (problemOf(error, response).detail ?? problemOf(error, response).title) }]);
        clearErrors(f);
        once("device-rotated", "New secret", [["Device id", data.device_id], ["Secret", data.secret]]);
      },
      h("p", null, "The scanner's previous secret keeps working until the next rotation, so it can be updated without a gap."),
      textInput({ id: "rotate-device-id", label: "Scanner's device id", width: "medium", spellcheck: false }),
      button("Rotate secret"),
      h("div", { id: "device-rotated", "aria-live": "polite" }),
    ),
  );
}

function tagForm(key: string, products: Array<[string, string]>): HTMLElement {
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
      clearErrors(f);
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
    select({ id: "tag-product", label: "Product", options: products, value: products[0]?.[0] }),
    h(
      "fieldset",
      { class: "fieldset field" },
      h("legend", { class: "legend" }, "Policies covering it"),
      h("p", { class: "hint" }, "The policy number with each insurer that covers the object; leave the others empty."),
      h("div", { id: "tag-policies" }, policyFields()),
    ),
    button("Register tag"),
    h("div", { id: "tag-created", "aria-live": "polite" }),
  );
}
