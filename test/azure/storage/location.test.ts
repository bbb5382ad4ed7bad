// ACR_CMK_STORE's two forms, and what is refused: the name shown in messages never carries a key.
import { describe, expect, it } from "vitest";
import { parseStoreLocation } from "../../../src/azure/storage/location.js";
import { UsageError } from "../../../src/errors.js";

const KEY = "c2VjcmV0LWtleS1ub3QtcmVhbA==";

describe("ACR_CMK_STORE", () => {
  it("an account's Table URL signs in with DefaultAzureCredential and derives the Blob endpoint", () => {
    expect(parseStoreLocation("https://stacrcmkops.table.core.windows.net")).toEqual({
      name: "https://stacrcmkops.table.core.windows.net",
      secretSetup: {
        tableUrl: "https://stacrcmkops.table.core.windows.net",
        blobUrl: "https://stacrcmkops.blob.core.windows.net",
      },
    });
    expect(parseStoreLocation("https://stgov.table.core.usgovcloudapi.net/").secretSetup).toMatchObject({
      blobUrl: "https://stgov.blob.core.usgovcloudapi.net",
    });
  });

  it("a connection string is named by its account and endpoint, never its key", () => {
    const location = parseStoreLocation(
      `DefaultEndpointsProtocol=https;AccountName=stacrcmk;AccountKey=${KEY};EndpointSuffix=core.windows.net`,
    );
    expect(location.name).toBe("stacrcmk");
    expect(location.name).not.toContain(KEY);
    const local = parseStoreLocation(
      `AccountName=acct1;AccountKey=${KEY};TableEndpoint=http://127.0.0.1:10002/acct1;BlobEndpoint=http://127.0.0.1:10000/acct1`,
    );
    expect(local.name).toBe("acct1 at http://127.0.0.1:10002/acct1");
    expect(parseStoreLocation("UseDevelopmentStorage=true").name).toContain("emulator");
  });

  it.each([
    ["http://stacrcmk.table.core.windows.net", "must be https"],
    ["https://stacrcmk.blob.core.windows.net", "Table endpoint"],
    ["https://stacrcmk.table.core.windows.net/?sv=2024&sig=x", "no SAS"],
    ["AccountName=stacrcmk", "without AccountKey or SharedAccessSignature"],
    ["just words", "neither a storage connection string"],
  ])("refuses %s as bad usage", (value, message) => {
    expect(() => parseStoreLocation(value)).toThrow(UsageError);
    expect(() => parseStoreLocation(value)).toThrow(message);
  });
});
