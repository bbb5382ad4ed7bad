// The diagnosis screen's timeline panel: the changes newest first, each with who, what operation, on which resource and
// from which source; bounded to the rows it is given, with a count of the older ones.
import { stripVTControlCharacters } from "node:util";
import { render } from "ink-testing-library";
import { describe, expect, it, onTestFinished } from "vitest";
import type { TimelineEntry } from "../../src/diagnosis/timeline/types.js";
import { TimelinePanel } from "../../src/tui/components/TimelinePanel.js";
import { keyDeletedByAlice } from "../fixtures/timeline-report.js";
import { mountTui, waitForFrame, widestLine } from "./harness.js";

const VAULT = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-contoso";

function entry(minute: number, over: Partial<TimelineEntry> = {}): TimelineEntry {
  return {
    id: `activity-log/${minute}`,
    time: `2026-12-03T02:${String(minute).padStart(2, "0")}:00.000Z`,
    actor: "bob@contoso.com",
    operation: "Microsoft.KeyVault/vaults/write",
    resourceId: VAULT,
    source: "activity-log",
    detail: "vault kv-contoso changed",
    client: null,
    requestId: null,
    ...over,
  };
}

const lines = (frame: string | undefined) => stripVTControlCharacters(frame ?? "").split("\n");

describe("TimelinePanel", () => {
  it("one row per change as given (newest first): time, actor, operation, resource, source", () => {
    const entries = [
      entry(14, {
        actor: "alice@contoso.com",
        operation: "KeyDelete",
        resourceId: "https://kv-contoso.vault.azure.net/keys/acr-key",
        source: "key-vault-audit",
      }),
      entry(5),
    ];
    const { lastFrame, unmount } = render(<TimelinePanel entries={entries} width={80} maxRows={8} />);
    const [heading, first, second, ...rest] = lines(lastFrame());
    expect(heading).toBe("Timeline (UTC, newest first, 2 changes)");
    expect(first).toMatch(/^12-03 02:14 +alice@contoso\.com +KeyDelete +key acr-key +key vault audit$/);
    expect(second).toMatch(/^12-03 02:05 +bob@contoso\.com +vaults\/write +kv-contoso +activity log$/);
    expect(rest).toEqual([]);
    unmount();
  });

  it("takes no more rows than it is given, and counts the older changes it leaves out", () => {
    const entries = Array.from({ length: 12 }, (_, i) => entry(59 - i));
    const { lastFrame, unmount } = render(<TimelinePanel entries={entries} width={80} maxRows={5} />);
    const shown = lines(lastFrame());
    expect(shown).toHaveLength(5);
    expect(shown[1]).toContain("02:59");
    expect(shown[3]).toContain("02:57");
    expect(shown[4]).toBe("… 9 older (acr-cmk diagnose shows them all)");
    unmount();
  });

  it("cuts long actors and resources to their columns on a narrow terminal", () => {
    const long = entry(1, { actor: "a-very-long-service-principal-name@contoso.onmicrosoft.com" });
    const { lastFrame, unmount } = render(<TimelinePanel entries={[long]} width={60} maxRows={4} />);
    const row = lines(lastFrame())[1] ?? "";
    expect(row).toContain("…");
    expect([...row].length).toBeLessThanOrEqual(60);
    unmount();
  });

  it("says so when the sources had no change, and draws nothing without a timeline", () => {
    const empty = render(<TimelinePanel entries={[]} width={80} maxRows={3} />);
    expect(lines(empty.lastFrame())).toEqual(["Timeline: no changes found in the sources that could be read"]);
    empty.unmount();
    const none = render(<TimelinePanel entries={undefined} width={80} maxRows={3} />);
    expect(none.lastFrame()).toBe("");
    none.unmount();
  });
});

describe("the diagnosis screen", () => {
  it("shows the timeline of a real sandboxed diagnosis under the findings, within 80×24", async () => {
    const report = await keyDeletedByAlice();
    const mounted = mountTui({ target: { resourceGroup: "rg-acr-cmk-demo", registry: "acrcmkdemo" }, report });
    onTestFinished(async () => {
      mounted.stdin.write("q");
      await mounted.result.catch(() => undefined);
    });
    const frame = await waitForFrame(mounted.stdout, (f) => f.includes("Timeline (UTC, newest first"));
    const shown = lines(frame);
    const heading = shown.findIndex((l) => l.startsWith("Timeline"));
    expect(heading).toBeGreaterThan(shown.findLastIndex((l) => l.startsWith("CRITICAL")));
    expect(shown.slice(heading + 1).join("\n")).toMatch(/alice@contoso\.com +KeyDelete +key acr-cmk +key vault audit/);
    expect(shown.findIndex((l) => l.includes("Start recovery: key-deleted"))).toBeGreaterThan(heading);
    expect(shown.length).toBeLessThanOrEqual(24);
    expect(widestLine(mounted.stdout)).toBeLessThanOrEqual(80);
  });
});
