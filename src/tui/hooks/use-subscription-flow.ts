// No subscription on the command line: list the ones the person can see, take the only enabled one without asking,
// otherwise wait for a choice; then connect to it. Going back to the list keeps the listing it already has.
import { useCallback, useEffect, useMemo, useState } from "react";
import type { ChosenSubscription, SubscriptionChoice, SubscriptionSource, TuiConnection } from "../types.js";
import { usePending, type Pending } from "./use-pending.js";

/** What the TUI was started with when no subscription was given: the source, and the listing already under way. */
export interface SubscriptionFlowStart {
  source: SubscriptionSource;
  listing: Promise<SubscriptionChoice[]>;
}

export interface Chosen {
  subscription: ChosenSubscription;
  connection: Promise<TuiConnection>;
}

export interface SubscriptionFlow {
  listing: Pending<SubscriptionChoice[]>;
  chosen?: Chosen;
  /** About to be taken without asking (the list just arrived): show it as being connected, not the list. */
  deciding?: ChosenSubscription;
  /** The one chosen before the person came back to the list. */
  previous?: Chosen;
  choose(choice: SubscriptionChoice): void;
  /** Lists again (after a failure). */
  relist(): void;
  /** Back to the list to choose another; nothing is taken without asking this time. */
  reopen(): void;
  /** Back from the list to the subscription chosen before, as it was. */
  back(): void;
}

export function isSelectable(choice: SubscriptionChoice): boolean {
  return choice.state === "Enabled";
}

/** The subscription to take without asking: the only enabled one, if there is exactly one. */
export function automaticChoice(choices: readonly SubscriptionChoice[]): ChosenSubscription | undefined {
  const enabled = choices.filter(isSelectable);
  if (enabled.length !== 1) return undefined;
  return { choice: enabled[0] as SubscriptionChoice, automatic: choices.length === 1 ? "only" : "only-enabled" };
}

/** Inert without a start (the subscription came from flags): nothing listed, nothing chosen. */
export function useSubscriptionFlow(start: SubscriptionFlowStart | undefined): SubscriptionFlow | undefined {
  const [listingPromise, setListingPromise] = useState(start?.listing);
  const listing = usePending(listingPromise);
  const [chosen, setChosen] = useState<Chosen | undefined>();
  const [previous, setPrevious] = useState<Chosen | undefined>();
  // Only the first list that arrives may be decided for the person; after that they choose.
  const [mayDecide, setMayDecide] = useState(true);

  const connect = useCallback(
    (subscription: ChosenSubscription) => {
      if (!start) return;
      setChosen({ subscription, connection: start.source.connect(subscription.choice.subscriptionId) });
    },
    [start],
  );

  // Decided while rendering, so the list never flashes on screen before the effect below connects.
  const deciding = mayDecide && !chosen && listing.state === "ready" ? automaticChoice(listing.value) : undefined;
  useEffect(() => {
    if (!mayDecide || chosen || listing.state !== "ready") return;
    setMayDecide(false);
    const automatic = automaticChoice(listing.value);
    if (automatic) connect(automatic);
  }, [listing, mayDecide, chosen, connect]);

  const choose = useCallback(
    (choice: SubscriptionChoice) => {
      if (isSelectable(choice)) connect({ choice });
    },
    [connect],
  );
  const relist = useCallback(() => {
    if (start) setListingPromise(start.source.listSubscriptions());
  }, [start]);
  const reopen = useCallback(() => {
    setMayDecide(false);
    setPrevious(chosen);
    setChosen(undefined);
  }, [chosen]);
  const back = useCallback(() => {
    if (previous) setChosen(previous);
  }, [previous]);

  return useMemo(
    () =>
      start
        ? {
            listing,
            ...(chosen ? { chosen } : {}),
            ...(deciding ? { deciding } : {}),
            ...(previous ? { previous } : {}),
            choose,
            relist,
            reopen,
            back,
          }
        : undefined,
    [start, listing, chosen, deciding, previous, choose, relist, reopen, back],
  );
}
