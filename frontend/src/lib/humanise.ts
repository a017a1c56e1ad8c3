// Technical values (ISO durations, event types, role ids, audit entries) in the user's words.
import type { TFunction } from 'i18next';
import i18n from './i18n';

/** A translation looked up by a key built at run time; undefined when the catalog lacks it. */
function lookup(key: string): string | undefined {
  return i18n.exists(key) ? (i18n.t as unknown as (k: string) => string)(key) : undefined;
}

/** `vlan_id` / `member_added` -> `Vlan id` / `Member added`: the last resort for unknown values. */
export function sentenceCase(value: string): string {
  const words = value.replace(/[._-]+/g, ' ').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const UNITS = [
  ['day', 'D'],
  ['hour', 'H'],
  ['minute', 'M'],
  ['second', 'S'],
] as const;

/** `PT1H30M` -> "1 hour, 30 minutes" ("1 ora e 30 minuti"); `PT0S` -> "none"; null -> "". */
export function formatDuration(iso: string | null | undefined, language: string): string {
  if (!iso) return '';
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m) return iso;
  const parts = UNITS.map(([unit], i) => [unit, Number(m[i + 1] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([unit, n]) => new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'long' }).format(n));
  if (parts.length === 0) return lookup('humanise.noDuration') ?? '0';
  return new Intl.ListFormat(language, { style: 'long', type: 'conjunction' }).format(parts);
}

/** Roles of the platform and the sites; identity-provider internals are not shown at all. */
const HIDDEN_ROLES = /^(offline_access|uma_authorization|default-roles-.*)$/;

export function visibleRoles(roles: string[]): string[] {
  return roles.filter((r) => !HIDDEN_ROLES.test(r));
}

export function roleLabel(role: string): string {
  return lookup(`roles.${role.replace(/[-.]/g, '_')}`) ?? sentenceCase(role);
}

/** `reservation.created` -> "Booking created"; unknown types read as words. */
export function eventLabel(type: string): string {
  return lookup(`events.${type.replace(/\./g, '_')}`) ?? sentenceCase(type);
}

export function auditEntityLabel(entity: string): string {
  return lookup(`auditEntities.${entity}`) ?? sentenceCase(entity);
}

/** The server records both `create` and `created`: one past-tense verb for each. */
const ACTION_ALIASES: Record<string, string> = { create: 'created', update: 'updated', delete: 'deleted', add: 'added', remove: 'removed', change_role: 'role_changed' };

export function auditActionLabel(action: string): string {
  const normal = ACTION_ALIASES[action] ?? action;
  return lookup(`auditActions.${normal}`) ?? sentenceCase(normal);
}

/** The name of what an audit entry is about, from its snapshot (title, name, username...). */
export function auditSubject(before: unknown, after: unknown): string | undefined {
  for (const snapshot of [after, before]) {
    if (snapshot && typeof snapshot === 'object') {
      const s = snapshot as Record<string, unknown>;
      for (const field of ['title', 'name', 'display_name', 'username', 'slug', 'fingerprint']) {
        if (typeof s[field] === 'string' && s[field]) return s[field] as string;
      }
    }
  }
  return undefined;
}

export type { TFunction };
