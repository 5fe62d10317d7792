/** The API client: openapi-fetch typed by the types generated from the published OpenAPI document. */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

/** Where the API, the WebSocket and the card tokenization endpoint are: the answer of `GET /config.json`. */
export type Config = Schemas["ClientConfig"];

/** An RFC 9457 problem as the API sends it; the pages make some of their own (a network failure, an unexpected
 * status), which have no type and may have no detail. */
export type Problem = Omit<Schemas["Problem"], "type" | "detail"> & Partial<Pick<Schemas["Problem"], "type" | "detail">>;

let loaded: Config | null = null;

/** Where the API, the WebSocket and the card tokenization endpoint are: `config.json`, deployed beside the files. */
export async function config(): Promise<Config> {
  if (loaded) return loaded;
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  loaded = (await response.json()) as Config;
  return loaded;
}

export function api(base: Config, token?: string) {
  const client = createClient<paths>({ baseUrl: base.api_url });
  if (token) {
    client.use({
      onRequest({ request }) {
        request.headers.set("Authorization", `Bearer ${token}`);
        return request;
      },
    });
  }
  return client;
}

/** The problem in an error answer (a network failure becomes a problem too, so pages have one thing to show). */
export function problemOf(error: unknown, response?: Response): Problem {
  if (error && typeof error === "object" && "title" in error) return error as Problem;
  return {
    title: "Something went wrong",
    status: response?.status ?? 0,
    detail: "Please try again in a moment.",
  };
}

/** Saves a file the API sent (`parseAs: "blob"`, such as a policy's PDF) under `filename`. */
export function saveFile(file: Blob, filename: string): void {
  const href = URL.createObjectURL(file);
  const save = document.createElement("a");
  save.href = href;
  save.download = filename;
  document.body.append(save);
  save.click();
  save.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

export function newKey(): string {
  return crypto.randomUUID();
}
