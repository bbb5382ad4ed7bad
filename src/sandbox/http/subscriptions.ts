// GET /subscriptions: the world's one subscription, as Resource Manager lists the subscriptions a caller can see.
import type { World } from "../world.js";
import type { RouteContext, RouteResult } from "./context.js";

/** What the sandbox's subscription is called wherever a name is shown. */
export const SANDBOX_SUBSCRIPTION_NAME = "acr-cmk sandbox";

/** Every field SubscriptionClient deserialises (api-version 2022-12-01), as ARM fills them for a pay-as-you-go one. */
export function subscriptionBody(world: World): unknown {
  return {
    id: `/subscriptions/${world.subscriptionId}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    tags: {},
    subscriptionId: world.subscriptionId,
    tenantId: world.tenantId,
    displayName: SANDBOX_SUBSCRIPTION_NAME,
    state: "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
  };
}

/** One page, no nextLink, and the `count` ARM adds to this list. */
export function listSubscriptions(ctx: RouteContext): RouteResult {
  const world = ctx.store.read();
  return { status: 200, body: { value: [subscriptionBody(world)], count: { type: "Total", value: 1 } } };
}
