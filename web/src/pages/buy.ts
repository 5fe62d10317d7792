/**
 * Buy: product and state, an instant quote, the application one group of questions per page, the decision with
 * its reasons, the terms to read and accept, the card (tokenized by the card processor, never sent to the API),
 * and the issued policy with its document.
 */
import { api, config, newKey, problemOf, saveFile, type Config, type Problem, type Schemas } from "../api/client";
import { h, humanize, inWords, money, showPage, type Child } from "../ui/dom";
import { addressLine, stateName } from "../ui/places";
import { day, inUtc } from "../ui/time";
import {
  button,
  choices,
  clearErrors,
  form,
  select,
  showErrors,
  textInput,
  value,
  type FieldError,
} from "../ui/forms";
import { readTerms, termsBox, TERMS_CHANGED } from "../ui/terms";
import { CARD_NOTE, cardFields, readCard, tokenize, type CardToken } from "../ui/card";
import { itemAnswers, itemFields, readItem, type JsonSchema } from "../ui/items";

type Product = Schemas["ProductSummary"];
type Application = Schemas["ApplicationView"];

const AGE_RATED = new Set(["disability", "accidental_death", "major_medical"]);
interface Answers {
  product: string;
  state: string;
  item: Record<string, unknown>;
  quoteFacts: { date_of_birth?: string; occupation?: string };
  applicant: Record<string, string>;
  address: Record<string, string>;
}

interface Flow {
  config: Config;
  products: Product[];
  answers: Answers;
  quote?: Schemas["QuoteResponse"];
  application?: { id: string; token: string };
  current?: Application;
}

let flow: Flow;

export async function buyPage(): Promise<void> {
  const base = await config();
  const { data, error, response } = await api(base).GET("/products");
  if (!data) return failure(problemOf(error, response));
  flow = {
    config: base,
    // Personal cover with one kind of item; the bundle (several item kinds) and business-only products are sold
    // through the API for now.
    products: data.products.filter((p) => p.applicant_types.includes("personal") && (p.input_schema as JsonSchema).properties),
    answers: { product: "", state: "", item: {}, quoteFacts: {}, applicant: {}, address: {} },
  };
  startStep();
}

function product(): Product {
  return flow.products.find((p) => p.product === flow.answers.product) ?? flow.products[0];
}

function back(text: string, to: () => void): HTMLElement {
  return h("a", { href: "#", class: "back-link", onclick: (e: Event) => (e.preventDefault(), to()) }, text);
}

function failure(problem: Problem): void {
  showPage(
    "Sorry, there is a problem with the service",
    h("p", null, problem.detail ?? problem.title),
    h("p", null, h("a", { href: "/" }, "Start again")),
  );
}

// ---- 1. product and state -------------------------------------------------------------------------------------
function startStep(errors: FieldError[] = []): void {
  const a = flow.answers;
  const states = (code: string) =>
    (flow.products.find((p) => p.product === code)?.approved_states ?? [])
      .map((s): [string, string] => [s, stateName(s)])
      .sort((a, b) => a[1].localeCompare(b[1], "en")); // by name, as a person looks for theirs
  const stateField = select({
    id: "state",
    label: "Which state do you live in?",
    hint: "The product must be approved in your state.",
    options: states(a.product || flow.products[0].product),
    placeholder: "Choose your state",
    value: a.state,
  });
  const productField = choices({
    id: "product",
    label: "What do you want to insure?",
    options: flow.products.map((p) => [p.product, p.title, p.description]),
    value: a.product,
    onChange: (code) => {
      const control = stateField.querySelector("select") as HTMLSelectElement;
      const keep = control.value;
      control.replaceChildren(
        h("option", { value: "" }, "Choose your state"),
        ...states(code).map(([v, t]) => h("option", { value: v, selected: v === keep }, t)),
      );
    },
  });
  const page = form(
    (f) => {
      const chosen = value(f, "product");
      const state = value(f, "state");
      const found: FieldError[] = [];
      if (!chosen) found.push({ id: "product", message: "Select what you want to insure" });
      if (!state) found.push({ id: "state", message: "Select the state you live in" });
      if (found.length) return showErrors(f, found);
      if (chosen !== a.product) a.item = {};
      a.product = chosen;
      a.state = state;
      itemStep();
    },
    productField,
    stateField,
    button("Continue"),
  );
  showPage("Get an instant quote", h("p", { class: "lead" }, "Pick a product and your state. It takes about five minutes."), page);
  if (errors.length) showErrors(page, errors);
  if (!performance.getEntriesByName("quote-form-ready").length) performance.mark("quote-form-ready"); // make bench
}

// ---- 2. the item, and the instant quote --------------------------------------------------------------------------
function itemStep(errors: FieldError[] = []): void {
  const a = flow.answers;
  const p = product();
  const schema = p.input_schema as JsonSchema;
  const ageRated = p.coverages.some((c) => AGE_RATED.has(c));
  const limits = p.limits;
  const page = form(
    async (f) => {
      a.item = readItem(f, schema);
      a.quoteFacts = ageRated
        ? { date_of_birth: value(f, "quote-date_of_birth") || undefined, occupation: value(f, "quote-occupation") || undefined }
        : {};
      clearErrors(f);
      const { data, error, response } = await api(flow.config).POST("/quotes", {
        body: {
          product: a.product as Product["product"],
          state: a.state,
          applicant_type: "personal",
          items: [a.item as Schemas["ComputerItem"]],
          date_of_birth: a.quoteFacts.date_of_birth ?? null,
          occupation: a.quoteFacts.occupation ?? null,
        },
      });
      if (!data) return problemOnPage(f, problemOf(error, response), "item");
      flow.quote = data;
      quoteShown(f, data);
    },
    itemFields(schema, a.item),
    ageRated
      ? [
          textInput({ id: "quote-date_of_birth", label: "Date of birth", hint: "For example, 1985-12-10", type: "date", width: "medium", value: a.quoteFacts.date_of_birth }),
          textInput({ id: "quote-occupation", label: "Occupation (optional)", value: a.quoteFacts.occupation }),
        ]
      : null,
    button("Get my quote"),
  );
  showPage(
    `About what you want to insure`,
    back("Back", startStep),
    h("p", { class: "lead" }, `${p.title} in ${stateName(a.state)}. We cover up to ${money(limits.max_item_value)} for one item.`),
    page,
    h("div", { id: "quote", "aria-live": "polite" }),
  );
  if (errors.length) showErrors(page, errors);
}

function quoteShown(f: HTMLFormElement, quote: Schemas["QuoteResponse"]): void {
  const region = document.getElementById("quote") as HTMLElement;
  region.replaceChildren(
    h(
      "section",
      { class: "panel quote", "aria-labelledby": "quote-title" },
      h("h2", { id: "quote-title" }, "Your instant quote"),
      h("p", { class: "premium" }, money(quote.premium), h("span", null, " a year")),
      quote.reasons.length
        ? h("ul", { class: "list" }, quote.reasons.map((r) => h("li", null, r.sentence)))
        : h("p", null, "No rate factors applied."),
      h("p", { class: "hint" }, `This quote holds until ${inUtc(quote.expires_at)}. The final price is set when you apply.`),
      h("button", { type: "button", class: "button", onclick: () => aboutStep() }, "Apply for this cover"),
    ),
  );
  f.querySelector<HTMLButtonElement>("button[type=submit]")!.textContent = "Update my quote";
  (region.querySelector("h2") as HTMLElement).scrollIntoView({ block: "nearest" });
}

// ---- 3-5. about you, contact, address -----------------------------------------------------------------------------
function aboutStep(errors: FieldError[] = []): void {
  const a = flow.answers.applicant;
  const facts = flow.answers.quoteFacts;
  const page = form(
    (f) => {
      for (const k of ["first_name", "last_name", "date_of_birth", "occupation"]) a[k] = value(f, `applicant-${k}`);
      const found = missing(f, [
        ["applicant-first_name", "Enter your first name"],
        ["applicant-last_name", "Enter your last name"],
        ["applicant-date_of_birth", "Enter your date of birth"],
        ["applicant-occupation", "Enter your occupation"],
      ]);
      if (found.length) return showErrors(f, found);
      contactStep();
    },
    textInput({ id: "applicant-first_name", label: "First name", autocomplete: "given-name", value: a.first_name, width: "medium", spellcheck: false }),
    textInput({ id: "applicant-last_name", label: "Last name", autocomplete: "family-name", value: a.last_name, width: "medium", spellcheck: false }),
    textInput({ id: "applicant-date_of_birth", label: "Date of birth", hint: "For example, 1985-12-10", type: "date", autocomplete: "bday", width: "medium", value: a.date_of_birth ?? facts.date_of_birth }),
    textInput({ id: "applicant-occupation", label: "Occupation", autocomplete: "organization-title", value: a.occupation ?? facts.occupation, width: "medium" }),
    button("Continue"),
  );
  showPage("About you", back("Back", () => itemStep()), page);
  if (errors.length) showErrors(page, errors);
}

function contactStep(errors: FieldError[] = []): void {
  const a = flow.answers.applicant;
  const page = form(
    (f) => {
      a.email = value(f, "applicant-email");
      a.phone = value(f, "applicant-phone");
      const found = missing(f, [
        ["applicant-email", "Enter your email address"],
        ["applicant-phone", "Enter your phone number"],
      ]);
      if (found.length) return showErrors(f, found);
      addressStep();
    },
    textInput({ id: "applicant-email", label: "Email address", hint: "We send your policy documents here.", type: "email", autocomplete: "email", value: a.email, spellcheck: false }),
    textInput({ id: "applicant-phone", label: "Phone number", hint: "For example, +1 212 555 0100", type: "tel", autocomplete: "tel", value: a.phone, width: "medium" }),
    button("Continue"),
  );
  showPage("How can we contact you?", back("Back", () => aboutStep()), page);
  if (errors.length) showErrors(page, errors);
}

function addressStep(errors: FieldError[] = []): void {
  const a = flow.answers.address;
  const page = form(
    (f) => {
      for (const k of ["line1", "line2", "city", "zip"]) a[k] = value(f, `address-${k}`);
      const found = missing(f, [
        ["address-line1", "Enter the first line of your address"],
        ["address-city", "Enter your town or city"],
        ["address-zip", "Enter your ZIP code"],
      ]);
      if (found.length) return showErrors(f, found);
      checkStep();
    },
    textInput({ id: "address-line1", label: "Address line 1", autocomplete: "address-line1", value: a.line1 }),
    textInput({ id: "address-line2", label: "Address line 2 (optional)", autocomplete: "address-line2", value: a.line2 }),
    textInput({ id: "address-city", label: "Town or city", autocomplete: "address-level2", value: a.city, width: "medium" }),
    h("p", { class: "field" }, h("span", { class: "label" }, "State"), ` ${stateName(flow.answers.state)}`),
    textInput({ id: "address-zip", label: "ZIP code", autocomplete: "postal-code", value: a.zip, width: "short", inputmode: "numeric" }),
    button("Continue"),
  );
  showPage("What is your address?", back("Back", () => contactStep()), page);
  if (errors.length) showErrors(page, errors);
}

function missing(f: HTMLFormElement, checks: Array<[string, string]>): FieldError[] {
  return checks.filter(([id]) => !value(f, id)).map(([id, message]) => ({ id, message }));
}

// ---- 6. check your answers, submit --------------------------------------------------------------------------------
function applicationBody(): Schemas["ApplicationRequest"] {
  const a = flow.answers;
  const address = { line1: a.address.line1, city: a.address.city, state: a.state, zip: a.address.zip, line2: a.address.line2 || null };
  return {
    product: a.product as Product["product"],
    state: a.state,
    applicant_type: "personal",
    applicant: {
      first_name: a.applicant.first_name,
      last_name: a.applicant.last_name,
      date_of_birth: a.applicant.date_of_birth,
      email: a.applicant.email,
      phone: a.applicant.phone,
      occupation: a.applicant.occupation,
      address,
    },
    items: [a.item as Schemas["ComputerItem"]],
    quote_id: flow.quote?.quote_id ?? null,
  };
}

function checkStep(errors: FieldError[] = []): void {
  const a = flow.answers;
  const rows: Array<[string, string, () => void]> = [
    ["Product", `${product().title} in ${stateName(a.state)}`, () => startStep()],
    ...itemAnswers(product().input_schema as JsonSchema, a.item).map(([k, v]): [string, string, () => void] => [k, v, () => itemStep()]),
    ["Name", `${a.applicant.first_name} ${a.applicant.last_name}`, () => aboutStep()],
    ["Date of birth", day(a.applicant.date_of_birth), () => aboutStep()],
    ["Occupation", a.applicant.occupation, () => aboutStep()],
    ["Email", a.applicant.email, () => contactStep()],
    ["Phone", a.applicant.phone, () => contactStep()],
    ["Address", addressLine({ ...a.address, state: a.state }), () => addressStep()],
  ];
  const list = h(
    "dl",
    { class: "summary-list" },
    rows.map(([k, v, change]) =>
      h(
        "div",
        { class: "summary-row" },
        h("dt", null, k),
        h("dd", null, v),
        h("dd", { class: "summary-action" }, h("a", { href: "#", onclick: (e: Event) => (e.preventDefault(), change()) }, "Change", h("span", { class: "visually-hidden" }, ` ${k.toLowerCase()}`))),
      ),
    ),
  );
  const page = form(async (f) => submitApplication(f), button("Submit application"));
  showPage("Check your answers", back("Back", () => addressStep()), list, h("p", null, "By submitting you confirm the answers are true to the best of your knowledge."), page);
  if (errors.length) showErrors(page, errors);
}

async function submitApplication(f: HTMLFormElement): Promise<void> {
  const body = applicationBody();
  if (!flow.application) {
    const { data, error, response } = await api(flow.config).POST("/applications", { body });
    if (!data) return problemOnPage(f, problemOf(error, response), "check");
    flow.application = { id: data.application_id, token: data.session_token };
  } else {
    const { data, error, response } = await client().PATCH("/applications/{application_id}", {
      params: { path: { application_id: flow.application.id } },
      body: { applicant: body.applicant, items: body.items, state: body.state },
    });
    if (!data) return problemOnPage(f, problemOf(error, response), "check");
  }
  showPage("We are checking your application", h("p", { role: "status" }, "This usually takes a few seconds."));
  const submitted = await client().POST("/applications/{application_id}/submit", {
    params: { path: { application_id: flow.application.id } },
  });
  if (!submitted.data) return failure(problemOf(submitted.error, submitted.response));
  const settled = await until(submitted.data, (s) => s !== "underwriting" && s !== "draft");
  decisionStep(settled);
}

function client() {
  return api(flow.config, flow.application?.token);
}

async function until(first: Application, done: (status: Application["status"]) => boolean): Promise<Application> {
  let current = first;
  for (let i = 0; i < 120 && !done(current.status); i++) {
    await new Promise((r) => setTimeout(r, 500));
    const { data } = await client().GET("/applications/{application_id}", {
      params: { path: { application_id: flow.application!.id } },
    });
    if (data) current = data;
  }
  flow.current = current;
  return current;
}

/** Field errors go to the page that asks that question; anything else is shown on the current page. */
const FIELD_PAGES: Array<[RegExp, (e: FieldError[]) => void]> = [
  [/^item-|^quote-/, (e) => itemStep(e)],
  [/^applicant-(first_name|last_name|date_of_birth|occupation)$/, (e) => aboutStep(e)],
  [/^applicant-(email|phone)$/, (e) => contactStep(e)],
  [/^address-/, (e) => addressStep(e)],
  [/^(state|product)$/, (e) => startStep(e)],
];

export function fieldId(path: string): string {
  const parts = path.replace(/\[(\d+)\]/g, ".$1").split(".").filter(Boolean);
  if (parts[0] === "items") return parts[2] ? `item-${parts[2]}` : ""; // a whole item: the summary only
  if (parts[0] === "applicant" && parts[1] === "address") return `address-${parts[2] ?? "line1"}`;
  if (parts[0] === "applicant") return `applicant-${parts[1] ?? "first_name"}`;
  if (parts[0] === "date_of_birth" || parts[0] === "occupation") return `quote-${parts[0]}`;
  if (parts[0] === "card") return `card-${(parts[1] ?? "number").replace("_", "-")}`;
  if (parts[0] === "payment_token") return "card-number";
  return parts[0] ?? "";
}

function problemOnPage(f: HTMLFormElement, problem: Problem, page: string): void {
  const errors = (problem.errors ?? []).map((e) => ({ id: fieldId(e.field), message: e.message }));
  if (!errors.length) return showErrors(f, [{ id: "", message: problem.detail ?? problem.title }]);
  const here = errors.filter((e) => document.getElementById(e.id));
  if (here.length === errors.length || page === "item") return showErrors(f, errors);
  const target = FIELD_PAGES.find(([pattern]) => errors.some((e) => pattern.test(e.id)));
  if (target) target[1](errors);
  else showErrors(f, errors);
}

// ---- 7. the decision ----------------------------------------------------------------------------------------------
function decisionStep(application: Application): void {
  const decision = application.decision;
  if (application.status === "declined") {
    showPage(
      "We cannot offer you cover",
      h("p", { class: "lead" }, "The application was declined for these reasons:"),
      h("ul", { class: "list reasons" }, (decision?.reasons ?? []).map((r) => h("li", null, r.sentence))),
      h("p", null, "If an answer was wrong, you can change it and apply again."),
      h("button", { type: "button", class: "button", onclick: () => checkStep() }, "Change your answers"),
    );
    return;
  }
  if (application.status !== "offered" || !application.offer) {
    return failure({ title: "Unexpected status", status: 0, detail: `The application is ${inWords(application.status)}.` });
  }
  const offer = application.offer;
  showPage(
    "You can be covered",
    h("div", { class: "panel offer" }, h("p", null, "Your premium"), h("p", { class: "premium" }, money(offer.premium), h("span", null, " a year"))),
    decision?.reasons.length ? [h("h2", null, "How we worked it out"), h("ul", { class: "list", id: "offer-reasons" }, decision.reasons.map((r) => h("li", null, r.sentence)))] : null,
    h("p", null, `This offer holds until ${inUtc(offer.expires_at)}.`),
    h("button", { type: "button", class: "button", onclick: () => termsStep(offer) }, "Read the terms"),
  );
}

// ---- 8. terms ------------------------------------------------------------------------------------------------------
async function termsStep(offer: Schemas["OfferView"]): Promise<void> {
  showPage("Read your policy terms", h("p", { role: "status" }, "Loading the terms…"));
  const terms = await readTerms(offer.terms_url, flow.application!.token);
  if ("status" in terms) return failure({ title: "The terms could not be loaded", status: terms.status });
  const { text, sha256: shown } = terms;
  const page = form(async (f) => {
    if (shown !== offer.terms_sha256) {
      return showErrors(f, [TERMS_CHANGED]);
    }
    const { error, response: answer } = await client().POST("/applications/{application_id}/accept", {
      params: { path: { application_id: flow.application!.id } },
      body: { offer_id: offer.offer_id, terms_sha256: shown },
    });
    if (error) return showErrors(f, [{ id: "", message: problemOf(error, answer).detail ?? "The offer could not be accepted." }]);
    paymentStep();
  }, button("I accept"));
  showPage(
    "Read your policy terms",
    termsBox(text, "Policy terms"),
    h("p", null, "By selecting “I accept” you agree to these terms and sign them electronically."),
    page,
  );
}

// ---- 9. payment ----------------------------------------------------------------------------------------------------
type Plan = Schemas["PaymentPlanView"];
const PLAN_WORDS: Record<Plan["plan"], string> = { annual: "once a year", quarterly: "every 3 months", monthly: "every month" };
let chosenPlan: Plan["plan"] = "annual";

function planOption(plan: Plan): [string, string, string] {
  const first = plan.schedule[0]?.amount ?? plan.total;
  const label =
    plan.installments === 1
      ? `Pay ${money(plan.total)} now, ${PLAN_WORDS[plan.plan]}`
      : `${plan.installments} payments of about ${money(first)}, ${PLAN_WORDS[plan.plan]}`;
  const fee = Number(plan.fee.amount) > 0 ? `Includes a fee of ${money(plan.fee)}; ${money(plan.total)} in all.` : "No fee.";
  return [plan.plan, label, `${fee} The first payment is taken today.`];
}

function firstPayment(plans: Plan[], chosen: string, fallback: string): string {
  const plan = plans.find((p) => p.plan === chosen);
  return plan ? money(plan.schedule[0]?.amount ?? plan.total) : fallback;
}

function paymentStep(errors: FieldError[] = [], note?: string): void {
  const offer = flow.current?.offer;
  const plans = offer?.payment_plans ?? [];
  if (!plans.some((p) => p.plan === chosenPlan)) chosenPlan = "annual";
  const pay_ = button(`Pay ${firstPayment(plans, chosenPlan, money(offer?.premium))}`);
  const page = form(
    async (f) => {
      const { card, errors: found } = readCard(f);
      if (found.length) return showErrors(f, found);
      const token = await tokenize(flow.config.card_tokenization_url, f, card, flow.application!.id);
      if (!token) return;
      await pay(f, token);
    },
    plans.length > 1
      ? choices({
          id: "payment-plan",
          label: "How do you want to pay?",
          options: plans.map(planOption),
          value: chosenPlan,
          onChange: (chosen) => {
            chosenPlan = chosen as Plan["plan"];
            pay_.textContent = `Pay ${firstPayment(plans, chosen, money(offer?.premium))}`;
          },
        })
      : null,
    cardFields(),
    pay_,
  );
  showPage("Pay by card", note ? h("p", { class: "notice" }, note) : null, h("p", { class: "hint" }, CARD_NOTE), page);
  if (errors.length) showErrors(page, errors, "Your payment did not go through");
}

async function pay(f: HTMLFormElement, token: CardToken): Promise<void> {
  const { data, error, response } = await client().POST("/applications/{application_id}/payment", {
    params: { path: { application_id: flow.application!.id }, header: { "idempotency-key": newKey() } },
    body: { payment_token: token.token, payment_plan: chosenPlan },
  });
  if (response.status === 402) {
    const problem = problemOf(error, response);
    return paymentStep([{ id: "card-number", message: `${problem.detail ?? "Your card was declined."} Try another card.` }]);
  }
  if (!data) return problemOnPage(f, problemOf(error, response), "payment");
  showPage("Issuing your policy", h("p", { role: "status" }, "Payment received. Your policy is being issued…"));
  const settled = await until(data, (s) => s === "issued" || s === "failed" || s === "expired");
  if (settled.status !== "issued" || !settled.policy_number) {
    return failure({ title: "Not issued", status: 0, detail: `The application is ${inWords(settled.status)}.` });
  }
  await doneStep(settled.policy_number, token);
}

// ---- 10. issued ----------------------------------------------------------------------------------------------------
async function doneStep(policyNumber: string, token: CardToken): Promise<void> {
  const link = h("a", { href: "#", class: "button secondary", id: "document-link" }, "Download your policy (PDF)");
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    const { data } = await client().GET("/policies/{policy_number}/document", {
      params: { path: { policy_number: policyNumber } },
      parseAs: "blob",
    });
    if (data) saveFile(data, `${policyNumber}.pdf`);
  });
  const { createAccountForm } = await import("./account");
  const children: Child[] = [
    h("div", { class: "panel confirmation" }, h("p", null, "Your policy number"), h("p", { class: "policy-number", id: "policy-number" }, policyNumber)),
    h("p", null, `We charged your ${humanize(token.brand)} card ending ${token.last4}.`),
    h("p", null, link),
    h("p", null, "Keep your policy number."),
    createAccountForm(flow.application!.token, flow.answers.applicant.email ?? ""),
  ];
  showPage("Your policy is issued", ...children);
}
