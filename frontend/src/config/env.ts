import { z } from 'zod/mini';

const EnvSchema = z.object({
  API_URL: z
    .string()
    .check(
      z.minLength(1),
      z.refine((v) => v.startsWith('/') || URL.canParse(v), 'must be an absolute URL or a path'),
    ),
  OIDC_ISSUER_URL: z.url(),
  OIDC_CLIENT_ID: z.string().check(z.minLength(1)),
});

export type Env = z.infer<typeof EnvSchema>;

declare global {
  interface Window {
    ENV?: unknown;
  }
}

export class ConfigError extends Error {
  readonly issues: string[];

  constructor(issues: string[]) {
    super(`Invalid runtime configuration: ${issues.join('; ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function parseEnv(raw: unknown): Env {
  if (raw === undefined || raw === null) {
    throw new ConfigError(['window.ENV is missing: /config.js was not loaded']);
  }
  const result = EnvSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || 'ENV'}: ${issue.message}`),
    );
  }
  return { ...result.data, API_URL: result.data.API_URL.replace(/\/+$/, '') };
}

let current: Env | undefined;

export function loadEnv(): Env {
  current = parseEnv(window.ENV);
  return current;
}

export function getEnv(): Env {
  if (!current) throw new Error('Runtime configuration not loaded yet');
  return current;
}

export function setEnvForTests(env: Env): void {
  current = env;
}
