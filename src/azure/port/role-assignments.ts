// Microsoft.Authorization/roleAssignments through @azure/arm-authorization 9 (api-version 2022-04-01). Its `{scope}`
// path parameter is not encoded and follows a slash: scopes go in without their leading slash.
import type { RoleAssignment } from "@azure/arm-authorization";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { callAzure } from "../errors.js";
import { parseRoleAssignmentId, roleDefinitionIdFor, toRoleAssignmentScope } from "../ids.js";
import type { CmkAzure, RoleAssignmentInfo } from "../types.js";
import type { SdkClients } from "./clients.js";
import { guid, validate } from "./validation.js";

export function toRoleAssignmentInfo(assignment: RoleAssignment): RoleAssignmentInfo {
  return {
    id: assignment.id ?? "",
    name: assignment.name ?? "",
    scope: assignment.scope ?? "",
    roleDefinitionId: assignment.roleDefinitionId ?? "",
    principalId: assignment.principalId ?? "",
    ...(assignment.principalType ? { principalType: assignment.principalType } : {}),
  };
}

const createSchema = z.object({
  roleDefinitionId: z.string().trim().min(1),
  principalId: guid,
  principalType: z.enum(["ServicePrincipal", "User", "Group", "ForeignGroup", "Device"]).optional(),
});

export type RoleAssignmentOperations = Pick<
  CmkAzure,
  "listRoleAssignments" | "createRoleAssignment" | "deleteRoleAssignment"
>;

export function roleAssignmentOperations(clients: SdkClients): RoleAssignmentOperations {
  const sdk = clients.authorization.roleAssignments;
  return {
    async listRoleAssignments(scope, filter, options) {
      const sdkScope = toRoleAssignmentScope(scope);
      const principalId = filter?.principalId ? validate(guid, filter.principalId, "principal id") : undefined;
      return callAzure(`list role assignments at ${sdkScope}`, async () => {
        const out: RoleAssignmentInfo[] = [];
        const iterator = sdk.listForScope(sdkScope, {
          abortSignal: options?.abortSignal,
          ...(principalId ? { filter: `principalId eq '${principalId}'` } : {}),
        });
        for await (const assignment of iterator) out.push(toRoleAssignmentInfo(assignment));
        return out;
      });
    },

    async createRoleAssignment(scope, params, options) {
      const sdkScope = toRoleAssignmentScope(scope);
      const parsed = validate(createSchema, params, "role assignment");
      const roleDefinitionId = roleDefinitionIdFor(clients.subscriptionId, parsed.roleDefinitionId);
      // Assignment names are GUIDs chosen by the caller, as `az role assignment create` does.
      const name = randomUUID();
      const assignment = await callAzure(`create role assignment at ${sdkScope}`, () =>
        sdk.create(
          sdkScope,
          name,
          {
            roleDefinitionId,
            principalId: parsed.principalId,
            ...(parsed.principalType ? { principalType: parsed.principalType } : {}),
          },
          { abortSignal: options?.abortSignal },
        ),
      );
      return toRoleAssignmentInfo(assignment);
    },

    async deleteRoleAssignment(roleAssignmentId, options) {
      const { scope, name } = parseRoleAssignmentId(roleAssignmentId);
      await callAzure(`delete role assignment ${name}`, () =>
        sdk.delete(scope, name, { abortSignal: options?.abortSignal }),
      );
    },
  };
}
