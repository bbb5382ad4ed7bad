// The frame around every screen: sandbox banner, help overlay, navigation and the keys that work everywhere.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Box, Text, useApp, useInput } from "ink";
import { ThemeProvider, defaultTheme, extendTheme } from "@inkjs/ui";
import { Home } from "../screens/Home.js";
import { RunScreen } from "../screens/RunScreen.js";
import { RunsScreen } from "../screens/RunsScreen.js";
import { SessionContext, ShellContext, type Screen, type ShellControls } from "../session.js";
import { ThemeContext, createTheme } from "../theme.js";
import type { RegistryTarget, TuiConnection, TuiExit, TuiSession } from "../types.js";
import { BusyLine } from "./BusyLine.js";
import { HeaderBar } from "./HeaderBar.js";
import { HelpOverlay } from "./HelpOverlay.js";
import { KeyHints } from "./KeyHints.js";
import { SandboxBanner } from "./SandboxBanner.js";

export interface AppShellProps {
  session: Omit<TuiSession, keyof TuiConnection>;
  /** Azure and the run store; a promise while they load, so the first frame need not wait for them. */
  connection: TuiConnection | Promise<TuiConnection>;
  initial: Screen;
  /** Registry from the command line: Home diagnoses it at once. */
  target?: RegistryTarget;
  /** False when the TUI was opened for one run (`acr-cmk run` on a TTY): leaving the run leaves the TUI. */
  canGoHome: boolean;
  color: boolean;
  onExit: (exit: TuiExit) => void;
}

// @inkjs/ui paints its spinner blue; without colour it must not paint at all.
const plainUiTheme = extendTheme(defaultTheme, { components: { Spinner: { styles: { frame: () => ({}) } } } });

type Connected =
  { state: "ready"; value: TuiConnection } | { state: "loading"; since: number } | { state: "failed"; message: string };

function useConnection(connection: TuiConnection | Promise<TuiConnection>): Connected {
  const [connected, setConnected] = useState<Connected>(() =>
    connection instanceof Promise ? { state: "loading", since: Date.now() } : { state: "ready", value: connection },
  );
  useEffect(() => {
    if (!(connection instanceof Promise)) return;
    let live = true;
    connection.then(
      (value) => {
        if (live) setConnected({ state: "ready", value });
      },
      (error: unknown) => {
        if (live) setConnected({ state: "failed", message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => {
      live = false;
    };
  }, [connection]);
  return connected;
}

export function AppShell({ session: base, connection, initial, target, canGoHome, color, onExit }: AppShellProps) {
  const app = useApp();
  const connected = useConnection(connection);
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
  if (!session) {
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
            since={connected.state === "loading" ? connected.since : 0}
          />
        )}
      </Box>
    );
  } else if (screen.name === "run") {
    body = <RunScreen key={screen.runId} runId={screen.runId} reserveRows={reserveRows} />;
  } else if (screen.name === "runs") {
    body = <RunsScreen reserveRows={reserveRows} />;
  } else {
    body = <Home target={target} reserveRows={reserveRows} />;
  }

  const tree = (
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
  return color ? tree : <ThemeProvider theme={plainUiTheme}>{tree}</ThemeProvider>;
}
