import { describe, expect, it } from "vitest";
import { triage } from "../../../src/diagnosis/triage.js";
import { renderTriage } from "../../../src/slack/blocks/triage.js";

const text = (message: ReturnType<typeof renderTriage>): string => JSON.stringify(message.blocks);

describe("Slack triage answer", () => {
  it("names the registry the paste names, as <group>/<name>", () => {
    const answer = renderTriage(
      triage(
        "Azure resource '/subscriptions/xxxx/resourcegroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/acrprod' does not have access to identity 'abc' Try forcibly adding the identity",
      ),
    );
    expect(text(answer)).toContain("/acr-cmk recover rg-acr/acrprod");
    expect(text(answer)).not.toContain("<registry>");
  });

  it("says the runbooks are for registries when another service reports the cause", () => {
    const answer = renderTriage(
      triage("KeyVaultEncryptionKeyNotFound: The key vault key is not found to unwrap the encryption key."),
    );
    expect(text(answer)).toContain("This error comes from an Azure Storage account, not from a container registry");
  });

  it("keeps placeholders when the paste names no registry", () => {
    expect(text(renderTriage(triage("Operation unwrapKey is not allowed on a disabled key")))).toContain(
      "<resource-group>/<registry>",
    );
  });
});
