/**
 * Report: `/t/{tag_id}`, the URL in a tag's QR code, on a phone. Who is reporting, where (the browser's location
 * with permission, or typed), what happened; then what to do now (updated as facts are added) and each insurer's
 * progress live over the WebSocket, polling when the socket is not available: the owner sees their claims, someone
 * else who reported sees each of the owner's insurers' statuses (nothing more). `watchEvent` shows the same live
 * view to a signed-in customer (their access token instead of the reporter token).
 */
import { api, config, newKey, problemOf, type Config, type Schemas } from "../api/client";
import { h, humanize, showPage } from "../ui/dom";
import { button, checked, choices, clearErrors, form, showErrors, textArea, textInput, value, type FieldError } from "../ui/forms";
import { inUtc } from "../ui/time";

type RiskEvent = Schemas["RiskEventView"];
type Insurer = Schemas["InsurerProgress"];
type Facts = Schemas["Facts"];

const EVENT_TYPES: Array<[string, string]> = [
  ["theft", "It was stolen"],
  ["loss", "It was lost"],
  ["found", "I found it"],
  ["fire", "Fire"],
  ["water_damage", "Water damage"],
  ["collision", "A collision or accident"],
  ["injury", "Someone is hurt"],
  ["vandalism", "Vandalism"],
  ["weather", "Storm or weather damage"],
  ["other", "Something else"],
];
const FINAL = new Set(["paid", "denied", "closed", "unreachable"]);
const POLL_MS = 3000;
// What each kind of step is about, as a heading a person reads (the API gives the category's code).
const CATEGORIES: Record<Schemas["GuidanceStep"]["category"], string> = {
  safety: "Your safety",
  secure: "Protect the scene",
  authorities: "Police and emergency services",
  document: "Keep a record",
  insurers: "Your insurers",
  information: "Good to know",
};
// An insurer's status in words (the others read as they are: "Received", "Assessing", "Approved"...).
const STATUSES: Partial<Record<Insurer["status"], string>> = {
  pending: "Being told now",
  unreachable: "Could not be reached",
};
// The step the third party's guidance gains once the platform has really told the owner (data/guidance).
const OWNER_TOLD = "third-party-owner-notified";

interface Report {
  tag: string;
  owner: boolean;
  reporter: { name: string; phone: string; email: string; share: boolean };
  location: Schemas["Location"] | null;
  place: string;
}

let base: Config;
let report: Report;

export async function reportPage(tag: string): Promise<void> {
  base = await config();
  report = { tag, owner: false, reporter: { name: "", phone: "", email: "", share: false }, location: null, place: "" };
  whoStep();
}

function whoStep(errors: FieldError[] = []): void {
  const r = report.reporter;
  const page = form(
    (f) => {
      const who = value(f, "who");
      r.name = value(f, "reporter-name");
      r.phone = value(f, "reporter-phone");
      r.email = value(f, "reporter-email");
      r.share = checked(f, "share-contact").includes("yes");
      const found: FieldError[] = [];
      if (!who) found.push({ id: "who", message: "Select whether this is yours" });
      if (!r.name) found.push({ id: "reporter-name", message: "Enter your name" });
      if (!r.phone && !r.email) found.push({ id: "reporter-phone", message: "Enter a phone number or an email address" });
      if (found.length) return showErrors(f, found);
      report.owner = who === "owner";
      whereStep();
    },
    choices({
      id: "who",
      label: "Is this yours?",
      options: [
        ["owner", "Yes, it is mine"],
        ["finder", "No, I found it or I am reporting for someone else"],
      ],
      value: report.owner ? "owner" : "",
    }),
    textInput({ id: "reporter-name", label: "Your name", autocomplete: "name", value: r.name, spellcheck: false }),
    textInput({
      id: "reporter-phone",
      label: "Your phone number",
      hint: "If it is yours, use the number you gave when you insured it.",
      type: "tel",
      autocomplete: "tel",
      value: r.phone,
    }),
    textInput({ id: "reporter-email", label: "Your email address (optional)", type: "email", autocomplete: "email", value: r.email, spellcheck: false }),
    choices({
      id: "share-contact",
      label: "Can the insurers contact you?",
      legendClass: "label",
      hint: "Only if you agree, we pass your phone number and email address to the item's insurers with the claim. Otherwise they stay with us and the owner.",
      multiple: true,
      options: [["yes", "Yes, pass my contact details to the insurers"]],
      values: r.share ? ["yes"] : [],
    }),
    button("Continue"),
  );
  showPage(
    "Report a problem with this item",
    h("p", { class: "lead" }, "Tell us what happened. We will tell you what to do now and alert the people who need to know."),
    page,
    h("p", { class: "hint small" }, `Tag reference: ${report.tag}`), // no public route tells what the tag is on
  );
  if (errors.length) showErrors(page, errors);
  if (!performance.getEntriesByName("report-form-ready").length) performance.mark("report-form-ready"); // make bench
}

function whereStep(): void {
  const status = h("p", { id: "location-status", role: "status", class: "hint" }, report.location ? located(report.location) : "");
  const locate = h(
    "button",
    {
      type: "button",
      class: "button secondary",
      id: "use-location",
      onclick: () => {
        if (!("geolocation" in navigator)) {
          status.textContent = "This browser cannot share its location. Describe where you are instead.";
          return;
        }
        status.textContent = "Finding your location…";
        navigator.geolocation.getCurrentPosition(
          (position) => {
            report.location = {
              lat: position.coords.latitude,
              lon: position.coords.longitude,
              accuracy_m: Math.max(0, Math.round(position.coords.accuracy)),
              method: "gps",
            };
            status.textContent = located(report.location);
          },
          () => {
            status.textContent = "We could not get your location. Describe where you are instead.";
          },
          { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
        );
      },
    },
    "Use my location",
  );
  const page = form(
    (f) => {
      report.place = value(f, "place");
      whatStep();
    },
    h("div", { class: "field" }, h("p", null, "Sharing your location helps the emergency services and the insurers find the item."), locate, status),
    textArea({ id: "place", label: "Or describe where you are (optional)", hint: "For example, the address, or a landmark", rows: 3, value: report.place }),
    button("Continue"),
  );
  showPage("Where are you?", h("a", { href: "#", class: "back-link", onclick: (e: Event) => (e.preventDefault(), whoStep()) }, "Back"), page);
}

function located(location: Schemas["Location"]): string {
  return `Location shared (accurate to about ${location.accuracy_m} m).`;
}

function whatStep(errors: FieldError[] = []): void {
  const page = form(
    async (f) => {
      const eventType = value(f, "event_type");
      const injuries = value(f, "injuries");
      if (!eventType) return showErrors(f, [{ id: "event_type", message: "Select what happened" }]);
      const description = [value(f, "description"), report.place ? `Where: ${report.place}` : ""].filter(Boolean).join("\n");
      const facts: Facts = { event_type: eventType as Facts["event_type"] };
      if (injuries) facts.injuries = injuries === "yes";
      if (description) facts.description = description;
      const r = report.reporter;
      const { data, error, response } = await api(base).POST("/risk-events", {
        headers: { "Idempotency-Key": newKey() },
        body: {
          tag_id: report.tag,
          reporter: { name: r.name, phone: r.phone || null, email: r.email || null, share_contact_with_insurers: r.share },
          location: report.location,
          occurred_at: new Date().toISOString(),
          facts,
        },
      });
      if (!data) {
        const problem = problemOf(error, response);
        return showErrors(f, [{ id: "", message: problem.detail ?? problem.title }]);
      }
      await eventPage(data.risk_event_id, data.reporter_token);
    },
    choices({ id: "event_type", label: "Which of these best describes it?", options: EVENT_TYPES }),
    choices({ id: "injuries", label: "Is anyone hurt?", options: [["yes", "Yes"], ["no", "No"]] }),
    textArea({ id: "description", label: "Anything else we should know (optional)", rows: 3 }),
    button("Send report"),
  );
  showPage("What happened?", h("a", { href: "#", class: "back-link", onclick: (e: Event) => (e.preventDefault(), whereStep()) }, "Back"), page);
  if (errors.length) showErrors(page, errors);
}

// ---- the event: guidance, facts, insurers live -------------------------------------------------------------------
interface Live {
  id: string;
  token: string;
  owner: boolean;
  insurers: Map<string, Insurer>;
  guidance: Schemas["GuidanceStep"][];
  etag: string;
  socket: WebSocket | null;
  timer: number | null;
}

let live: Live = { id: "", token: "", owner: false, insurers: new Map(), guidance: [], etag: "", socket: null, timer: null };

async function eventPage(id: string, token: string): Promise<void> {
  await showEvent(id, token, null);
}

/**
 * A signed-in customer's event, live (their access token reads it and subscribes to it), under a back link. The
 * facts form is the reporter's (their token sends facts), so it is not offered here.
 */
export async function watchEvent(id: string, token: string, backLink: HTMLElement): Promise<void> {
  base = await config();
  await showEvent(id, token, backLink);
  window.addEventListener("popstate", () => stopLive(""), { once: true }); // leaving the page ends its live view
}

async function showEvent(id: string, token: string, backLink: HTMLElement | null): Promise<void> {
  stopLive("");
  live = { id, token, owner: false, insurers: new Map(), guidance: [], etag: "", socket: null, timer: null };
  const { data, error, response } = await api(base, token).GET("/risk-events/{risk_event_id}", {
    params: { path: { risk_event_id: id } },
  });
  if (!data) {
    showPage("Sorry, there is a problem", h("p", null, problemOf(error, response).detail ?? "Try again."));
    return;
  }
  live.etag = response.headers.get("ETag") ?? "";
  const owner = data.reporter_is_customer || backLink !== null;
  live.owner = owner;
  const guidance = h("div", { id: "guidance", "aria-live": "polite" });
  const insurers = h("ul", { id: "insurers", class: "insurers" });
  const liveStatus = h("p", { id: "live-status", class: "hint", "data-mode": "starting" }, "Connecting for live updates…");
  const title = backLink ? `${data.object_description}: what is happening` : owner ? "Your report is in" : "Thank you, your report is in";
  showPage(
    title,
    backLink,
    backLink ? h("p", { class: "lead" }, `Reported ${inUtc(data.created_at)}.`) : null,
    // what the platform has done so far, as the event shows it (said done only once it is: see `progress`)
    h("p", { id: "report-progress", class: "lead", role: "status" }),
    h("h2", null, "What to do now"),
    guidance,
    h(
      "section",
      { "aria-labelledby": "insurers-title" },
      h("h2", { id: "insurers-title" }, owner ? "Your insurers" : "The owner's insurers"),
      owner ? null : h("p", { class: "hint" }, "Each insurer's progress on the owner's claim, as it happens."),
      liveStatus,
      h("div", { "aria-live": "polite", "aria-relevant": "all" }, insurers),
    ),
    backLink ? null : factsForm(),
    h("p", { class: "hint" }, `Reference ${id}`),
  );
  renderGuidance(data.guidance);
  updateInsurers(data.insurers);
  if (!live.insurers.size) setMode("waiting", "The insurers appear here once the claim is on its way.");
  connect();
}

function factsForm(): HTMLElement {
  const yesNo: Array<[string, string]> = [["yes", "Yes"], ["no", "No"]];
  return h(
    "section",
    { "aria-labelledby": "facts-title" },
    h("h2", { id: "facts-title" }, "Tell us more"),
    h("p", null, "Add what you learn. The advice above changes with it."),
    form(
      async (f) => {
        const facts: Facts = {};
        const flag = (id: keyof Facts) => {
          const v = value(f, id);
          if (v) (facts as Record<string, unknown>)[id] = v === "yes";
        };
        flag("smoke_visible");
        flag("injuries");
        flag("police_notified");
        const description = value(f, "more-description");
        if (description) facts.description = description;
        if (!Object.keys(facts).length) return showErrors(f, [{ id: "smoke_visible", message: "Answer a question or add a note" }]);
        const { data, error, response } = await api(base, live.token).POST("/risk-events/{risk_event_id}/facts", {
          params: { path: { risk_event_id: live.id } },
          body: facts,
        });
        if (!data) return showErrors(f, [{ id: "", message: problemOf(error, response).detail ?? "The update was not sent." }]);
        clearErrors(f);
        renderGuidance((data as RiskEvent).guidance);
        const sent = document.getElementById("facts-sent");
        if (sent) sent.textContent = "Thank you, the advice has been updated.";
      },
      choices({ id: "smoke_visible", label: "Can you see smoke?", options: yesNo }),
      choices({ id: "injuries", label: "Is anyone hurt?", options: yesNo }),
      choices({ id: "police_notified", label: "Have the police been told?", options: yesNo }),
      textArea({ id: "more-description", label: "Anything else (optional)", rows: 3 }),
      h("p", { id: "facts-sent", role: "status" }),
      button("Send update"),
    ),
  );
}

function renderGuidance(steps: Schemas["GuidanceStep"][]): void {
  live.guidance = steps;
  showProgress();
  finishWhenDone();
  const region = document.getElementById("guidance");
  if (!region) return;
  region.replaceChildren(
    steps.length
      ? h(
          "ol",
          { class: "steps" },
          steps.map((s) => h("li", { "data-rule": s.rule_id }, h("span", { class: "category" }, CATEGORIES[s.category] ?? humanize(s.category)), s.text)),
        )
      : h("p", null, "Stay safe. We will update this advice as you tell us more."),
  );
}

/** What the platform has done for this report, from the event itself: the owner is "told" only once the guidance
 * says so (the step appears when the message was delivered), an insurer "has it" only once it answered. */
function showProgress(): void {
  const region = document.getElementById("report-progress");
  if (region) region.textContent = progress(live.owner, live.guidance, Array.from(live.insurers.values()));
}

function progress(owner: boolean, guidance: Schemas["GuidanceStep"][], insurers: Insurer[]): string {
  const names = (list: Insurer[]) => list.map((i) => i.name ?? "an insurer").join(" and ");
  const reached = insurers.filter((i) => i.status !== "pending" && i.status !== "unreachable");
  const sending = insurers.filter((i) => i.status === "pending");
  const lost = insurers.filter((i) => i.status === "unreachable");
  const said: string[] = [];
  if (!owner) said.push(ownerTold(guidance) ? "We have told the owner." : "We are telling the owner now.");
  if (!insurers.length) said.push(owner ? "We are telling your insurers now." : "We are telling their insurers now.");
  if (reached.length) said.push(`${names(reached)} ${reached.length === 1 ? "has" : "have"} ${owner ? "your" : "the owner's"} claim.`);
  if (sending.length) said.push(`We are telling ${names(sending)} now.`);
  if (lost.length) said.push(`We could not reach ${names(lost)}.`);
  return said.join(" ");
}

function updateInsurers(insurers: Insurer[]): void {
  // A push and the subscription's snapshot may arrive in either order: the later state of an insurer wins.
  for (const insurer of insurers) {
    const known = live.insurers.get(insurer.insurer_id);
    if (!known || !known.updated_at || !insurer.updated_at || Date.parse(insurer.updated_at) >= Date.parse(known.updated_at)) {
      live.insurers.set(insurer.insurer_id, insurer);
    }
  }
  const list = document.getElementById("insurers");
  if (!list) return;
  const items = Array.from(live.insurers.values()).map((i, index) =>
    h(
      "li",
      { "data-insurer": i.insurer_id, "data-status": i.status },
      h("strong", null, i.name ?? `Insurer ${index + 1}`),
      i.policy_number ? ` · policy ${i.policy_number}` : "",
      h("br"),
      h("span", { class: `status ${FINAL.has(i.status) ? (i.status === "paid" || i.status === "closed" ? "final" : "bad") : ""}` }, STATUSES[i.status] ?? humanize(i.status)),
      i.claim_reference ? ` · claim ${i.claim_reference}` : "",
      i.updated_at ? [h("br"), h("span", { class: "hint" }, `Updated ${inUtc(i.updated_at)}`)] : null,
      latestNote(i) ? h("p", { class: "note" }, latestNote(i)) : null,
    ),
  );
  list.replaceChildren(...items);
  showProgress();
  finishWhenDone();
}

/** Live updates end once every insurer has answered and, for someone else who reported, once the owner is told. */
function finishWhenDone(): void {
  const insurers = Array.from(live.insurers.values());
  if (!insurers.length || !insurers.every((i) => FINAL.has(i.status)) || !(live.owner || ownerTold(live.guidance))) return;
  stopLive("Every insurer has answered.");
}

function ownerTold(guidance: Schemas["GuidanceStep"][]): boolean {
  return guidance.some((s) => s.rule_id === OWNER_TOLD);
}

/** The insurer's latest note (the owner's view; a third party's view carries none). */
function latestNote(insurer: Insurer): string {
  const history = insurer.history ?? [];
  return history.length ? (history[history.length - 1].note ?? "") : "";
}

function setMode(mode: string, text: string): void {
  const status = document.getElementById("live-status");
  if (!status) return;
  status.dataset.mode = mode;
  status.textContent = text;
}

function connect(): void {
  if (!base.websocket_url || !("WebSocket" in window)) return poll();
  const url = `${base.websocket_url}?risk_event_id=${encodeURIComponent(live.id)}&token=${encodeURIComponent(live.token)}`;
  let socket: WebSocket;
  try {
    socket = new WebSocket(url);
  } catch {
    return poll();
  }
  live.socket = socket;
  socket.addEventListener("open", () => {
    setMode("websocket", "Live: updates appear here as they happen.");
    socket.send(JSON.stringify({ action: "subscribe", risk_event_id: live.id, token: live.token }));
  });
  socket.addEventListener("message", (message) => {
    let payload: { type?: string; insurers?: Insurer[]; insurer?: Insurer; guidance?: Schemas["GuidanceStep"][] };
    try {
      payload = JSON.parse(String(message.data));
    } catch {
      return;
    }
    if (payload.type === "snapshot" && payload.insurers) {
      updateInsurers(payload.insurers);
      void readEvent(); // the snapshot has no guidance: a change pushed before the subscription is read here once
    } else if (payload.type === "insurer_progress" && payload.insurer) {
      updateInsurers([payload.insurer]);
    } else if (payload.guidance) {
      renderGuidance(payload.guidance);
    }
  });
  socket.addEventListener("close", () => {
    if (live.socket === socket) {
      live.socket = null;
      poll();
    }
  });
}

/** The fallback: reads the event every few seconds. */
function poll(): void {
  if (live.timer !== null || document.getElementById("live-status")?.dataset.mode === "done") return;
  setMode("polling", "Checking for updates every few seconds.");
  live.timer = window.setInterval(readEvent, POLL_MS);
}

/** Reads the event if it changed since the last read (If-None-Match: an unchanged event costs a 304). */
async function readEvent(): Promise<void> {
  const id = live.id;
  const response = await fetch(`${base.api_url}/risk-events/${encodeURIComponent(id)}`, {
    headers: { Authorization: `Bearer ${live.token}`, ...(live.etag ? { "If-None-Match": live.etag } : {}) },
  }).catch(() => null);
  if (response?.status !== 200 || live.id !== id) return;
  live.etag = response.headers.get("ETag") ?? "";
  const event = (await response.json()) as RiskEvent;
  renderGuidance(event.guidance);
  updateInsurers(event.insurers);
}

function stopLive(text: string): void {
  if (text) setMode("done", text);
  if (live.timer !== null) window.clearInterval(live.timer);
  live.timer = null;
  const socket = live.socket;
  live.socket = null;
  socket?.close();
}
