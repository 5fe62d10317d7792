/**
 * The customer's login in this tab (sessionStorage: gone when the tab closes): the access token, refreshed shortly
 * before it runs out and once more when the API answers 401, and the single-use refresh token.
 */
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";
import { type Config, type Schemas } from "./client";

const KEY = "insure.login";
const EARLY_MS = 30_000; // refresh this long before the access token runs out

interface Login {
  access_token: string;
  refresh_token: string;
  expires_at: number; // epoch ms
  customer_id: string;
}

export function currentLogin(): Login | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) ?? "null") as Login | null;
    return stored && stored.access_token && stored.refresh_token ? stored : null;
  } catch {
    return null;
  }
}

export function remember(tokens: Schemas["Tokens"]): void {
  const login: Login = {
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    expires_at: Date.now() + tokens.expires_in * 1000,
    customer_id: tokens.customer_id,
  };
  sessionStorage.setItem(KEY, JSON.stringify(login));
}

export function forget(): void {
  sessionStorage.removeItem(KEY);
}

let refreshing: Promise<Login | null> | null = null;

/** New tokens for the refresh token, once at a time (a refresh token works once: two at once would end the login). */
function refresh(base: Config): Promise<Login | null> {
  if (refreshing) return refreshing;
  const login = currentLogin();
  if (!login) return Promise.resolve(null);
  refreshing = (async () => {
    try {
      const { data } = await createClient<paths>({ baseUrl: base.api_url }).POST("/auth/refresh", {
        body: { refresh_token: login.refresh_token },
      });
      if (!data) {
        forget(); // expired, spent or ended: sign in again
        return null;
      }
      remember(data);
      return currentLogin();
    } catch {
      return null;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** A valid access token, refreshed first when it is about to run out; null when signed out. */
export async function accessToken(base: Config): Promise<string | null> {
  const login = currentLogin();
  if (!login) return null;
  if (login.expires_at - Date.now() > EARLY_MS) return login.access_token;
  return (await refresh(base))?.access_token ?? null;
}

/** The API client for the signed-in customer: bearer access token; a 401 refreshes the tokens and retries once. */
export function customerApi(base: Config) {
  const client = createClient<paths>({ baseUrl: base.api_url });
  const copies = new WeakMap<Request, Request>();
  const middleware: Middleware = {
    async onRequest({ request }) {
      const token = await accessToken(base);
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      copies.set(request, request.clone());
      return request;
    },
    async onResponse({ request, response }) {
      const copy = copies.get(request);
      if (response.status !== 401 || !copy || !currentLogin()) return response;
      const renewed = await refresh(base);
      if (!renewed) return response;
      copy.headers.set("Authorization", `Bearer ${renewed.access_token}`);
      return fetch(copy);
    },
  };
  client.use(middleware);
  return client;
}
