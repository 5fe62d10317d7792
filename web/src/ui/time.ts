/**
 * A moment as the platform writes it for people, in UTC (it does not know the reader's time zone): "3 December
 * 2026, 10:08 UTC", the format of the guidance's deadlines ("by 3 December 2026, 10:08 UTC"), so a page that shows
 * both reads one format.
 */
const DATE = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
const TIME = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "UTC" });

export function inUtc(value: string | null | undefined): string {
  if (!value) return "";
  const moment = new Date(value);
  return Number.isNaN(moment.getTime()) ? "" : `${DATE.format(moment)}, ${TIME.format(moment)} UTC`;
}
