// The frame around every screen: sandbox banner, help overlay, navigation and the keys that work everywhere.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Box, Text, useApp, useInput } from "ink";
import type * as ScreenModule from "../screens/index.js";
import { SessionContext, ShellContext, type Screen, type ShellControls } from "../session.js";
import { ThemeContext, createTheme } from "../theme.js";
import type { RegistryTarget, TuiConnection, TuiExit, TuiSession } from "../types.js";
import { BusyLine } from "./BusyLine.js";
import { HeaderBar } from "./HeaderBar.js";
import { HelpOverlay } from "./HelpOverlay.js";
import { KeyHints } from "./KeyHints.js";
import { SandboxBanner } from "./SandboxBanner.js";

/** Home, the run screen and the runs list: loaded apart from the shell, so the first frame need not wait for them. */
export type Screens = typeof ScreenModule;

export interface AppShellProps {
  session: Omit<TuiSession, keyof TuiConnection>;
  /** Azure and the run store; a promise while they load, so the first frame need not wait for them. */
  connection: TuiConnection | Promise<TuiConnection>;
  /** The screens; a promise while they load (alongside the connection). */
  screens: Screens | Promise<Screens>;
  initial: Screen;
  /** Registry from the command line: Home diagnoses it at once. */
  target?: RegistryTarget;
  /** False when the TUI was opened for one run (`acr-cmk run` on a TTY): leaving the run leaves the TUI. */
  canGoHome: boolean;
  color: boolean;
  onExit: (exit: TuiExit) => void;
}

type Pending<T> = { state: "ready"; value: T } | { state: "loading" } | { state: "failed"; message: string };

/** A value that may still be on its way (the connection, the screens), as state the shell can render. */
function usePending<T>(pending: T | Promise<T>): Pending<T> {
  const [settled, setSettled] = useState<Pending<T>>(() =>
    pending instanceof Promise ? { state: "loading" } : { state: "ready", value: pending },
  );
  useEffect(() => {
    if (!(pending instanceof Promise)) return;
    let live = true;
    pending.then(
      (value) => {
        if (live) setSettled({ state: "ready", value });
      },
      (error: unknown) => {
        if (live) setSettled({ state: "failed", message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => {
      live = false;
    };
  }, [pending]);
  return settled;
}

/** Connected only once the screens are loaded too: until then the shell keeps showing "connecting". */
function useConnection(
  connection: TuiConnection | Promise<TuiConnection>,
  screens: Screens | Promise<Screens>,
): { connected: Pending<TuiConnection>; screens?: Screens } {
  const connected = usePending(connection);
  const loaded = usePending(screens);
  if (connected.state !== "ready") return { connected };
  if (loaded.state === "failed") {
    return { connected: { state: "failed", message: `the terminal UI's screens did not load: ${loaded.message}` } };
  }
  return loaded.state === "ready" ? { connected, screens: loaded.value } : { connected: { state: "loading" } };
}

export function AppShell({
  session: base,
  connection,
  screens: pendingScreens,
  initial,
  target,
  canGoHome,
  color,
  onExit,
}: AppShellProps) {
  const app = useApp();
  const { connected, screens } = useConnection(connection, pendingScreens);
  // The wait on screen counts from when the shell appeared.
  const [loadingSince] = useState(() => Date.now());
  const [screen, setScreen] = useState<Screen>(initial);
  const [help, setHelp] = useState(false);
  const [typing, setTyping] = useState(false);
  const screenRef = useRef(screen);
  screenRef.current = screen;
  const left = useRef(false);

  const leaveWith = useCallback(
    (reason: TuiExit["reason"]) => {
      if (left.current) return;
      left.current = true;
      const current = screenRef.current;
      onExit({ reason, ...(current.name === "run" ? { runId: current.runId } : {}) });
      app.exit();
    },
    [app, onExit],
  );

  const controls = useMemo<ShellControls>(
    () => ({
      go: (next) => {
        setHelp(false);
        setScreen(next);
      },
      back: () => (canGoHome ? setScreen({ name: "home" }) : leaveWith("quit")),
      canGoHome,
      paused: help,
      leave: () => leaveWith("quit"),
      setTyping,
    }),
    [canGoHome, leaveWith, help],
  );

  // Ctrl-C works even while typing: it is the way out a person reaches for first.
  useInput((input, key) => {
    if (key.ctrl && input === "c") leaveWith("interrupt");
  });
  useInput(
    (input, key) => {
      if (help) {
        if (input === "?" || key.escape || input === "q") setHelp(false);
        return;
      }
      if (input === "?") setHelp(true);
      else if (input === "q") leaveWith("quit");
      else if (input === "R" && screen.name !== "runs" && connected.state === "ready") setScreen({ name: "runs" });
    },
    { isActive: !typing },
  );

  const theme = useMemo(() => createTheme(color), [color]);
  const reserveRows = base.sandbox ? 1 : 0;
  const session = useMemo<TuiSession | undefined>(
    () => (connected.state === "ready" ? { ...base, ...connected.value } : undefined),
    [base, connected],
  );

  let body;
  if (!session || !screens) {
    body = (
      <Box flexDirection="column">
        <HeaderBar title="home" detail={base.sandbox ? "sandbox" : "Azure"} />
        {connected.state === "failed" ? (
          <>
            <Text wrap="wrap" color={theme.tone("danger")}>
              ✖ Could not connect: {connected.message}
            </Text>
            <KeyHints hints={[{ key: "q", label: "quit" }]} />
          </>
        ) : (
          <BusyLine
            label={base.sandbox ? "Opening the sandbox and the run store" : "Connecting to Azure"}
            since={loadingSince}
          />
        )}
      </Box>
    );
  } else if (screen.name === "run") {
    body = <screens.RunScreen key={screen.runId} runId={screen.runId} reserveRows={reserveRows} />;
  } else if (screen.name === "runs") {
    body = <screens.RunsScreen reserveRows={reserveRows} />;
  } else {
    body = <screens.Home target={target} reserveRows={reserveRows} />;
  }

  return (
    <ThemeContext.Provider value={theme}>
      <SessionContext.Provider value={session}>
        <ShellContext.Provider value={controls}>
          <Box flexDirection="column">
            {base.sandbox ? <SandboxBanner subscriptionId={session?.subscriptionId ?? "…"} /> : null}
            {help ? <HelpOverlay /> : null}
            {/* The screen stays mounted under the help, so closing it loses nothing (no second diagnosis). */}
            <Box display={help ? "none" : "flex"} flexDirection="column">
              {body}
            </Box>
          </Box>
        </ShellContext.Provider>
      </SessionContext.Provider>
    </ThemeContext.Provider>
  );
}
