/** Opens the page for the current path: `/` buy, `/t/{tag_id}` report, `/admin` back office, `/account` policies. */
import "./styles.css";
import { buyPage } from "./pages/buy";
import { h, showPage } from "./ui/dom";

async function route(): Promise<void> {
  const path = window.location.pathname;
  const tag = /^\/t\/([^/]+)\/?$/.exec(path);
  if (tag) {
    const { reportPage } = await import("./pages/report");
    return reportPage(decodeURIComponent(tag[1]));
  }
  if (path.startsWith("/admin")) {
    const { adminPage } = await import("./pages/admin");
    return adminPage();
  }
  if (path.startsWith("/account")) {
    const { accountPage } = await import("./pages/account");
    return accountPage(path);
  }
  return buyPage();
}

function open(): void {
  route().catch((error: unknown) => {
    console.warn(error);
    showPage("Sorry, there is a problem with the service", h("p", null, "Try again later."));
  });
}

window.addEventListener("popstate", open); // the back button, and links followed without a reload (ui/dom.ts go)
open();
