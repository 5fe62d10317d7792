/** Places as a person reads them: a state by its name ("New York"), an address on one line as it is written on an
 * envelope ("1 Main St, New York, NY 10001"). The names are the platform's own (`data/wording/common.json`, which
 * the policy documents and terms use); esbuild bundles only its `states`. */
import { states } from "../../../data/wording/common.json";

const NAMES: Record<string, string> = states;

/** "New York" for "NY"; an unknown code as it is. */
export function stateName(code: string | null | undefined): string {
  return code ? (NAMES[code.toUpperCase()] ?? code) : "";
}

export interface Address {
  line1?: string | null;
  line2?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
}

/** An address on one line: "1 Main St, Apt 2, New York, NY 10001". */
export function addressLine(address: Address): string {
  const region = [address.state, address.zip].filter(Boolean).join(" ");
  return [address.line1, address.line2, address.city, region].filter(Boolean).join(", ");
}
