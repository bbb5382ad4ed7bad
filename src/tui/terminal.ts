// Whatever happens — q, Ctrl-C, a signal, a crash — the terminal goes back the way we found it: cooked mode,
// cursor visible, primary screen. Ink restores these on a normal unmount; this guard covers every other way out.

const SHOW_CURSOR = "\u001B[?25h";
const LEAVE_ALTERNATE_SCREEN = "\u001B[?1049l";

export interface GuardedStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stderr?: NodeJS.WritableStream;
}

/** The process events the guard listens to; injectable so tests need not touch the real process. */
export interface GuardedProcess {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  exit(code?: number): never | void;
}

export interface TerminalGuard {
  /** Puts the terminal back; safe to call more than once. */
  restore(): void;
  /** Stops listening to the process. */
  dispose(): void;
}

const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

export function guardTerminal(
  streams: GuardedStreams,
  options: { alternateScreen: boolean; proc?: GuardedProcess } = { alternateScreen: false },
): TerminalGuard {
  const proc: GuardedProcess = options.proc ?? (process as unknown as GuardedProcess);
  let restored = false;

  const restore = (): void => {
    if (restored) return;
    restored = true;
    try {
      if (streams.stdin.isTTY && typeof streams.stdin.setRawMode === "function") streams.stdin.setRawMode(false);
    } catch {
      // stdin may already be closed; the escape sequences below still matter.
    }
    if (streams.stdout.isTTY) {
      streams.stdout.write((options.alternateScreen ? LEAVE_ALTERNATE_SCREEN : "") + SHOW_CURSOR);
    }
  };

  const onExit = (): void => restore();
  const signalHandlers = Object.keys(SIGNAL_EXIT_CODES).map((signal) => {
    const handler = (): void => {
      restore();
      proc.exit(SIGNAL_EXIT_CODES[signal]);
    };
    return [signal, handler] as const;
  });
  const onCrash = (error: unknown): void => {
    restore();
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    (streams.stderr ?? process.stderr).write(`acr-cmk: unexpected error in the terminal UI: ${text}\n`);
    proc.exit(3);
  };

  proc.on("exit", onExit);
  for (const [signal, handler] of signalHandlers) proc.on(signal, handler);
  proc.on("uncaughtException", onCrash);
  proc.on("unhandledRejection", onCrash);

  return {
    restore,
    dispose: () => {
      proc.off("exit", onExit);
      for (const [signal, handler] of signalHandlers) proc.off(signal, handler);
      proc.off("uncaughtException", onCrash);
      proc.off("unhandledRejection", onCrash);
    },
  };
}
