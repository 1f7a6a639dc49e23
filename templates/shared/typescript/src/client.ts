/**
 * The API's typed client: every path, body and answer is typed from schema.d.ts, which
 * `npm run generate` writes from the app's own OpenAPI document.
 */
import createClient from "openapi-fetch";

import type { components, paths } from "./schema.js";

export type Schemas = components["schemas"];

/** A client of the API at `baseUrl`; with `token`, every request sends it as a bearer token. */
export function connect(baseUrl: string, token?: string) {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  return createClient<paths>({ baseUrl, headers });
}

/** An answer that is not the one expected, with its status and its error body. */
export class ApiError extends Error {
  constructor(
    readonly step: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${step}: HTTP ${status} ${JSON.stringify(body)}`);
  }
}
