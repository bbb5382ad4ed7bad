// Wrapping what a person must read whole: nothing is lost, nothing is wider than its room, commands stay commands.
import { describe, expect, it } from "vitest";
import { breakWord, shellWords, widthOf, wrapCommand, wrapText } from "../../src/tui/wrap.js";

const SCOPE =
  "/subscriptions/5d02af4f-b4ff-47fc-a1f2-84f2f298cef3/resourceGroups/rg-acr-cmk-demo/providers/Microsoft.KeyVault/vaults/kv-acr-cmk-demo";
const GRANT =
  'az role assignment create --assignee-object-id 408fee62-4aa6-446d-8472-9cc0445e704b --assignee-principal-type ServicePrincipal --role "Key Vault Crypto Service Encryption User" --scope ' +
  SCOPE;

/** Reads wrapped command rows back the way a shell would join them (a split word continues without the indent). */
function unwrap(rows: string[], prefix = "$ "): string {
  let text = rows[0]!.slice(prefix.length);
  for (const row of rows.slice(1)) {
    const piece = row.replace(/^ {4}/, "");
    if (text.endsWith(" \\")) text = `${text.slice(0, -2)} ${piece}`;
    else text += piece;
  }
  return text;
}

describe("wrapText", () => {
  it("wraps at word boundaries and keeps every word", () => {
    const text = "The vault denies public traffic and does not let trusted Azure services bypass the firewall.";
    const rows = wrapText(text, 30);
    for (const row of rows) expect(widthOf(row)).toBeLessThanOrEqual(30);
    expect(rows.join(" ")).toBe(text);
  });

  it("breaks a resource id after a slash rather than inside a name", () => {
    const rows = wrapText(SCOPE, 40);
    for (const row of rows) expect(widthOf(row)).toBeLessThanOrEqual(40);
    expect(rows.join("")).toBe(SCOPE);
    expect(rows[0]!.endsWith("/") || rows[0]!.endsWith("-")).toBe(true);
  });

  it("never returns no rows, so an empty value still takes its line", () => {
    expect(wrapText("", 10)).toEqual([""]);
  });
});

describe("breakWord", () => {
  it("falls back to a hard cut when no boundary is near the end", () => {
    expect(breakWord("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
  });

  it("prefers a slash or a blank to a dash", () => {
    expect(breakWord("aaaa/bb-cc-dd", 10)).toEqual(["aaaa/bb-", "cc-dd"]);
    expect(breakWord("aaaaaa/b-cc-dd", 10)).toEqual(["aaaaaa/", "b-cc-dd"]);
  });
});

describe("shellWords", () => {
  it("keeps quoted arguments whole", () => {
    expect(shellWords(`az x --role "Key Vault Crypto User" --query "[?name=='kv']"`)).toEqual([
      "az",
      "x",
      "--role",
      '"Key Vault Crypto User"',
      "--query",
      `"[?name=='kv']"`,
    ]);
  });
});

describe("wrapCommand", () => {
  it("wraps between arguments with shell continuations and loses nothing", () => {
    for (const width of [76, 47, 30]) {
      const rows = wrapCommand(GRANT, width);
      for (const row of rows) expect(widthOf(row)).toBeLessThanOrEqual(width);
      expect(unwrap(rows)).toBe(GRANT);
    }
  });

  it("puts a short command on one row, unchanged", () => {
    expect(wrapCommand("az keyvault key recover --vault-name kv --name k", 80)).toEqual([
      "$ az keyvault key recover --vault-name kv --name k",
    ]);
  });

  it("ends continued rows with a backslash and indents the next, as a person would type it", () => {
    const rows = wrapCommand(
      "az keyvault update --name kv-acr-cmk-demo --resource-group rg-acr-cmk-demo --bypass None",
      50,
    );
    expect(rows).toEqual([
      "$ az keyvault update --name kv-acr-cmk-demo \\",
      "    --resource-group rg-acr-cmk-demo --bypass None",
    ]);
  });
});
