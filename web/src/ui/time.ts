/**
 * Days and moments as the platform writes them for people, in UTC (it does not know the reader's time zone): a day
 * "10 December 1985", a time "10:08 UTC", a moment "3 December 2026, 10:08 UTC" (the format of the guidance's
 * deadlines, "by 3 December 2026, 10:08 UTC", and of the policy documents), so every page reads one format.
 */
const DATE = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
const TIME = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "UTC" });

/** A day in words ("10 December 1985") from an ISO date or an RFC 3339 timestamp (its UTC day); "" if unreadable. */
export function day(value: string | null | undefined): string {
  if (!value) return "";
  const date = new Date(`${value.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? "" : DATE.format(date);
}

/** The time of `moment` in UTC: "10:08 UTC". */
export function clock(moment: Date): string {
  return `${TIME.format(moment)} UTC`;
}

/** A moment in words, in UTC: "3 December 2026, 10:08 UTC"; "" if unreadable. */
export function inUtc(value: string | null | undefined): string {
  if (!value) return "";
  const moment = new Date(value);
  return Number.isNaN(moment.getTime()) ? "" : `${DATE.format(moment)}, ${clock(moment)}`;
}
