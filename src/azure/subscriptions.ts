// The subscriptions the signed-in identity can see, through @azure/arm-resources-subscriptions (GET /subscriptions,
// paged by nextLink). Needs no subscription id: it is how a person without one finds theirs.
import { SubscriptionClient, type Subscription } from "@azure/arm-resources-subscriptions";
import type { TokenCredential } from "@azure/core-auth";
import { callAzure } from "./errors.js";
import { isGuid } from "./ids.js";
import { normaliseArmEndpoint, pipelineOptions, type PipelineSettings } from "./port/clients.js";
import type { CallOptions, SubscriptionInfo } from "./types.js";

export interface SubscriptionClientSettings extends PipelineSettings {
  /** Resource Manager endpoint (sovereign clouds); default https://management.azure.com. */
  armEndpoint?: string;
}

/** Our plain shape; an entry without a usable subscription id names nothing a command could use, so it is dropped. */
function toSubscriptionInfo(subscription: Subscription): SubscriptionInfo | undefined {
  const subscriptionId = subscription.subscriptionId?.trim();
  if (!subscriptionId || !isGuid(subscriptionId)) return undefined;
  return {
    id: subscription.id ?? `/subscriptions/${subscriptionId}`,
    subscriptionId,
    displayName: subscription.displayName?.trim() || subscriptionId,
    ...(subscription.tenantId ? { tenantId: subscription.tenantId } : {}),
    state: subscription.state ?? "Unknown",
  };
}

/** Every subscription the credential's identity can see, across pages, in the order Azure lists them. */
export async function listSubscriptions(
  credential: TokenCredential,
  settings: SubscriptionClientSettings = {},
  options: CallOptions = {},
): Promise<SubscriptionInfo[]> {
  const endpoint = normaliseArmEndpoint(settings.armEndpoint);
  const client = new SubscriptionClient(credential, { ...pipelineOptions(settings), endpoint });
  return callAzure("list subscriptions", async () => {
    const found: SubscriptionInfo[] = [];
    for await (const subscription of client.subscriptions.list({ abortSignal: options.abortSignal })) {
      const info = toSubscriptionInfo(subscription);
      if (info) found.push(info);
    }
    return found;
  });
}
