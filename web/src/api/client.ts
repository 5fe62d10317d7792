/** The API client: openapi-fetch typed by the types generated from the published OpenAPI document. */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

export interface Config {
  api_url: string;
  websocket_url: string;
  card_tokenization_url: string;
}

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

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

export function newKey(): string {
  return crypto.randomUUID();
}
