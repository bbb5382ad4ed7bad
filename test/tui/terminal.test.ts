// The terminal guard: a signal or a crash never leaves raw mode, a hidden cursor or the alternate screen behind.
import { describe, expect, it } from "vitest";
import { guardTerminal } from "../../src/tui/terminal.js";
import { FakeProcess } from "./fakes.js";

function ttyStreams() {
  const written: string[] = [];
  const rawModes: boolean[] = [];
  const stdout = { isTTY: true, write: (chunk: string) => (written.push(chunk), true) };
  const stdin = { isTTY: true, setRawMode: (mode: boolean) => rawModes.push(mode) };
  const errors: string[] = [];
  const stderr = { write: (chunk: string) => (errors.push(chunk), true) };
  return { written, rawModes, errors, streams: { stdout, stdin, stderr } as never };
}

describe("guardTerminal", () => {
  it("restores cooked mode, the cursor and the primary screen on SIGTERM, and exits 143", () => {
    const proc = new FakeProcess();
    const t = ttyStreams();
    guardTerminal(t.streams, { alternateScreen: true, proc });
    proc.emit("SIGTERM");
    expect(t.rawModes).toEqual([false]);
    expect(t.written.join("")).toBe("\u001B[?1049l\u001B[?25h");
    expect(proc.exitCodes).toEqual([143]);
  });

  it("restores once and reports a crash on stderr with exit code 3", () => {
    const proc = new FakeProcess();
    const t = ttyStreams();
    guardTerminal(t.streams, { alternateScreen: false, proc });
    proc.emit("uncaughtException", new Error("boom in a timer"));
    proc.emit("exit");
    expect(t.written).toEqual(["\u001B[?25h"]);
    expect(t.errors.join("")).toContain("boom in a timer");
    expect(proc.exitCodes).toEqual([3]);
  });

  it("stops listening once disposed", () => {
    const proc = new FakeProcess();
    const t = ttyStreams();
    const guard = guardTerminal(t.streams, { alternateScreen: true, proc });
    guard.dispose();
    expect(proc.listenerCount("SIGINT") + proc.listenerCount("exit") + proc.listenerCount("uncaughtException")).toBe(0);
    proc.emit("SIGHUP");
    expect(t.written).toEqual([]);
  });
});
