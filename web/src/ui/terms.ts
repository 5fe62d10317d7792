/** Reading a terms document before "I accept": the text as the person is shown it and its SHA-256, which the
 * acceptance sends back so the platform knows exactly what was read. */
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
