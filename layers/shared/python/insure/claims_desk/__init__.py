"""The platform's own claims desk: the platform is one of the insurers a claim goes to.

It is registered in the insurer registry like any other insurer (`registration.own_insurer`), with the platform's
own claims API as its `base_url`, so the fan-out files with it, polls it and sends it facts through the same
connector, signed the same way, with no special case. Its intake records one claim per incident and policy;
adjusters move claims through `received → assessing → approved | denied → paid → closed` in the back office, and
each change reaches the risk event's timeline as a signed progress webhook, as another insurer's would."""
