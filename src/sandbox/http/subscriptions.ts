// GET /subscriptions: the world's subscriptions, as Resource Manager lists the subscriptions a caller can see.
import { allSubscriptions } from "../fleet.js";
import type { SubscriptionRecord, World } from "../world.js";
import type { RouteContext, RouteResult } from "./context.js";

/** What the sandbox's subscription is called wherever a name is shown. */
export const SANDBOX_SUBSCRIPTION_NAME = "acr-cmk sandbox";

/** Every field SubscriptionClient deserialises (api-version 2022-12-01), as ARM fills them for a pay-as-you-go one. */
export function subscriptionBody(world: World, subscription?: SubscriptionRecord): unknown {
  const subscriptionId = subscription?.subscriptionId ?? world.subscriptionId;
  return {
    id: `/subscriptions/${subscriptionId}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    tags: {},
    subscriptionId,
    tenantId: world.tenantId,
    displayName:
      subscription && subscription.subscriptionId !== world.subscriptionId
        ? subscription.displayName
        : SANDBOX_SUBSCRIPTION_NAME,
    state: "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
  };
}

/** One page, no nextLink, and the `count` ARM adds to this list; subscriptions the operator cannot read are not listed. */
export function listSubscriptions(ctx: RouteContext): RouteResult {
  const world = ctx.store.read();
  const value = allSubscriptions(world)
    .filter((s) => s.readable)
    .map((s) => subscriptionBody(world, s));
  return { status: 200, body: { value, count: { type: "Total", value: value.length } } };
}
