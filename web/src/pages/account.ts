/**
 * Coming back after the session that bought a policy: sign in (a locked account says when to try again), reset a
 * forgotten password with a code sent by e-mail, the customer's policies, each policy's versions and documents,
 * changing what a policy covers (re-underwritten, the difference paid by card or refunded), cancelling with a
 * refund preview, the customer's details, and their risk events (each opening its live view, as on the report
 * page). Pages have their own paths under `/account`.
 */
import { config, newKey, problemOf, saveFile, type Config, type Problem, type Schemas } from "../api/client";
import { accessToken, currentLogin, customerApi, forget, remember } from "../api/auth";
import { go, h, humanize, inWords, money, pageLink, showPage, type Child } from "../ui/dom";
import { addressLine } from "../ui/places";
import { clock, day, inUtc } from "../ui/time";
import { button, checked, choices, clearErrors, form, showErrors, textInput, value, type FieldError } from "../ui/forms";
import { CARD_NOTE, cardFields, readCard, tokenize } from "../ui/card";
import { describeItem, itemFields, readItem, type JsonSchema } from "../ui/items";
import { readTerms, termsBox, TERMS_CHANGED } from "../ui/terms";
import createClient from "openapi-fetch";
import type { paths } from "../api/schema";

type Policy = Schemas["PolicyView"];
type Amendment = Schemas["AmendmentView"];
type Item = Record<string, unknown>;

let base: Config;

export async function accountPage(path: string): Promise<void> {
  base = await config();
  const clean = path.replace(/\/+$/, "") || "/account";
  if (clean === "/account/sign-in") return signInPage();
  if (clean === "/account/reset-password") return resetPage();
  if (!currentLogin()) return signInPage(clean);
  if (clean === "/account") return policiesPage();
  if (clean === "/account/details") return detailsPage();
  if (clean === "/account/risk-events") return riskEventsPage();
  const event = /^\/account\/risk-events\/([^/]+)$/.exec(clean);
  if (event) return riskEventPage(decodeURIComponent(event[1]));
  const policy = /^\/account\/policies\/([^/]+)(\/change|\/cancel|\/renewal|\/pay)?$/.exec(clean);
  if (policy) {
    const number = decodeURIComponent(policy[1]);
    if (policy[2] === "/change") return changePage(number);
    if (policy[2] === "/cancel") return cancelPage(number);
    if (policy[2] === "/renewal") return renewalPage(number);
    if (policy[2] === "/pay") return overduePage(number);
    return policyPage(number);
  }
  return notFound();
}

function publicApi() {
  return createClient<paths>({ baseUrl: base.api_url });
}

function me() {
  return customerApi(base);
}

function today(): string {
  return new Date().toISOString().slice(0, 10); // the platform's dates are UTC days
}

function back(text: string, to: string | (() => void)): HTMLElement {
  if (typeof to === "string") return pageLink(to, text, { class: "back-link" });
  return h("a", { href: "#", class: "back-link", onclick: (e: Event) => (e.preventDefault(), to()) }, text);
}

/** A signed-in page: the account's navigation above the heading. */
function signedIn(title: string, ...children: Child[]): HTMLElement {
  const main = showPage(title, ...children);
  main.prepend(accountNav());
  return main;
}

function accountNav(): HTMLElement {
  const here = window.location.pathname;
  return h(
    "nav",
    { class: "account-nav", "aria-label": "Your account" },
    h(
      "ul",
      null,
      h("li", null, pageLink("/account", "Your policies", { "aria-current": here === "/account" ? "page" : null })),
      h("li", null, pageLink("/account/risk-events", "Your reports", { "aria-current": here.startsWith("/account/risk-events") ? "page" : null })),
      h("li", null, pageLink("/account/details", "Your details", { "aria-current": here === "/account/details" ? "page" : null })),
      h("li", null, h("button", { type: "button", class: "link-button", id: "sign-out", onclick: () => signOut() }, "Sign out")),
    ),
  );
}

function failure(problem: Problem): void {
  if (problem.status === 401) {
    forget();
    return signInPage(window.location.pathname, "Your sign-in has ended. Sign in again to carry on.");
  }
  showPage(
    "Sorry, there is a problem with the service",
    h("p", null, problem.detail ?? problem.title),
    h("p", null, pageLink("/account", "Go to your policies")),
  );
}

function notFound(): void {
  showPage("Page not found", h("p", null, "If you typed the web address, check it is correct."), h("p", null, pageLink("/account", "Go to your policies")));
}

/** The API's field errors as this page's fields (`fields` maps an API field to an input's id). */
function fieldErrors(problem: Problem, fields: Record<string, string>, fallback = ""): FieldError[] {
  const errors = (problem.errors ?? []).map((e) => ({ id: fields[e.field] ?? fallback, message: e.message }));
  return errors.length ? errors : [{ id: fallback, message: problem.detail ?? problem.title }];
}

// ---- sign in, sign out ------------------------------------------------------------------------------------------
function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

function lockedMessage(response: Response, locked: boolean): string {
  const seconds = Math.max(1, Number(response.headers.get("Retry-After")) || 900);
  const at = clock(new Date(Date.now() + seconds * 1000));
  return locked
    ? `Your account is locked because the password was wrong 5 times in a row. Try again in ${waitText(seconds)} (after ${at}), or reset your password.`
    : `Too many sign-ins have failed from your network. Try again in ${waitText(seconds)} (after ${at}).`;
}

export function signInPage(then = "/account", notice?: string): void {
  const next = then === "/account/sign-in" ? "/account" : then;
  const page = form(
    async (f) => {
      const email = value(f, "email");
      const password = (f.elements.namedItem("password") as HTMLInputElement).value;
      const found: FieldError[] = [];
      if (!email) found.push({ id: "email", message: "Enter your email address" });
      if (!password) found.push({ id: "password", message: "Enter your password" });
      if (found.length) return showErrors(f, found);
      clearErrors(f);
      const { data, error, response } = await publicApi().POST("/auth/login", { body: { email, password } });
      if (data) {
        remember(data);
        return go(next);
      }
      const problem = problemOf(error, response);
      if (response.status === 423 || response.status === 429) {
        const message = lockedMessage(response, response.status === 423);
        showErrors(f, [{ id: "", message }], response.status === 423 ? "Your account is locked" : "There is a problem");
        f.parentElement?.querySelector(".error-summary-list")?.append(h("li", null, pageLink("/account/reset-password", "Reset your password")));
        return;
      }
      if (response.status === 401) {
        return showErrors(f, [{ id: "password", message: "Enter a correct email address and password" }]);
      }
      showErrors(f, fieldErrors(problem, { email: "email", password: "password" }));
    },
    textInput({ id: "email", label: "Email address", type: "email", autocomplete: "username", spellcheck: false }),
    textInput({ id: "password", label: "Password", type: "password", autocomplete: "current-password", width: "medium" }),
    button("Sign in"),
  );
  showPage(
    "Sign in to your account",
    notice ? h("p", { class: "notice" }, notice) : null,
    h("p", null, "See your policies and their documents, change what they cover or cancel them."),
    page,
    h("p", null, pageLink("/account/reset-password", "Forgotten your password?")),
    h("h2", null, "No account yet?"),
    h("p", null, "You create your account after buying a policy, on the page that gives you your policy number. ", pageLink("/", "Get a quote")),
  );
}

async function signOut(): Promise<void> {
  const login = currentLogin();
  if (login) await me().POST("/auth/logout", { body: { refresh_token: login.refresh_token } }).catch(() => undefined);
  forget();
  history.pushState(null, "", "/account/sign-in");
  showPage("You have signed out", h("p", null, "You need to sign in again to see your policies."), h("p", null, pageLink("/account/sign-in", "Sign in")));
}

// ---- password reset ---------------------------------------------------------------------------------------------
function resetPage(email = ""): void {
  const page = form(
    async (f) => {
      const typed = value(f, "email");
      if (!typed) return showErrors(f, [{ id: "email", message: "Enter your email address" }]);
      const { error, response } = await publicApi().POST("/auth/password-reset", { body: { email: typed } });
      if (error) return showErrors(f, fieldErrors(problemOf(error, response), { email: "email" }, "email"));
      resetCodePage(typed);
    },
    textInput({ id: "email", label: "Email address", hint: "We will send a code to this address if it has an account.", type: "email", autocomplete: "email", value: email, spellcheck: false }),
    button("Send me a code"),
  );
  showPage("Reset your password", back("Back to sign in", "/account/sign-in"), page);
}

function resetCodePage(email: string): void {
  const page = form(
    async (f) => {
      const code = value(f, "code").replace(/\s/g, "");
      const password = (f.elements.namedItem("new-password") as HTMLInputElement).value;
      const found: FieldError[] = [];
      if (!code) found.push({ id: "code", message: "Enter the code from the email" });
      if (!password) found.push({ id: "new-password", message: "Enter a new password" });
      if (found.length) return showErrors(f, found);
      const { error, response } = await publicApi().POST("/auth/password-reset/confirm", {
        body: { email, code, new_password: password },
      });
      if (response.status === 401) return showErrors(f, [{ id: "code", message: "The code is wrong or has expired. Check the email, or ask for a new code." }]);
      if (error) return showErrors(f, fieldErrors(problemOf(error, response), { code: "code", new_password: "new-password" }, "new-password"));
      history.pushState(null, "", "/account/sign-in");
      signInPage("/account", "Your password has been changed. Sign in with your new password.");
    },
    textInput({ id: "code", label: "Code", hint: "The 6-digit code in the email. It works for 15 minutes.", inputmode: "numeric", autocomplete: "one-time-code", width: "short", spellcheck: false }),
    textInput({ id: "new-password", label: "New password", hint: "At least 8 characters. Avoid common passwords and your email address.", type: "password", autocomplete: "new-password", width: "medium" }),
    button("Change password"),
  );
  showPage(
    "Check your email",
    back("Back", () => resetPage(email)),
    h("p", { class: "lead" }, `If ${email} has an account, we have sent it a code.`),
    page,
  );
}

// ---- the customer's policies ------------------------------------------------------------------------------------
async function products(): Promise<Schemas["ProductSummary"][]> {
  const { data } = await publicApi().GET("/products");
  return data?.products ?? [];
}

function statusTag(status: string): HTMLElement {
  const kind = status === "active" ? "final" : status === "cancelled" || status === "expired" ? "bad" : "";
  return h("strong", { class: `status ${kind}` }, humanize(status));
}

async function policiesPage(): Promise<void> {
  signedIn("Your policies", h("p", { class: "loading", role: "status" }, "Loading your policies…"));
  const [{ data, error, response }, catalog] = await Promise.all([me().GET("/me/policies"), products()]);
  if (!data) return failure(problemOf(error, response));
  const title = (code: string) => catalog.find((p) => p.product === code)?.title ?? humanize(code);
  const list = data.policies.length
    ? h(
        "ul",
        { class: "cards" },
        data.policies.map((p) =>
          h(
            "li",
            { class: "card" },
            h("h2", null, pageLink(`/account/policies/${encodeURIComponent(p.policy_number)}`, `${title(p.product)}: ${p.policy_number}`)),
            h(
              "dl",
              { class: "facts" },
              h("div", null, h("dt", null, "Status"), h("dd", null, statusTag(p.status))),
              h("div", null, h("dt", null, "Premium"), h("dd", null, `${money(p.premium)} a year`)),
              h("div", null, h("dt", null, "Cover"), h("dd", null, `${day(p.effective_date)} to ${day(p.expiry_date)}`)),
              h("div", null, h("dt", null, "Insured"), h("dd", null, p.insured)),
            ),
            p.payment_failed
              ? h(
                  "div",
                  { class: "panel warning", "data-payment-failed": p.policy_number },
                  h("p", null, h("strong", null, "A payment failed"), `: ${money(p.payment_failed)} is owed. We try your card again soon; unpaid, the policy lapses.`),
                  h("p", null, pageLink(`/account/policies/${encodeURIComponent(p.policy_number)}/pay`, "Pay now with another card")),
                )
              : null,
            p.renewal ? renewalNote(p.policy_number, p.renewal, p.expiry_date) : null,
          ),
        ),
      )
    : h("p", null, "You have no policies yet. ", pageLink("/", "Get a quote"));
  signedIn("Your policies", list);
}

/** The renewal awaiting the customer, on their list of policies: what it costs and until when, or why not. */
function renewalNote(number: string, r: Schemas["PendingRenewal"], ends: string): HTMLElement {
  const link = (text: string) => pageLink(`/account/policies/${encodeURIComponent(number)}/renewal`, text);
  if (r.status === "declined") {
    return h(
      "div",
      { class: "panel renewal", "data-renewal": r.status },
      h("p", null, h("strong", null, "We cannot renew this policy"), ` when it ends on ${day(ends)}, because:`),
      h("ul", { class: "list reasons" }, (r.reasons?.length ? r.reasons : ["the current rules no longer cover it"]).map((reason) => h("li", null, reason))),
    );
  }
  const premium = r.premium ? `${money(r.premium)} a year` : "";
  return h(
    "div",
    { class: "panel renewal", "data-renewal": r.status },
    h("p", null, h("strong", null, r.status === "accepted" ? "Renewal accepted, not paid yet" : "Renewal offered"), `: ${premium} from ${day(r.effective_date)}.`),
    h("p", null, `Accept and pay by ${day(r.deadline)}, or the policy ends that day.`),
    h("p", null, link(r.status === "accepted" ? "Pay for the renewal" : "See the renewal")),
  );
}

function eventStatusTag(status: string): HTMLElement {
  const shown: Record<string, string> = { open: "Reported", in_progress: "In progress", resolved: "Settled" };
  return h("strong", { class: `status ${status === "resolved" ? "final" : ""}` }, shown[status] ?? humanize(status));
}

async function riskEventsPage(): Promise<void> {
  signedIn("Your reports", h("p", { class: "loading", role: "status" }, "Loading your reports…"));
  const { data, error, response } = await me().GET("/me/risk-events");
  if (!data) return failure(problemOf(error, response));
  const list = data.risk_events.length
    ? h(
        "ul",
        { class: "cards", id: "risk-events" },
        data.risk_events.map((e) =>
          h(
            "li",
            { class: "card", "data-risk-event": e.risk_event_id, "data-status": e.status },
            h("h2", null, pageLink(`/account/risk-events/${encodeURIComponent(e.risk_event_id)}`, `${e.object_description}, ${inUtc(e.opened_at)}`)),
            h(
              "dl",
              { class: "facts" },
              h("div", null, h("dt", null, "Status"), h("dd", null, eventStatusTag(e.status))),
              h("div", null, h("dt", null, "Reported by"), h("dd", null, e.reporter_is_customer ? "You" : "Someone else")),
              h("div", null, h("dt", null, "Policy"), h("dd", null, e.policy_number)),
              e.insurers.map((i) =>
                h("div", { "data-insurer": i.insurer_id }, h("dt", null, i.name ?? "An insurer"), h("dd", null, humanize(i.status))),
              ),
            ),
          ),
        ),
      )
    : h("p", null, "You have not reported anything yet. To report a problem with an insured item, open its policy and follow “Report a problem with this item”.");
  signedIn("Your reports", list);
}

async function riskEventPage(id: string): Promise<void> {
  const token = await accessToken(base);
  if (!token) return signInPage(window.location.pathname);
  const { watchEvent } = await import("./report");
  await watchEvent(id, token, back("Back to your reports", "/account/risk-events"));
  document.getElementById("main")?.prepend(accountNav());
}

function itemValue(item: Item): string {
  return typeof item.value === "string" ? money({ amount: item.value, currency: "USD" }) : "";
}

function changeText(version: Schemas["VersionView"]): string {
  const words: Record<string, string> = {
    item_added: "an item added",
    item_removed: "an item removed",
    item_changed: "an item changed",
  };
  const parts = version.changes.map((c) => words[c.kind]).filter(Boolean);
  if (version.change === "issued") return "Issued";
  if (version.change === "cancelled") return "Cancelled";
  return parts.length ? `Changed: ${parts.join(", ")}` : humanize(version.change);
}

async function policyPage(number: string): Promise<void> {
  signedIn(`Policy ${number}`, h("p", { class: "loading", role: "status" }, "Loading the policy…"));
  const path = { policy_number: number };
  const [policy, versions, billing] = await Promise.all([
    me().GET("/policies/{policy_number}", { params: { path } }),
    me().GET("/policies/{policy_number}/versions", { params: { path } }),
    me().GET("/policies/{policy_number}/billing", { params: { path } }),
  ]);
  if (!policy.data) return failure(problemOf(policy.error, policy.response));
  const p = policy.data;
  const current = p.current;
  const items = (p.items ?? []) as Array<Item & Schemas["PolicyItem"]>;
  const changeable = p.status === "active";
  signedIn(
    `Policy ${number}`,
    back("Your policies", "/account"),
    h(
      "dl",
      { class: "summary-list" },
      row("Status", statusTag(p.status)),
      row("Insured", current.insured),
      row("Premium", `${money(current.premium)} a year`),
      row("Cover", `${day(current.effective_date)} to ${day(current.expiry_date)}`),
      current.cancellation ? row("Cancelled from", day(current.cancellation.effective_date)) : null,
      row("Version", String(p.version)),
    ),
    changeable
      ? h(
          "div",
          { class: "button-group" },
          pageLink(`/account/policies/${encodeURIComponent(number)}/change`, "Change what is covered", { class: "button" }),
          pageLink(`/account/policies/${encodeURIComponent(number)}/cancel`, "Cancel this policy", { class: "button secondary" }),
        )
      : null,
    h("h2", null, "What is covered"),
    h(
      "ul",
      { class: "cards" },
      items.map((item) =>
        h(
          "li",
          { class: "card" },
          h("p", { class: "card-title" }, describeItem(item)),
          h("p", null, `Insured for ${itemValue(item)}`),
          item.tag_url
            ? h("p", null, h("a", { href: new URL(item.tag_url, window.location.origin).pathname }, "Report a problem with this item"), h("span", { class: "hint" }, ` (tag ${item.tag_id})`))
            : null,
        ),
      ),
    ),
    h("h2", null, "Versions and documents"),
    versions.data ? versionsTable(number, versions.data.versions) : h("p", null, "The versions could not be loaded."),
    billing.data ? billingPart(billing.data, number) : null,
    h("h2", null, "Something happened to an insured item?"),
    h("p", null, "Use “Report a problem with this item” above, or scan the QR code on the item's tag: we tell you what to do now and contact your insurers at once."),
  );
}

function row(key: string, shown: Child): HTMLElement {
  return h("div", { class: "summary-row" }, h("dt", null, key), h("dd", null, shown));
}

function versionsTable(number: string, versions: Schemas["VersionView"][]): HTMLElement {
  return h(
    "table",
    { class: "versions" },
    h("caption", { class: "visually-hidden" }, "Every version of the policy, newest first, each with its document"),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Version"), h("th", { scope: "col" }, "What changed"), h("th", { scope: "col" }, "From"), h("th", { scope: "col" }, "PDF"))),
    h(
      "tbody",
      null,
      [...versions].reverse().map((v) => {
        const link = h("a", { href: v.document_url, class: "document-link", "data-version": v.version }, "Download", h("span", { class: "visually-hidden" }, ` version ${v.version} (PDF)`));
        link.addEventListener("click", async (event) => {
          event.preventDefault();
          const { data } = await me().GET("/policies/{policy_number}/versions/{version}/document", {
            params: { path: { policy_number: number, version: v.version } },
            parseAs: "blob",
          });
          if (data) saveFile(data, `${number}-v${v.version}.pdf`);
          else link.after(h("span", { class: "error-message" }, " The document could not be downloaded."));
        });
        return h(
          "tr",
          null,
          h("td", null, String(v.version)),
          h("td", null, changeText(v), h("br"), h("span", { class: "hint" }, `${money(v.premium)} a year`)),
          h("td", null, day(v.version_effective_date)),
          h("td", null, link),
        );
      }),
    ),
  );
}

/** The installments owed now: declined and awaiting a retry, or due and not yet charged. */
function owedNow(billing: Schemas["BillingView"]): Schemas["Installment"][] {
  return billing.schedule.filter((i) => i.status === "failed" || i.status === "due");
}

function billingPart(billing: Schemas["BillingView"], number: string): Child {
  const failed = billing.schedule.filter((i) => i.status === "failed");
  return [
    h("h2", null, "Payments"),
    failed.length
      ? h(
          "div",
          { class: "panel warning", id: "payment-failed" },
          h("p", null, h("strong", null, "A payment failed. "), failed.map((i) => `Installment ${i.installment} (${money(i.amount)}) was declined${i.last_decline_code ? ` (${inWords(i.last_decline_code)})` : ""}; we try your card again on ${day(i.next_attempt_on)}.`).join(" ")),
          h("p", null, "If it stays unpaid, your policy lapses at the end of the grace period."),
          h("p", null, pageLink(`/account/policies/${encodeURIComponent(number)}/pay`, `Pay ${money(billing.balance)} now with another card`, { class: "button" })),
        )
      : null,
    h(
      "dl",
      { class: "summary-list" },
      row("Payment plan", h("span", { id: "payment-plan" }, humanize(billing.payment_plan))),
      row("Paid", money(billing.total_charged)),
      row("Refunded", money(billing.total_refunded)),
      row("Due now", money(billing.balance)),
    ),
  ];
}

// ---- renewal ---------------------------------------------------------------------------------------------------------
type Renewal = Schemas["RenewalView"];
type PlanView = Schemas["PaymentPlanView"];

function planText(plan: PlanView): string {
  const first = plan.schedule[0]?.amount;
  if (plan.installments === 1) return `Annual: ${money(plan.total)} now`;
  return `${humanize(plan.plan)}: ${plan.installments} payments, ${first ? money(first) : ""} now`;
}

async function renewalPage(number: string): Promise<void> {
  signedIn("Renew your policy", h("p", { class: "loading", role: "status" }, "Loading the renewal…"));
  const path = { policy_number: number };
  const [renewal, billing] = await Promise.all([
    me().GET("/policies/{policy_number}/renewal", { params: { path } }),
    me().GET("/policies/{policy_number}/billing", { params: { path } }),
  ]);
  if (!renewal.data) return failure(problemOf(renewal.error, renewal.response));
  const r = renewal.data;
  const card = billing.data?.card ?? {};
  const toPolicy = back(`Policy ${number}`, `/account/policies/${encodeURIComponent(number)}`);
  if (r.status === "declined") {
    return void signedIn(
      "We cannot renew your policy",
      toPolicy,
      h("p", { class: "lead" }, "Checked against our current rules, your policy cannot be renewed for these reasons:"),
      h("ul", { class: "list reasons", id: "renewal-reasons" }, (r.reasons ?? []).map((reason) => h("li", null, String(reason.sentence ?? "")))),
      h("p", null, "Your cover carries on until the end of its term."),
    );
  }
  if (r.status === "withdrawn") {
    return void signedIn("This renewal was withdrawn", toPolicy, h("p", null, `We withdrew it because ${r.withdrawn_because ?? "your policy can no longer be renewed"}.`));
  }
  if (r.status === "renewed" || r.status === "expired" || !r.offer) {
    return void signedIn(
      r.status === "renewed" ? "Your policy is renewed" : "This renewal has ended",
      toPolicy,
      h("p", null, r.status === "renewed" ? `The next term is version ${r.renewed_version} of your policy.` : `The renewal is ${inWords(r.status)}.`),
    );
  }
  if (r.status === "accepted") return renewalPaymentStep(number, r, card);
  const offer = r.offer;
  signedIn(
    "Renew your policy",
    toPolicy,
    h(
      "dl",
      { class: "summary-list" },
      row("Premium now", `${money(offer.previous_premium)} a year`),
      row("New premium", h("span", { id: "renewal-premium" }, `${money(offer.premium)} a year`)),
      row("Next term", `${day(offer.effective_date)} to ${day(offer.expiry_date)}`),
      row("Accept and pay by", day(offer.effective_date)),
    ),
    h("h2", null, "Ways to pay"),
    h("ul", { class: "list" }, offer.payment_plans.map((p) => h("li", null, planText(p), p.installments > 1 ? ` (total ${money(p.total)})` : ""))),
    h("p", null, "If you do not accept and pay by then, your policy ends on that day."),
    h("button", { type: "button", class: "button", onclick: () => renewalTermsStep(number, r, card) }, "Read the renewal terms"),
  );
}

async function renewalTermsStep(number: string, r: Renewal, card: Record<string, string>): Promise<void> {
  const offer = r.offer!;
  signedIn("Read the renewal terms", h("p", { role: "status" }, "Loading the terms…"));
  const terms = await readTerms(new URL(offer.terms_url, base.api_url), (await accessToken(base)) ?? "");
  if ("status" in terms) return failure({ title: "The terms could not be loaded", status: terms.status });
  const { text, sha256: shown } = terms;
  const page = form(async (f) => {
    if (shown !== offer.terms_sha256) {
      return showErrors(f, [TERMS_CHANGED]);
    }
    const { data, error, response: answer } = await me().POST("/policies/{policy_number}/renewal/accept", {
      params: { path: { policy_number: number } },
      body: { offer_id: offer.offer_id, terms_sha256: shown },
    });
    if (!data) {
      const problem = problemOf(error, answer);
      if (answer.status === 401) return failure(problem);
      return showErrors(f, [{ id: "", message: problem.detail ?? "The renewal could not be accepted." }]);
    }
    renewalPaymentStep(number, data, card);
  }, button("I accept"));
  signedIn(
    "Read the renewal terms",
    termsBox(text, "Renewal terms"),
    h("p", null, "By selecting “I accept” you agree to these terms for the next term and sign them electronically."),
    page,
  );
}

function renewalPaymentStep(number: string, r: Renewal, card: Record<string, string>, errors: FieldError[] = [], plan = "annual"): void {
  const offer = r.offer!;
  const kept = card.last4 ? `The ${humanize(card.brand ?? "card")} card ending ${card.last4} we keep for this policy` : "";
  const chosen = (name: string) => offer.payment_plans.find((p) => p.plan === name) ?? offer.payment_plans[0];
  const payText = (name: string) => `Pay ${money(chosen(name).schedule[0].amount)}`;
  const submit = button(payText(plan));
  const page = form(
    async (f) => {
      const planName = (value(f, "payment-plan") || "annual") as PlanView["plan"];
      const withNew = !kept || value(f, "pay-with") === "new";
      let token: string | undefined;
      if (withNew) {
        const { card: typed, errors: found } = readCard(f);
        if (found.length) return showErrors(f, found);
        const made = await tokenize(base.card_tokenization_url, f, typed, number);
        if (!made) return;
        token = made.token;
      }
      const { data, error, response } = await me().POST("/policies/{policy_number}/renewal/payment", {
        params: { path: { policy_number: number }, header: { "idempotency-key": newKey() } },
        body: token ? { payment_plan: planName, payment_token: token } : { payment_plan: planName },
      });
      if (!data) {
        const problem = problemOf(error, response);
        if (response.status === 401) return failure(problem);
        if (response.status === 409) return void signedIn("Your renewal was not paid", back(`Policy ${number}`, `/account/policies/${encodeURIComponent(number)}`), h("p", null, problem.detail ?? problem.title));
        const found = fieldErrors(problem, { payment_token: "card-number", payment_plan: withNew ? "card-number" : "pay-with" }, withNew ? "card-number" : "pay-with");
        return renewalPaymentStep(number, r, card, found.map((e) => ({ ...e, message: `${e.message} Try another card.` })), planName);
      }
      signedIn(
        "Your policy is renewed",
        h("div", { class: "panel confirmation" }, h("p", null, `Policy ${number}`), h("p", { class: "policy-number", id: "renewed" }, `Term ${data.term}`)),
        h("p", null, `Your next term runs from ${day(offer.effective_date)} to ${day(offer.expiry_date)}, paid ${planName === "annual" ? "once a year" : planName}.`),
        h("p", null, `It is version ${data.renewed_version} of your policy, with its own document.`),
        h("p", null, pageLink(`/account/policies/${encodeURIComponent(number)}`, "View your policy")),
      );
    },
    choices({
      id: "payment-plan",
      label: "How do you want to pay?",
      options: offer.payment_plans.map((p) => [p.plan, planText(p), p.installments > 1 ? `Total ${money(p.total)}, including a fee of ${money(p.fee)}` : undefined]),
      value: plan,
      onChange: (name) => (submit.textContent = payText(name)),
    }),
    kept
      ? choices({
          id: "pay-with",
          label: "Pay with",
          options: [
            ["kept", kept],
            ["new", "Another card", "It becomes the card we keep for this policy"],
          ],
          value: "kept",
          onChange: (which) => document.getElementById("new-card")?.toggleAttribute("hidden", which !== "new"),
        })
      : null,
    h("div", { id: "new-card", class: kept ? "conditional" : "", hidden: Boolean(kept) }, h("p", { class: "hint" }, CARD_NOTE), cardFields()),
    submit,
  );
  signedIn("Pay for the renewal", back(`Policy ${number}`, `/account/policies/${encodeURIComponent(number)}`), h("p", null, `${money(offer.premium)} a year from ${day(offer.effective_date)}.`), page);
  if (errors.length) {
    if (kept && errors.some((e) => e.id === "card-number")) (document.querySelector("input[name=pay-with][value=new]") as HTMLInputElement | null)?.click();
    showErrors(page, errors, "Your payment did not go through");
  }
}

// ---- pay what is overdue ---------------------------------------------------------------------------------------------
async function overduePage(number: string, errors: FieldError[] = []): Promise<void> {
  signedIn("Pay what is overdue", h("p", { class: "loading", role: "status" }, "Loading your payments…"));
  const { data, error, response } = await me().GET("/policies/{policy_number}/billing", { params: { path: { policy_number: number } } });
  if (!data) return failure(problemOf(error, response));
  const owed = owedNow(data);
  const toPolicy = back(`Policy ${number}`, `/account/policies/${encodeURIComponent(number)}`);
  if (!owed.length) return void signedIn("Nothing is overdue", toPolicy, h("p", null, "Your payments are up to date."));
  const page = form(
    async (f) => {
      const { card, errors: found } = readCard(f);
      if (found.length) return showErrors(f, found);
      const token = await tokenize(base.card_tokenization_url, f, card, number);
      if (!token) return;
      const paid = await me().POST("/policies/{policy_number}/billing/payment", {
        params: { path: { policy_number: number }, header: { "idempotency-key": newKey() } },
        body: { payment_token: token.token },
      });
      if (!paid.data) {
        const problem = problemOf(paid.error, paid.response);
        if (paid.response.status === 401) return failure(problem);
        if (paid.response.status === 402) return overduePage(number, [{ id: "card-number", message: `${problem.detail ?? "Your card was declined."} Try another card.` }]);
        if (paid.response.status === 409) return void signedIn("Nothing to pay", toPolicy, h("p", null, problem.detail ?? "Nothing is overdue on this policy."));
        return showErrors(f, fieldErrors(problem, { payment_token: "card-number" }, "card-number"));
      }
      signedIn(
        "Payment received",
        h("div", { class: "panel confirmation" }, h("p", null, `Policy ${number}`), h("p", { class: "policy-number", id: "overdue-paid" }, `${money(data.balance)} paid`)),
        h("p", null, `We charged your ${humanize(token.brand)} card ending ${token.last4}. We keep it for your next payments. Your policy stays in force.`),
        h("p", null, pageLink(`/account/policies/${encodeURIComponent(number)}`, "View your policy")),
      );
    },
    cardFields(),
    button(`Pay ${money(data.balance)}`),
  );
  signedIn(
    "Pay what is overdue",
    toPolicy,
    h("dl", { class: "summary-list" }, owed.map((i) => row(`Installment ${i.installment}`, `${money(i.amount)}, due ${day(i.due_date)}`))),
    h("p", null, "Pay with another card. It becomes the card we keep for this policy's next payments."),
    h("p", { class: "hint" }, CARD_NOTE),
    page,
  );
  if (errors.length) showErrors(page, errors, "Your payment did not go through");
}

// ---- change what a policy covers -----------------------------------------------------------------------------------
interface Change {
  number: string;
  policy: Policy;
  schema: JsonSchema;
  keep: Record<string, boolean>; // item_id → kept
  values: Record<string, string>; // item_id → insured value
  adding: boolean;
  added: Item;
  effective: string;
  amendment?: Amendment;
}

async function changePage(number: string): Promise<void> {
  signedIn("Change what is covered", h("p", { class: "loading", role: "status" }, "Loading the policy…"));
  const [policy, catalog] = await Promise.all([me().GET("/policies/{policy_number}", { params: { path: { policy_number: number } } }), products()]);
  if (!policy.data) return failure(problemOf(policy.error, policy.response));
  const product = catalog.find((p) => p.product === policy.data.current.product);
  const items = (policy.data.items ?? []) as Item[];
  const change: Change = {
    number,
    policy: policy.data,
    schema: (product?.input_schema ?? {}) as JsonSchema,
    keep: Object.fromEntries(items.map((i) => [String(i.item_id), true])),
    values: Object.fromEntries(items.map((i) => [String(i.item_id), String(i.value ?? "")])),
    adding: false,
    added: {},
    effective: today(),
  };
  changeStep(change);
}

function keptId(index: number): string {
  return `keep-${index + 1}`;
}

/** The item list after the change, as the API takes it, with each entry's input-id prefix for its field errors. */
function itemsAfter(change: Change): Array<{ body: Item; prefix: string }> {
  const items = (change.policy.items ?? []) as Item[];
  const after: Array<{ body: Item; prefix: string }> = [];
  items.forEach((item, index) => {
    const id = String(item.item_id);
    if (!change.keep[id]) return;
    const body: Item = { item_id: id };
    if (change.values[id] && change.values[id] !== String(item.value ?? "")) body.value = change.values[id];
    after.push({ body, prefix: `value-${index + 1}` });
  });
  if (change.adding) after.push({ body: change.added, prefix: "new" });
  return after;
}

function changeStep(change: Change, errors: FieldError[] = []): void {
  const items = (change.policy.items ?? []) as Item[];
  const page = form(
    (f) => {
      items.forEach((item, index) => {
        const id = String(item.item_id);
        change.keep[id] = value(f, keptId(index)) !== "remove";
        change.values[id] = value(f, `value-${index + 1}-value`).replace(/[$,\s]/g, "");
      });
      change.adding = value(f, "add") === "yes";
      change.added = change.adding ? readItem(f, change.schema, "new") : {};
      change.effective = value(f, "effective-date");
      const found: FieldError[] = [];
      items.forEach((item, index) => {
        if (change.keep[String(item.item_id)] && !change.values[String(item.item_id)]) {
          found.push({ id: `value-${index + 1}-value`, message: `Enter the insured value of ${describeItem(item)}` });
        }
      });
      if (!itemsAfter(change).length) found.push({ id: keptId(0), message: "Keep at least one item. To end all cover, cancel the policy instead." });
      if (!change.effective) found.push({ id: "effective-date", message: "Enter the date the change starts" });
      else if (change.effective < today()) found.push({ id: "effective-date", message: "The change must start today or later" });
      if (found.length) return showErrors(f, found);
      checkChangeStep(change);
    },
    items.map((item, index) =>
      h(
        "div",
        { class: "item-change" },
        h("h2", { class: "item-title" }, describeItem(item)),
        choices({
          id: keptId(index),
          label: `Keep ${describeItem(item)} on the policy?`,
          legendClass: "visually-hidden",
          options: [
            ["keep", "Keep it"],
            ["remove", "Remove it"],
          ],
          value: change.keep[String(item.item_id)] ? "keep" : "remove",
        }),
        h(
          "div",
          { class: "money" },
          textInput({
            id: `value-${index + 1}-value`,
            label: "Insured value in US dollars",
            hint: "What it would cost to replace it today",
            inputmode: "decimal",
            width: "short",
            value: change.values[String(item.item_id)],
            spellcheck: false,
          }),
        ),
      ),
    ),
    h("h2", null, "Add an item"),
    choices({
      id: "add",
      label: "Do you want to add another item to this policy?",
      legendClass: "visually-hidden",
      options: [
        ["no", "No"],
        ["yes", "Yes, add an item"],
      ],
      value: change.adding ? "yes" : "no",
      onChange: (chosen) => {
        document.getElementById("new-item")?.toggleAttribute("hidden", chosen !== "yes");
      },
    }),
    h("div", { id: "new-item", class: "conditional", hidden: !change.adding }, itemFields(change.schema, change.added, "new")),
    h("h2", null, "When"),
    textInput({ id: "effective-date", label: "Date the change starts", hint: "Today or later. The price difference is worked out from this date to the end of the cover.", type: "date", width: "medium", value: change.effective, min: today() }),
    button("Continue"),
  );
  signedIn("Change what is covered", back(`Policy ${change.number}`, `/account/policies/${encodeURIComponent(change.number)}`), page);
  if (errors.length) showErrors(page, errors);
}

function checkChangeStep(change: Change): void {
  const items = (change.policy.items ?? []) as Item[];
  const rows: HTMLElement[] = items.map((item) => {
    const id = String(item.item_id);
    const now = change.values[id];
    const shown = !change.keep[id]
      ? "Removed"
      : now !== String(item.value ?? "")
        ? `Insured for ${money({ amount: now, currency: "USD" })} (was ${itemValue(item)})`
        : `Kept, insured for ${itemValue(item)}`;
    return row(describeItem(item), shown);
  });
  if (change.adding) rows.push(row(`New: ${describeItem(change.added)}`, `Insured for ${itemValue(change.added)}`));
  rows.push(row("Starts", day(change.effective)));
  const page = form(async (f) => {
    const sent = itemsAfter(change);
    const { data, error, response } = await me().POST("/policies/{policy_number}/amendments", {
      params: { path: { policy_number: change.number } },
      body: { changes: { items: sent.map((s) => s.body) }, effective_date: change.effective },
    });
    if (!data) {
      const problem = problemOf(error, response);
      if (response.status === 401) return failure(problem);
      const ids: Record<string, string> = { effective_date: "effective-date" };
      sent.forEach((s, index) => {
        for (const name of Object.keys(change.schema.properties ?? { value: {} })) {
          ids[`changes.items[${index}].${name}`] = `${s.prefix}-${name}`;
          ids[`items[${index}].${name}`] = `${s.prefix}-${name}`;
        }
      });
      const errors = fieldErrors(problem, ids);
      return errors.every((e) => !e.id) ? showErrors(f, errors) : changeStep(change, errors);
    }
    change.amendment = data;
    showPage("We are checking the change", h("p", { role: "status" }, "This usually takes a few seconds."));
    const settled = await amendmentUntil(change, (s) => s !== "underwriting");
    changeDecisionStep(change, settled);
  }, button("Get the new price"));
  signedIn(
    "Check the change",
    back("Back", () => changeStep(change)),
    h("dl", { class: "summary-list" }, rows),
    h("p", null, "We check the change as we check a new application: the price can go up or down."),
    page,
  );
}

async function amendmentUntil(change: Change, done: (status: Amendment["status"]) => boolean): Promise<Amendment> {
  let current = change.amendment!;
  for (let i = 0; i < 120 && !done(current.status); i++) {
    await new Promise((r) => setTimeout(r, 500));
    const { data } = await me().GET("/policies/{policy_number}/amendments/{amendment_id}", {
      params: { path: { policy_number: change.number, amendment_id: current.amendment_id } },
    });
    if (data) current = data;
  }
  change.amendment = current;
  return current;
}

function difference(offer: NonNullable<Amendment["offer"]>): string {
  return money({ amount: offer.premium_difference.amount.replace(/^-/, ""), currency: offer.premium_difference.currency ?? "USD" });
}

function changeDecisionStep(change: Change, amendment: Amendment): void {
  if (amendment.status === "declined") {
    signedIn(
      "We cannot cover this change",
      h("p", { class: "lead" }, "The change was declined for these reasons:"),
      h("ul", { class: "list reasons" }, (amendment.decision?.reasons ?? []).map((r) => h("li", null, r.sentence))),
      h("p", null, "Your policy has not changed. You can change your answers and try again."),
      h("button", { type: "button", class: "button", onclick: () => changeStep(change) }, "Change your answers"),
    );
    return;
  }
  if (amendment.status !== "offered" || !amendment.offer) {
    return failure({ title: "Unexpected status", status: 0, detail: `The change is ${inWords(amendment.status)}.` });
  }
  const offer = amendment.offer;
  const settle =
    offer.settlement === "charge"
      ? `You pay ${difference(offer)} now, for the rest of the cover from ${day(amendment.effective_date)}.`
      : offer.settlement === "refund"
        ? `We refund ${difference(offer)} to the card you paid with, for the rest of the cover from ${day(amendment.effective_date)}.`
        : "There is nothing to pay and nothing to refund.";
  signedIn(
    "Your new price",
    h(
      "dl",
      { class: "summary-list" },
      row("Premium now", `${money(offer.previous_premium)} a year`),
      row("New premium", `${money(offer.premium)} a year`),
      row(offer.settlement === "refund" ? "Refund" : "To pay now", offer.settlement === "none" ? money({ amount: "0.00", currency: "USD" }) : difference(offer)),
    ),
    h("p", { class: "notice", id: "settlement" }, settle),
    amendment.decision?.reasons.length ? [h("h2", null, "How we worked it out"), h("ul", { class: "list" }, amendment.decision.reasons.map((r) => h("li", null, r.sentence)))] : null,
    h("p", null, `This price holds until ${inUtc(offer.expires_at)}.`),
    h("button", { type: "button", class: "button", onclick: () => changeTermsStep(change, amendment) }, "Read the terms"),
  );
}

async function changeTermsStep(change: Change, amendment: Amendment): Promise<void> {
  const offer = amendment.offer!;
  signedIn("Read the changed terms", h("p", { role: "status" }, "Loading the terms…"));
  const terms = await readTerms(new URL(offer.terms_url, base.api_url), (await accessToken(base)) ?? "");
  if ("status" in terms) return failure({ title: "The terms could not be loaded", status: terms.status });
  const { text, sha256: shown } = terms;
  const page = form(async (f) => {
    if (shown !== offer.terms_sha256) {
      return showErrors(f, [TERMS_CHANGED]);
    }
    const { data, error, response: answer } = await me().POST("/policies/{policy_number}/amendments/{amendment_id}/accept", {
      params: { path: { policy_number: change.number, amendment_id: amendment.amendment_id } },
      body: { offer_id: offer.offer_id, terms_sha256: shown },
    });
    if (!data) return showErrors(f, [{ id: "", message: problemOf(error, answer).detail ?? "The change could not be accepted." }]);
    change.amendment = data;
    if (offer.settlement === "charge") return changePaymentStep(change);
    showPage("Changing your policy", h("p", { role: "status" }, "Your policy is being changed…"));
    changeDoneStep(change, await amendmentUntil(change, (s) => ["issued", "failed", "expired"].includes(s)));
  }, button("I accept"));
  signedIn(
    "Read the changed terms",
    termsBox(text, "Changed terms"),
    h("p", null, "By selecting “I accept” you agree to the changed terms and sign them electronically."),
    page,
  );
}

function changePaymentStep(change: Change, errors: FieldError[] = []): void {
  const amendment = change.amendment!;
  const page = form(
    async (f) => {
      const { card, errors: found } = readCard(f);
      if (found.length) return showErrors(f, found);
      const token = await tokenize(base.card_tokenization_url, f, card, amendment.amendment_id);
      if (!token) return;
      const { data, error, response } = await me().POST("/policies/{policy_number}/amendments/{amendment_id}/payment", {
        params: {
          path: { policy_number: change.number, amendment_id: amendment.amendment_id },
          header: { "idempotency-key": newKey() },
        },
        body: { payment_token: token.token, payment_plan: "annual" }, // a change's difference is paid at once
      });
      if (response.status === 402) {
        const problem = problemOf(error, response);
        return changePaymentStep(change, [{ id: "card-number", message: `${problem.detail ?? "Your card was declined."} Try another card.` }]);
      }
      if (!data) return showErrors(f, fieldErrors(problemOf(error, response), { payment_token: "card-number" }));
      change.amendment = data;
      showPage("Changing your policy", h("p", { role: "status" }, "Payment received. Your policy is being changed…"));
      changeDoneStep(change, await amendmentUntil(change, (s) => ["issued", "failed", "expired"].includes(s)), `We charged your ${humanize(token.brand)} card ending ${token.last4}.`);
    },
    cardFields(),
    button(`Pay ${difference(amendment.offer!)}`),
  );
  signedIn("Pay the difference by card", h("p", { class: "hint" }, CARD_NOTE), page);
  if (errors.length) showErrors(page, errors, "Your payment did not go through");
}

function changeDoneStep(change: Change, amendment: Amendment, paid?: string): void {
  if (amendment.status !== "issued") {
    return failure({ title: "Not changed", status: 0, detail: `The change is ${inWords(amendment.status)}.` });
  }
  const offer = amendment.offer;
  signedIn(
    "Your policy has changed",
    h("div", { class: "panel confirmation" }, h("p", null, `Policy ${change.number}`), h("p", { class: "policy-number", id: "new-version" }, `Version ${amendment.version}`)),
    paid ? h("p", null, paid) : null,
    offer?.settlement === "refund" ? h("p", null, `We are refunding ${difference(offer)} to the card you paid with.`) : null,
    h("p", null, `The change starts on ${day(amendment.effective_date)}. The new version has its own document.`),
    h("p", null, pageLink(`/account/policies/${encodeURIComponent(change.number)}`, "View your policy")),
  );
}

// ---- cancel ---------------------------------------------------------------------------------------------------------
const REASONS: Array<[Schemas["CancellationRequest"]["reason"], string]> = [
  ["no_longer_needed", "I no longer need it"],
  ["item_sold_or_lost", "I sold or lost the item"],
  ["replaced_elsewhere", "I have cover elsewhere"],
  ["too_expensive", "It costs too much"],
  ["dissatisfied", "I am not happy with the service"],
  ["other", "Another reason"],
];

function cancelPage(number: string, effective = today(), reason = "", errors: FieldError[] = []): void {
  const page = form(
    async (f) => {
      const date = value(f, "effective-date");
      const why = value(f, "reason");
      const found: FieldError[] = [];
      if (!date) found.push({ id: "effective-date", message: "Enter the date the cover should end" });
      else if (date < today()) found.push({ id: "effective-date", message: "The date must be today or later" });
      if (!why) found.push({ id: "reason", message: "Select why you are cancelling" });
      if (found.length) return showErrors(f, found);
      const { data, error, response } = await me().GET("/policies/{policy_number}/cancellation/preview", {
        params: { path: { policy_number: number }, query: { effective_date: date } },
      });
      if (!data) {
        const problem = problemOf(error, response);
        if (response.status === 401) return failure(problem);
        return showErrors(f, fieldErrors(problem, { effective_date: "effective-date" }, "effective-date"));
      }
      cancelCheckStep(number, data, why as Schemas["CancellationRequest"]["reason"]);
    },
    textInput({ id: "effective-date", label: "When should your cover end?", hint: "Today or later. You get back the premium for the days after this date.", type: "date", width: "medium", value: effective, min: today() }),
    choices({ id: "reason", label: "Why are you cancelling?", options: REASONS, value: reason }),
    button("Continue"),
  );
  signedIn("Cancel your policy", back(`Policy ${number}`, `/account/policies/${encodeURIComponent(number)}`), page);
  if (errors.length) showErrors(page, errors);
}

function cancelCheckStep(number: string, preview: Schemas["CancellationPreview"], reason: Schemas["CancellationRequest"]["reason"]): void {
  const page = form(async (f) => {
    const { data, error, response } = await me().POST("/policies/{policy_number}/cancellation", {
      params: { path: { policy_number: number } },
      body: { effective_date: preview.effective_date, reason },
    });
    if (!data) {
      const problem = problemOf(error, response);
      if (response.status === 401) return failure(problem);
      return showErrors(f, fieldErrors(problem, {}));
    }
    cancelDoneStep(number, data);
  }, button("Cancel my policy", { class: "button warning" }));
  signedIn(
    "Check your refund",
    back("Back", () => cancelPage(number, preview.effective_date, reason)),
    h(
      "dl",
      { class: "summary-list" },
      row("Cover ends", day(preview.effective_date)),
      row("You paid", money(preview.paid)),
      row("Premium for the days covered", money(preview.kept)),
      row("Refund", h("strong", { id: "refund" }, money(preview.refund))),
    ),
    h("p", { class: "hint" }, `The premium kept is never less than the minimum of ${money(preview.minimum_premium)}.`),
    h("p", { class: "notice" }, "You cannot undo a cancellation. To be covered again you would need a new policy."),
    page,
  );
}

function cancelDoneStep(number: string, cancelled: Schemas["CancellationView"]): void {
  const ended = cancelled.status === "cancelled";
  signedIn(
    ended ? "Your policy is cancelled" : "Your policy will end",
    h("div", { class: "panel confirmation" }, h("p", null, `Policy ${number}`), h("p", { class: "policy-number" }, ended ? "Cancelled" : `Ends ${day(cancelled.effective_date)}`)),
    h("p", { id: "refund-done" }, `We are refunding ${money(cancelled.refund)} to the card you paid with.`),
    h("p", null, "The cancellation is a new version of the policy, with its own document."),
    h("p", null, pageLink(`/account/policies/${encodeURIComponent(number)}`, "View your policy")),
  );
}

// ---- your details -------------------------------------------------------------------------------------------------
async function detailsPage(notice?: string): Promise<void> {
  signedIn("Your details", h("p", { class: "loading", role: "status" }, "Loading your details…"));
  const { data, error, response } = await me().GET("/me");
  if (!data) return failure(problemOf(error, response));
  const p = data.profile;
  const address = p.address as Record<string, string> | null | undefined;
  const name = [p.first_name, p.last_name].filter(Boolean).join(" ") || p.contact_name || "";
  const n = p.notifications;
  signedIn(
    "Your details",
    notice ? h("p", { class: "notice", role: "status" }, notice) : null,
    h(
      "dl",
      { class: "summary-list" },
      row("Name", name),
      row("Email", p.email),
      row("Phone", p.phone ?? ""),
      row("Address", address ? addressLine(address) : ""),
      row("Messages", [n?.email !== false ? "by email" : "", n?.sms !== false ? "by text message" : ""].filter(Boolean).join(" and ") || "none"),
    ),
    h("button", { type: "button", class: "button secondary", onclick: () => detailsForm(data) }, "Change your details"),
    h("p", { class: "hint" }, `Every change is kept as a new version of your record (version ${data.version} now).`),
  );
}

function detailsForm(current: Schemas["MeView"]): void {
  const p = current.profile;
  const address = (p.address ?? {}) as Record<string, string>;
  const n = p.notifications;
  const page = form(
    async (f) => {
      const patch: Schemas["MePatch"] = {};
      const text = (id: string) => value(f, id);
      if (p.first_name !== undefined && p.first_name !== null && text("first-name") !== p.first_name) patch.first_name = text("first-name");
      if (p.last_name !== undefined && p.last_name !== null && text("last-name") !== p.last_name) patch.last_name = text("last-name");
      if (text("email") !== p.email) patch.email = text("email");
      if (text("phone") !== (p.phone ?? "")) patch.phone = text("phone");
      const typed = { line1: text("address-line1"), line2: text("address-line2") || null, city: text("address-city"), state: text("address-state"), zip: text("address-zip") };
      if (["line1", "line2", "city", "state", "zip"].some((k) => (typed[k as keyof typeof typed] ?? "") !== (address[k] ?? ""))) patch.address = typed;
      const ticked = checked(f, "notify");
      const wants = { email: ticked.includes("email"), sms: ticked.includes("sms"), offers: ticked.includes("offers") };
      if (wants.email !== (n?.email ?? true) || wants.sms !== (n?.sms ?? true) || wants.offers !== (n?.offers ?? false)) patch.notifications = wants;
      if (!Object.keys(patch).length) return detailsPage("Nothing changed.");
      const { data, error, response } = await me().PATCH("/me", { body: patch });
      if (!data) {
        const problem = problemOf(error, response);
        if (response.status === 401) return failure(problem);
        const ids: Record<string, string> = { first_name: "first-name", last_name: "last-name", email: "email", phone: "phone" };
        for (const k of ["line1", "line2", "city", "state", "zip"]) ids[`address.${k}`] = `address-${k}`;
        return showErrors(f, fieldErrors(problem, ids));
      }
      detailsPage("Your details have been saved.");
    },
    p.first_name !== null && p.first_name !== undefined ? textInput({ id: "first-name", label: "First name", autocomplete: "given-name", value: p.first_name, width: "medium", spellcheck: false }) : null,
    p.last_name !== null && p.last_name !== undefined ? textInput({ id: "last-name", label: "Last name", autocomplete: "family-name", value: p.last_name, width: "medium", spellcheck: false }) : null,
    textInput({ id: "email", label: "Email address", hint: "You sign in with it and we send your documents to it.", type: "email", autocomplete: "email", value: p.email, spellcheck: false }),
    textInput({ id: "phone", label: "Phone number", hint: "For example, +1 212 555 0100", type: "tel", autocomplete: "tel", value: p.phone ?? "", width: "medium" }),
    h("h2", null, "Address"),
    textInput({ id: "address-line1", label: "Address line 1", autocomplete: "address-line1", value: address.line1 ?? "" }),
    textInput({ id: "address-line2", label: "Address line 2 (optional)", autocomplete: "address-line2", value: address.line2 ?? "" }),
    textInput({ id: "address-city", label: "Town or city", autocomplete: "address-level2", value: address.city ?? "", width: "medium" }),
    textInput({ id: "address-state", label: "State", hint: "Two letters, for example NY", autocomplete: "address-level1", value: address.state ?? "", width: "short" }),
    textInput({ id: "address-zip", label: "ZIP code", autocomplete: "postal-code", value: address.zip ?? "", width: "short" }),
    choices({
      id: "notify",
      label: "Messages we send you",
      hint: "Select all that apply. Security messages, such as a password reset code you asked for, are always sent.",
      multiple: true,
      options: [
        ["email", "About your policies, claims and reports, by email"],
        ["sms", "About your policies, claims and reports, by text message"],
        ["offers", "About new offers"],
      ],
      values: [n?.email !== false ? "email" : "", n?.sms !== false ? "sms" : "", n?.offers ? "offers" : ""].filter(Boolean),
    }),
    button("Save"),
  );
  signedIn("Change your details", back("Your details", () => detailsPage()), page);
}

// ---- after buying: create the account with the session's token --------------------------------------------------
/** The account form shown with a newly issued policy: `POST /accounts` with the session token, then sign in. */
export function createAccountForm(sessionToken: string, email: string): HTMLElement {
  const page = form(
    async (f) => {
      base = await config();
      const typed = value(f, "account-email");
      const password = (f.elements.namedItem("account-password") as HTMLInputElement).value;
      const found: FieldError[] = [];
      if (!typed) found.push({ id: "account-email", message: "Enter your email address" });
      if (!password) found.push({ id: "account-password", message: "Create a password" });
      if (found.length) return showErrors(f, found);
      const session = createClient<paths>({ baseUrl: base.api_url });
      session.use({
        onRequest({ request }) {
          request.headers.set("Authorization", `Bearer ${sessionToken}`);
          return request;
        },
      });
      const created = await session.POST("/accounts", { body: { email: typed, password } });
      if (!created.data) {
        const problem = problemOf(created.error, created.response);
        if (created.response.status === 409) {
          const errors = [{ id: "account-email", message: "This email address or this policy already has an account. Sign in instead." }];
          showErrors(f, errors);
          f.parentElement?.querySelector(".error-summary-list")?.append(h("li", null, pageLink("/account/sign-in", "Sign in")));
          return;
        }
        return showErrors(f, fieldErrors(problem, { email: "account-email", password: "account-password" }, "account-password"));
      }
      const login = await createClient<paths>({ baseUrl: base.api_url }).POST("/auth/login", { body: { email: typed, password } });
      if (login.data) {
        remember(login.data);
        return go("/account");
      }
      go("/account/sign-in");
    },
    textInput({ id: "account-email", label: "Email address", hint: "You will sign in with it.", type: "email", autocomplete: "username", value: email, spellcheck: false }),
    textInput({ id: "account-password", label: "Create a password", hint: "At least 8 characters. Avoid common passwords and your email address.", type: "password", autocomplete: "new-password", width: "medium" }),
    button("Create account"),
  );
  return h("section", { class: "account-create", "aria-labelledby": "account-create-title" }, h("h2", { id: "account-create-title" }, "Create an account"), h("p", null, "Come back to see your policy and its documents, change what it covers or cancel it."), page);
}
