// Checks ARM makes before it looks at a resource: the subscription, then the resource group.
import { findSubscription } from "../fleet.js";
import type { World } from "../world.js";
import { ServiceError } from "./problems.js";

export function requireSubscription(world: World, subscriptionId: string): void {
  const found = findSubscription(world, subscriptionId);
  if (!found) {
    throw new ServiceError(404, "SubscriptionNotFound", `The subscription '${subscriptionId}' could not be found.`);
  }
  if (!found.readable) {
    // ARM's answer to a caller without any role there (its text, with the operator as the client).
    throw new ServiceError(
      403,
      "AuthorizationFailed",
      `The client '${world.operator.objectId}' with object id '${world.operator.objectId}' does not have authorization to perform action 'Microsoft.Resources/subscriptions/read' over scope '/subscriptions/${subscriptionId}' or the scope is invalid.`,
    );
  }
}

/** Returns the group's name as the world spells it. */
export function requireResourceGroup(world: World, subscriptionId: string, resourceGroup: string): string {
  requireSubscription(world, subscriptionId);
  const found = world.resourceGroups.find((rg) => rg.toLowerCase() === resourceGroup.toLowerCase());
  if (!found) {
    throw new ServiceError(404, "ResourceGroupNotFound", `Resource group '${resourceGroup}' could not be found.`);
  }
  return found;
}

export function sameText(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}
