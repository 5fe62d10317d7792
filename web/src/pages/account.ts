/** Your policies: signing in, policies, versions, amendments and cancellation come with the policyholder API. */
import { h, showPage } from "../ui/dom";

export async function accountPage(): Promise<void> {
  showPage(
    "Your policies",
    h("p", { class: "lead" }, "Signing in to see your policies, amend or cancel them is not available yet."),
    h("p", null, "Keep your policy number and the PDF you downloaded after paying: they are your proof of cover."),
    h("p", null, h("a", { href: "/" }, "Get a quote")),
  );
}
