/**
 * The card form and its tokenization: the card goes straight from the browser to the card processor's browser
 * tokenization endpoint (as hosted card fields do) and the platform only ever receives the token. Used when buying
 * and when paying an amendment's difference.
 */
import { h } from "./dom";
import { showErrors, textInput, value, type FieldError } from "./forms";

export interface CardToken {
  token: string;
  brand: string;
  last4: string;
}

export const CARD_NOTE = "Your card details go straight to our card processor; we only receive a token.";

export function cardFields(): HTMLElement[] {
  const year = new Date().getFullYear();
  return [
    textInput({ id: "card-holder", label: "Name on card", autocomplete: "cc-name", spellcheck: false }),
    textInput({ id: "card-number", label: "Card number", hint: "The long number on the front of your card", autocomplete: "cc-number", inputmode: "numeric", spellcheck: false }),
    h(
      "div",
      { class: "inline-fields" },
      textInput({ id: "card-exp-month", label: "Expiry month", hint: "For example, 08", autocomplete: "cc-exp-month", inputmode: "numeric", width: "short" }),
      textInput({ id: "card-exp-year", label: "Expiry year", hint: `For example, ${year + 3}`, autocomplete: "cc-exp-year", inputmode: "numeric", width: "short" }),
    ),
    textInput({ id: "card-cvc", label: "Security code", hint: "The last 3 digits on the back of the card", autocomplete: "cc-csc", inputmode: "numeric", width: "short" }),
  ];
}

type Card = { holder: string; number: string; exp_month: number; exp_year: number; cvc: string };

/** The card as typed, or the errors of the questions left blank (shown by the caller). */
export function readCard(f: HTMLFormElement): { card: Card; errors: FieldError[] } {
  const card = {
    holder: value(f, "card-holder"),
    number: value(f, "card-number").replace(/[\s-]/g, ""),
    exp_month: Number(value(f, "card-exp-month")),
    exp_year: Number(value(f, "card-exp-year")),
    cvc: value(f, "card-cvc"),
  };
  const checks: Array<[string, string]> = [
    ["card-holder", "Enter the name on the card"],
    ["card-number", "Enter the card number"],
    ["card-exp-month", "Enter the month the card expires"],
    ["card-exp-year", "Enter the year the card expires"],
    ["card-cvc", "Enter the security code"],
  ];
  return { card, errors: checks.filter(([id]) => !value(f, id)).map(([id, message]) => ({ id, message })) };
}

/** Posts the card to the processor (never to the platform); a refusal is shown next to the card's field. */
export async function tokenize(url: string, f: HTMLFormElement, card: Card, clientReference: string): Promise<CardToken | null> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...card, client_reference: clientReference }),
      credentials: "omit",
    });
  } catch {
    showErrors(f, [{ id: "", message: "The card processor could not be reached. Try again." }]);
    return null;
  }
  const body = await response.json().catch(() => ({}));
  if (response.status !== 201) {
    const code = body?.error?.code as string | undefined;
    const message = body?.error?.message ?? "The card was refused by the card processor.";
    showErrors(f, [{ id: code === "invalid_cvc" ? "card-cvc" : "card-number", message }]);
    return null;
  }
  return body as CardToken;
}
